import { createHttpGateway, type HttpGateway } from "../../src/http-gateway.js";
import { LocalEventBus, eventBusEndpoint, type LocalEventBusOptions } from "../../src/event-bus/index.js";
import type { Logger } from "../../src/log.js";
import { memoryLogger } from "../helpers.js";

/**
 * A real HTTP server carrying only the local EventBridge endpoint, for tests that drive it with
 * the real `@aws-sdk/client-eventbridge`. `use(opts)` swaps in a fresh bus (rules and all), so
 * one server serves a whole test file.
 */
export interface BusServer {
  url: string;
  log: Logger & { entries: Array<{ level: string; msg: string; fields?: Record<string, unknown> }> };
  bus(): LocalEventBus;
  use(opts: LocalEventBusOptions): LocalEventBus;
  close(): Promise<void>;
}

export async function startBusServer(): Promise<BusServer> {
  const log = memoryLogger();
  let current: LocalEventBus | undefined;
  const gateway: HttpGateway = createHttpGateway({ routes: [], resolve: () => Promise.reject(new Error("no functions")), log });
  // Delegates to whichever bus is current.
  const proxy = { put: (body: unknown) => current!.put(body) } as LocalEventBus;
  gateway.use(eventBusEndpoint(proxy, log));
  const url = await gateway.listen(0);
  return {
    url,
    log,
    bus: () => current!,
    use: (opts) => (current = new LocalEventBus({ log, ...opts })),
    close: async () => {
      await current?.stop();
      await gateway.close();
    },
  };
}
