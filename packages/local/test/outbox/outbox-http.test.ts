import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EXTERNAL_CHANNELS } from "@weft/core/notify/delivery/index";
import { HttpOutboxAdapter } from "@weft/functions/adapters/channels/outbox-http";
import { runChannelAdapterConformance } from "../../../core/test/notify/delivery/channel-adapter-conformance.js";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createHttpGateway, type HttpGateway } from "../../src/http-gateway.js";
import { honoHook } from "../../src/hono-hook.js";
import { Outbox, outboxApp } from "../../src/outbox/index.js";
import { memoryLogger } from "../helpers.js";
import { CHANNEL_SETUPS, outboxHarness } from "./harness.js";

// Served exactly as the local stack mounts it: a request hook on the gateway's node:http server.
const outbox = new Outbox();
let gateway: HttpGateway;
let base: string;
/** A port nothing listens on (a server's, just closed). */
let deadBase: string;

beforeAll(async () => {
  gateway = createHttpGateway({ routes: [], resolve: () => Promise.reject(new Error("no functions here")), log: memoryLogger() });
  gateway.use(honoHook(outboxApp(outbox), ["/v1/dev/outbox", "/dev/outbox"]));
  base = await gateway.listen(0);
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  deadBase = `http://127.0.0.1:${(probe.address() as AddressInfo).port}`;
  await new Promise((resolve) => probe.close(resolve));
});
afterAll(() => gateway.close());

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; type: string; json: any; text: string }> {
  const res = await fetch(base + path, { method, headers: body === undefined ? {} : { "content-type": "application/json" }, body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body) });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, type: res.headers.get("content-type") ?? "", json, text };
}

const command = (over: Record<string, unknown> = {}) => ({
  notificationId: `n-${Math.random().toString(36).slice(2)}`,
  tenant: "t-http",
  userId: "ann",
  channel: "email",
  provider: "ses",
  target: CHANNEL_SETUPS.email.target(),
  title: "Réunion 👋",
  body: "B",
  attempt: 1,
  ...over,
});

describe("outbox HTTP API", () => {
  it("lists deliveries and failures over HTTP, filtered by userId and channel, and clears them", async () => {
    await call("DELETE", "/v1/dev/outbox");
    await call("PUT", "/v1/dev/outbox/faults", { faults: [{ channel: "sms", fail: "retryable", times: 1 }] });
    for (const userId of ["ann", "bob"]) expect((await call("POST", "/v1/dev/outbox/deliveries", command({ userId }))).json.status).toBe("delivered");
    const sms = command({ channel: "sms", provider: "sns", target: CHANNEL_SETUPS.sms.target() });
    expect((await call("POST", "/v1/dev/outbox/deliveries", sms)).json).toMatchObject({ status: "retryable" });
    expect((await call("POST", "/v1/dev/outbox/deliveries", { ...sms, attempt: 2 })).json).toMatchObject({ status: "delivered" });

    const all = await call("GET", "/v1/dev/outbox");
    expect(all.status).toBe(200);
    expect(all.json.deliveries.map((d: any) => [d.userId, d.channel])).toEqual([["ann", "email"], ["bob", "email"], ["ann", "sms"]]);
    expect(all.json.failures).toMatchObject([{ channel: "sms", attempt: 1, result: { status: "retryable" } }]);
    expect(all.json.deliveries[0].title).toBe("Réunion 👋");
    expect((await call("GET", "/v1/dev/outbox?userId=ann&channel=email")).json.deliveries).toHaveLength(1);
    expect((await call("GET", "/v1/dev/outbox?userId=ann")).json.deliveries).toHaveLength(2);
    expect((await call("GET", "/v1/dev/outbox?channel=sms")).json).toMatchObject({ deliveries: [{ userId: "ann" }], failures: [{ userId: "ann" }] });

    const cleared = await call("DELETE", "/v1/dev/outbox");
    expect(cleared.status).toBe(204);
    expect((await call("GET", "/v1/dev/outbox")).json).toEqual({ deliveries: [], failures: [] });
  });

  it("installs fault rules with PUT and shows them with their remaining sends", async () => {
    const put = await call("PUT", "/v1/dev/outbox/faults", { faults: [{ channel: "web_push", provider: "webpush", fail: "invalid_token", times: 2, latencyMs: 0 }, { fail: "retryable" }] });
    expect(put.status).toBe(200);
    expect(put.json.faults).toEqual([{ channel: "web_push", provider: "webpush", fail: "invalid_token", times: 2, latencyMs: 0, remaining: 2 }, { fail: "retryable" }]);
    const push = command({ channel: "web_push", provider: "webpush", target: CHANNEL_SETUPS.web_push.target() });
    expect((await call("POST", "/v1/dev/outbox/deliveries", push)).json).toMatchObject({ status: "hard", kind: "invalid_token" });
    expect((await call("GET", "/v1/dev/outbox/faults")).json.faults[0].remaining).toBe(1);
    expect((await call("PUT", "/v1/dev/outbox/faults", { faults: [] })).json).toEqual({ faults: [] });
  });

  it("refuses bad input with 400 and the API's error body, naming each problem", async () => {
    const bad = await call("PUT", "/v1/dev/outbox/faults", { faults: [{ channel: "pigeon", fail: "gone", times: 0, extra: 1 }] });
    expect(bad.status).toBe(400);
    expect(bad.json.error.code).toBe("invalid_request");
    expect(bad.json.error.message).toBe("invalid faults");
    expect(bad.json.error.details.map((d: any) => d.path).sort()).toEqual(["faults.0.channel", "faults.0.extra", "faults.0.fail", "faults.0.times"]);
    for (const d of bad.json.error.details) expect(d.issue).toEqual(expect.any(String));

    const notJson = await call("PUT", "/v1/dev/outbox/faults", "{faults:");
    expect(notJson.status).toBe(400);
    expect(notJson.json.error).toMatchObject({ code: "invalid_request", message: "body is not JSON" });
    expect((await call("PUT", "/v1/dev/outbox/faults", { rules: [] })).json.error.details).toEqual(
      expect.arrayContaining([{ path: "faults", issue: expect.any(String) }, { path: "rules", issue: "unknown key" }]),
    );

    const channel = await call("GET", "/v1/dev/outbox?channel=fax");
    expect(channel.status).toBe(400);
    expect(channel.json.error.details).toEqual([{ path: "channel", issue: expect.stringContaining("email") }]);

    const mismatched = await call("POST", "/v1/dev/outbox/deliveries", command({ channel: "sms" }));
    expect(mismatched.status).toBe(400);
    expect(mismatched.json.error.details).toEqual([{ path: "target.kind", issue: "target kind does not fit the channel" }]);
    // A faulty request changed nothing.
    expect((await call("GET", "/v1/dev/outbox/faults")).json).toEqual({ faults: [] });
  });

  it("serves the dev page as HTML and leaves every other path to the gateway", async () => {
    const page = await call("GET", "/dev/outbox");
    expect(page.status).toBe(200);
    expect(page.type).toMatch(/^text\/html/);
    expect(page.text).toContain("<h1>Local outbox</h1>");
    expect(page.text).toContain('fetch("/v1/dev/outbox?"');
    const other = await call("GET", "/v1/dev/outboxes");
    expect(other.status).toBe(404);
    expect(other.json.error.message).toBe("no route for GET /v1/dev/outboxes");
    expect((await call("POST", "/v1/dev/outbox")).json.error.code).toBe("not_found");
  });
});

// The functions-side client of the outbox, over real HTTP, meets the same contract.
for (const channel of EXTERNAL_CHANNELS) {
  runChannelAdapterConformance(`HttpOutboxAdapter -> local outbox (${channel})`, async () =>
    outboxHarness(outbox, new HttpOutboxAdapter(base), channel, {
      unreachable: () => new HttpOutboxAdapter(deadBase, 2_000),
    }),
  );
}
