import { generateKeyPairSync } from "node:crypto";
import { createServer, type Http2Server, type Http2Session, type IncomingHttpHeaders } from "node:http2";
import type { AddressInfo } from "node:net";
import { decodeProtectedHeader, importSPKI, jwtVerify } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DeliveryCommand } from "@weft/core/notify/delivery/index";
import { runChannelAdapterConformance, type ProvokedFailure } from "../../../../core/test/notify/delivery/channel-adapter-conformance.js";
import { ApnsAdapter } from "../../../src/adapters/channels/apns.js";
import { collapseKeyOf, uuidOf } from "../../../src/adapters/channels/push-payload.js";
import { deadUrl } from "./fake-server.js";

// APNs speaks HTTP/2 over TLS; this stand-in speaks the same HTTP/2 frames in cleartext (h2c), so
// the adapter's requests, session handling and response mapping are exercised without a certificate.
const keys = generateKeyPairSync("ec", { namedCurve: "P-256", publicKeyEncoding: { type: "spki", format: "pem" }, privateKeyEncoding: { type: "pkcs8", format: "pem" } });
const TEAM = "TEAM123456";
const KEY_ID = "KEY9876543";
const TOPIC = "com.example.weft";

interface ApnsReply {
  status: number;
  reason?: string;
}
const requests: Array<{ headers: IncomingHttpHeaders; body: string }> = [];
const queued: ApnsReply[] = [];
const sessions: Http2Session[] = [];
let server: Http2Server;
let origin: string;
let n = 0;

beforeAll(async () => {
  const publicKey = await importSPKI(keys.publicKey, "ES256");
  server = createServer();
  server.on("session", (session) => sessions.push(session));
  server.on("stream", (stream, headers) => {
    const chunks: Buffer[] = [];
    stream.on("data", (c: Buffer) => chunks.push(c));
    stream.on("end", async () => {
      requests.push({ headers, body: Buffer.concat(chunks).toString("utf8") });
      let reply = queued.shift() ?? { status: 200 };
      const jwt = String(headers.authorization ?? "").replace(/^bearer /, "");
      try {
        await jwtVerify(jwt, publicKey, { issuer: TEAM });
      } catch {
        reply = { status: 403, reason: "InvalidProviderToken" };
      }
      if (reply.status === 200) {
        stream.respond({ ":status": 200, "apns-id": String(headers["apns-id"]) });
        stream.end();
      } else {
        stream.respond({ ":status": reply.status, "content-type": "application/json" });
        stream.end(JSON.stringify({ reason: reply.reason, ...(reply.status === 410 ? { timestamp: Date.now() } : {}) }));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const options = () => ({ privateKey: keys.privateKey, keyId: KEY_ID, teamId: TEAM, topic: TOPIC, origin, timeoutMs: 5_000 });
const hexToken = () => `${(++n).toString(16).padStart(8, "0")}${"ab".repeat(28)}`;
const target = () => ({ kind: "device_token" as const, deviceId: `d${++n}`, platform: "apns" as const, token: hexToken() });
function cmd(over: Partial<DeliveryCommand> = {}): DeliveryCommand {
  return { notificationId: `n-${++n}`, tenant: "t1", userId: "u1", channel: "mobile_push", provider: "apns", target: target(), title: "Access granted", body: "You can now edit “Roadmap” ✍️", url: "https://app.example/d/1", data: { docId: "d1" }, attempt: 1, ...over };
}

const REPLIES: Array<[ProvokedFailure, ApnsReply]> = [
  [{ status: "hard", kind: "invalid_token" }, { status: 410, reason: "Unregistered" }],
  [{ status: "retryable" }, { status: 503, reason: "ServiceUnavailable" }],
  [{ status: "rejected" }, { status: 413, reason: "PayloadTooLarge" }],
];

describe("ApnsAdapter", () => {
  it("POSTs /3/device/<token> over one HTTP/2 session with an ES256 provider token, collapse id and alert payload", async () => {
    const adapter = new ApnsAdapter(options());
    const sessionsBefore = sessions.length;
    try {
      const c = cmd();
      expect(await adapter.send(c)).toEqual({ status: "delivered", providerMessageId: uuidOf(c.notificationId) });
      await adapter.send(cmd());
      expect(sessions.length - sessionsBefore).toBe(1);
      const [first, second] = requests.slice(-2);
      expect(first.headers).toMatchObject({
        ":method": "POST",
        ":path": `/3/device/${c.target.kind === "device_token" && c.target.token}`,
        "apns-topic": TOPIC,
        "apns-push-type": "alert",
        "apns-priority": "10",
        "apns-collapse-id": collapseKeyOf(c.notificationId),
        "apns-id": uuidOf(c.notificationId),
      });
      expect(uuidOf(c.notificationId)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(Number(first.headers["apns-expiration"])).toBeGreaterThan(Date.now() / 1000);
      const jwt = String(first.headers.authorization).replace(/^bearer /, "");
      expect(decodeProtectedHeader(jwt)).toEqual({ alg: "ES256", kid: KEY_ID });
      // The provider token is reused, not re-signed per request.
      expect(second.headers.authorization).toBe(first.headers.authorization);
      expect(JSON.parse(first.body)).toEqual({ aps: { alert: { title: c.title, body: c.body }, sound: "default" }, notificationId: c.notificationId, url: c.url, data: c.data });
    } finally {
      adapter.close();
    }
  });

  it("maps APNs reasons", async () => {
    const adapter = new ApnsAdapter(options());
    const cases: Array<[ApnsReply, object]> = [
      [{ status: 410, reason: "Unregistered" }, { status: "hard", kind: "invalid_token", error: "APNs 410 Unregistered" }],
      [{ status: 410, reason: "ExpiredToken" }, { status: "hard", kind: "invalid_token" }],
      [{ status: 400, reason: "BadDeviceToken" }, { status: "hard", kind: "invalid_token" }],
      [{ status: 400, reason: "DeviceTokenNotForTopic" }, { status: "hard", kind: "invalid_token" }],
      [{ status: 400, reason: "BadCollapseId" }, { status: "rejected" }],
      [{ status: 413, reason: "PayloadTooLarge" }, { status: "rejected" }],
      [{ status: 404, reason: "BadPath" }, { status: "rejected" }],
      [{ status: 403, reason: "InvalidProviderToken" }, { status: "retryable" }],
      [{ status: 429, reason: "TooManyRequests" }, { status: "retryable" }],
      [{ status: 500, reason: "InternalServerError" }, { status: "retryable" }],
      [{ status: 503, reason: "ServiceUnavailable" }, { status: "retryable" }],
    ];
    try {
      for (const [reply, expected] of cases) {
        queued.push(reply);
        expect(await adapter.send(cmd()), reply.reason).toMatchObject(expected);
      }
    } finally {
      adapter.close();
    }
  });

  it("re-signs its provider token after ExpiredProviderToken", async () => {
    let now = 1_760_000_000_000;
    const adapter = new ApnsAdapter({ ...options(), now: () => now });
    try {
      await adapter.send(cmd());
      const before = requests.at(-1)!.headers.authorization;
      queued.push({ status: 403, reason: "ExpiredProviderToken" });
      expect((await adapter.send(cmd())).status).toBe("retryable");
      now += 1000; // iat is in seconds: a new token differs
      expect((await adapter.send(cmd())).status).toBe("delivered");
      expect(requests.at(-1)!.headers.authorization).not.toBe(before);
    } finally {
      adapter.close();
    }
  });

  it("opens a new session after the server closes the old one (GOAWAY)", async () => {
    const adapter = new ApnsAdapter(options());
    try {
      expect((await adapter.send(cmd())).status).toBe("delivered");
      const count = sessions.length;
      await new Promise<void>((resolve) => sessions.at(-1)!.close(() => resolve()));
      expect((await adapter.send(cmd())).status).toBe("delivered");
      expect(sessions.length).toBe(count + 1);
    } finally {
      adapter.close();
    }
  });

  it("refuses a non-hex device token as invalid without a request", async () => {
    const adapter = new ApnsAdapter(options());
    const before = requests.length;
    expect(await adapter.send(cmd({ target: { kind: "device_token", deviceId: "d", platform: "apns", token: "not hex!" } }))).toMatchObject({ status: "hard", kind: "invalid_token" });
    expect(requests.length).toBe(before);
  });
});

const open: ApnsAdapter[] = [];
afterAll(() => open.forEach((a) => a.close()));

runChannelAdapterConformance("APNs (node:http2) against a local h2c APNs", async () => {
  const adapter = new ApnsAdapter(options());
  const dead = new ApnsAdapter({ ...options(), origin: await deadUrl() });
  open.push(adapter, dead);
  return {
    adapter,
    channel: "mobile_push",
    provider: "apns",
    target,
    provoke: REPLIES.map(([f]) => f),
    failNext: async (f) => void queued.push(REPLIES.find(([g]) => JSON.stringify(g) === JSON.stringify(f))![1]),
    idempotency: { kind: "key", lastKey: () => requests.at(-1)?.headers["apns-collapse-id"] as string | undefined },
    unreachable: () => dead,
  };
});
