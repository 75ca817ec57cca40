import { afterAll, beforeAll } from "vitest";
import type { BusEntry } from "@weft/core";
import { runBusConformance } from "@weft/core/testing";
import { EventBridgeBus, eventBridgeClient } from "@weft/functions/adapters/eventbridge/bus";
import type { EventBridgeEvent } from "../../src/event-bus/index.js";
import { localFunction } from "../../src/lambda.js";
import { startBusServer, type BusServer } from "./harness.js";

/**
 * The Bus conformance suite against the EventBridge adapter, through the real SDK and the
 * local EventBridge endpoint; deliveries are observed at a rule target matching every event.
 */
let server: BusServer;

beforeAll(async () => {
  server = await startBusServer();
});
afterAll(() => server.close());

runBusConformance("eventbridge (local endpoint)", async () => {
  await server.bus()?.stop();
  const seen: BusEntry[] = [];
  const target = localFunction("observer", async (event: EventBridgeEvent) => {
    seen.push({ source: event.source, detailType: event["detail-type"], detail: event.detail, time: Date.parse(event.time) });
  });
  const bus = server.use({
    name: "conformance-bus",
    rules: [{ name: "all", pattern: { source: [{ exists: true }] }, target, retry: { maximumRetryAttempts: 0, maximumEventAgeInSeconds: 60 }, deadLetter: target }],
  });
  return {
    bus: new EventBridgeBus({ client: eventBridgeClient(server.url), eventBusName: "conformance-bus" }),
    delivered: async () => {
      await bus.drain();
      return seen;
    },
  };
});
