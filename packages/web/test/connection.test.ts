import { WebSocketServer } from "ws";
import WebSocket from "ws";
import { afterEach, describe, expect, it } from "vitest";
import { createClient, type WebSocketConstructor, type WeftClient } from "../src/index.js";
import { until } from "./stack-client.js";

/**
 * Connection behaviour against small real WebSocket servers (the `ws` package) that misbehave
 * in ways the local stack never does: refusing every upgrade, or accepting and then never
 * answering.
 */
const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0)) await fn();
});

async function server(opts: { refuse?: boolean }): Promise<{ url: string; connections: () => number }> {
  let connections = 0;
  const wss = new WebSocketServer({
    port: 0,
    host: "127.0.0.1",
    verifyClient: (_info, done) => (opts.refuse ? done(false, 401, "Unauthorized") : done(true)),
  });
  wss.on("connection", () => connections++); // and never says anything
  await new Promise((r) => wss.once("listening", r));
  cleanup.push(() => new Promise<void>((r) => wss.close(() => r())));
  const { port } = wss.address() as { port: number };
  return { url: `ws://127.0.0.1:${port}/ws`, connections: () => connections };
}

function client(wsUrl: string, opts: { pingIntervalMs?: number } = {}): WeftClient {
  const c = createClient({
    url: "http://127.0.0.1:9",
    wsUrl,
    getToken: () => "token",
    WebSocket: WebSocket as unknown as WebSocketConstructor,
    backoff: { initialMs: 20, maxMs: 100 },
    ...opts,
  });
  cleanup.push(() => c.close());
  return c;
}

describe("connection", () => {
  it("a refused upgrade asks getToken again before each retry, with backoff", async () => {
    const s = await server({ refuse: true });
    const c = client(s.url);
    const statuses: string[] = [];
    c.on("status", (st) => statuses.push(st));
    await until("several attempts", () => c.hooks.tokenCalls >= 4);
    expect(c.status).not.toBe("open");
    expect(statuses).toContain("offline");
    expect(statuses).not.toContain("open");
  });

  it("a socket that stops answering pings is replaced", async () => {
    const s = await server({});
    const c = client(s.url, { pingIntervalMs: 100 });
    await until("open", () => c.status === "open");
    await until("a second connection after the silent one was given up", () => s.connections() >= 2, 5000);
    expect(c.hooks.tokenCalls).toBe(1); // the socket had opened: the token was fine
  });

  it("close() is final: no reconnect, status closed", async () => {
    const s = await server({});
    const c = client(s.url);
    await until("open", () => c.status === "open");
    await c.close();
    expect(c.status).toBe("closed");
    await new Promise((r) => setTimeout(r, 200));
    expect(s.connections()).toBe(1);
  });
});
