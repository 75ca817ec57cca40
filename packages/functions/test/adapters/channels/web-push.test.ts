import webpush from "web-push";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DeliveryCommand } from "@weft/core/notify/delivery/index";
import { runChannelAdapterConformance, type ProvokedFailure } from "../../../../core/test/notify/delivery/channel-adapter-conformance.js";
import { collapseKeyOf } from "../../../src/adapters/channels/push-payload.js";
import { WebPushAdapter } from "../../../src/adapters/channels/web-push.js";
import { deadUrl, startHttpFake, type HttpFake, type Reply } from "./fake-server.js";
import { decryptAes128gcm, userAgentKeys, verifyVapid } from "./web-push-crypto.js";

const vapid = { subject: "mailto:ops@weft.example", ...webpush.generateVAPIDKeys() };
const ua = userAgentKeys();
let push: HttpFake;
let deadEndpoint: string;
let n = 0;

/** The push service's answer for each provoked failure. */
const REPLIES: Array<[ProvokedFailure, Reply]> = [
  [{ status: "hard", kind: "invalid_token" }, { status: 410, body: "push subscription has unsubscribed or expired." }],
  [{ status: "retryable" }, { status: 503 }],
  [{ status: "rejected" }, { status: 413, body: "payload too large" }],
];

beforeAll(async () => {
  push = await startHttpFake(() => ({ status: 201, headers: { location: `https://push.example/m/${++n}` } }));
  deadEndpoint = await deadUrl();
});
afterAll(() => push.close());

const target = (base = push.url) => ({ kind: "web_push" as const, deviceId: `dev-${++n}`, subscription: { endpoint: `${base}/sub/${n}`, keys: { p256dh: ua.p256dh, auth: ua.auth } } });

function cmd(over: Partial<DeliveryCommand> = {}): DeliveryCommand {
  return { notificationId: `n-${++n}`, tenant: "t1", userId: "u1", channel: "web_push", provider: "webpush", target: target(), title: "Dan mentioned you", body: "“Roadmap” 👋", url: "https://app.example/d/1", data: { docId: "d1" }, attempt: 1, ...over };
}

describe("WebPushAdapter", () => {
  it("POSTs an aes128gcm body the subscription can decrypt, with a valid VAPID JWT, TTL, urgency and the notification's Topic", async () => {
    const adapter = new WebPushAdapter({ vapid, ttlSeconds: 3600 });
    const c = cmd();
    const result = await adapter.send(c);
    expect(result).toEqual({ status: "delivered", providerMessageId: expect.stringMatching(/^https:\/\/push\.example\/m\//) });
    const req = push.requests.at(-1)!;
    expect(req.method).toBe("POST");
    expect(`${push.url}${req.path}`).toBe(c.target.kind === "web_push" && c.target.subscription.endpoint);
    expect(req.headers).toMatchObject({ ttl: "3600", urgency: "high", topic: collapseKeyOf(c.notificationId), "content-encoding": "aes128gcm" });
    expect(JSON.parse(decryptAes128gcm(req.body, ua))).toEqual({ notificationId: c.notificationId, title: c.title, body: c.body, url: c.url, data: c.data });
    const { header, claims } = await verifyVapid(req.headers.authorization, vapid.publicKey);
    expect(header.alg).toBe("ES256");
    expect(claims).toMatchObject({ aud: push.url, sub: vapid.subject });
    expect(claims.exp! - Date.now() / 1000).toBeLessThanOrEqual(24 * 3600);
  });

  it("maps 404 and 410 to invalid_token, 429 to retryable with Retry-After, 5xx and 401/403 to retryable, 400/413 to rejected", async () => {
    const adapter = new WebPushAdapter({ vapid });
    const cases: Array<[Reply, unknown]> = [
      [{ status: 404 }, { status: "hard", kind: "invalid_token" }],
      [{ status: 410, body: "gone" }, { status: "hard", kind: "invalid_token", error: "push service answered 410: gone" }],
      [{ status: 429, headers: { "retry-after": "120" } }, { status: "retryable", retryAfterMs: 120_000 }],
      [{ status: 500 }, { status: "retryable" }],
      [{ status: 502 }, { status: "retryable" }],
      [{ status: 403, body: "BadJwtToken" }, { status: "retryable" }],
      [{ status: 401 }, { status: "retryable" }],
      [{ status: 400 }, { status: "rejected" }],
      [{ status: 413 }, { status: "rejected" }],
      [{ status: 202 }, { status: "delivered", providerMessageId: expect.stringMatching(/^topic:/) }],
    ];
    for (const [reply, expected] of cases) {
      push.queued.push(reply);
      expect(await adapter.send(cmd()), String(reply.status)).toMatchObject(expected as object);
    }
  });

  it("treats a subscription with unusable keys as a dead token, without calling the push service", async () => {
    const adapter = new WebPushAdapter({ vapid });
    const before = push.requests.length;
    const bad = cmd({ target: { kind: "web_push", deviceId: "d", subscription: { endpoint: `${push.url}/x`, keys: { p256dh: "AAAA", auth: ua.auth } } } });
    expect(await adapter.send(bad)).toMatchObject({ status: "hard", kind: "invalid_token", error: expect.stringContaining("unusable push subscription") });
    expect(push.requests.length).toBe(before);
  });

  it("fits an oversized notification into the 4 KB payload by dropping data and shortening the body", async () => {
    const adapter = new WebPushAdapter({ vapid });
    const c = cmd({ body: "é".repeat(5000), data: { big: "x".repeat(5000) } });
    expect((await adapter.send(c)).status).toBe("delivered");
    const req = push.requests.at(-1)!;
    expect(req.body.length).toBeLessThanOrEqual(4096);
    const payload = JSON.parse(decryptAes128gcm(req.body, ua));
    expect(payload.data).toBeUndefined();
    expect(payload.body.endsWith("…")).toBe(true);
    expect(payload.title).toBe(c.title);
  });
});

runChannelAdapterConformance("web push (web-push + fetch) against a local push service", async () => {
  const adapter = new WebPushAdapter({ vapid, timeoutMs: 5_000 });
  return {
    adapter,
    channel: "web_push",
    provider: "webpush",
    target: () => target(),
    provoke: REPLIES.map(([f]) => f),
    failNext: async (f) => void push.queued.push(REPLIES.find(([g]) => JSON.stringify(g) === JSON.stringify(f))![1]),
    idempotency: { kind: "key", lastKey: () => push.requests.at(-1)?.headers.topic as string | undefined },
    // The endpoint lives in the subscription: an unreachable push service is a subscription pointing at a dead port.
    unreachable: () => ({ send: (c) => adapter.send({ ...c, target: target(deadEndpoint) }) }),
  };
});

