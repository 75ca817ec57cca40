import { generateKeyPairSync } from "node:crypto";
import { decodeProtectedHeader, importSPKI, jwtVerify } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DeliveryCommand } from "@weft/core/notify/delivery/index";
import { runChannelAdapterConformance, type ProvokedFailure } from "../../../../core/test/notify/delivery/channel-adapter-conformance.js";
import { FcmAdapter } from "../../../src/adapters/channels/fcm.js";
import { FCM_SCOPE, GoogleAccessToken, type ServiceAccount } from "../../../src/adapters/channels/google-token.js";
import { collapseKeyOf } from "../../../src/adapters/channels/push-payload.js";
import { deadUrl, startHttpFake, type HttpFake, type RecordedRequest, type Reply } from "./fake-server.js";

const keys = generateKeyPairSync("rsa", { modulusLength: 2048, publicKeyEncoding: { type: "spki", format: "pem" }, privateKeyEncoding: { type: "pkcs8", format: "pem" } });
let google: HttpFake;
let account: ServiceAccount;
let issued = 0;
let n = 0;

/** An FCM error body as the v1 API sends it. */
function fcmError(status: number, rpcStatus: string, errorCode: string | undefined, message: string, extra: object[] = [], headers: Record<string, string> = {}): Reply {
  const details = [...(errorCode ? [{ "@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", errorCode }] : []), ...extra];
  return { status, headers: { "content-type": "application/json", ...headers }, body: JSON.stringify({ error: { code: status, message, status: rpcStatus, details } }) };
}

const REPLIES: Array<[ProvokedFailure, Reply]> = [
  [{ status: "hard", kind: "invalid_token" }, fcmError(404, "NOT_FOUND", "UNREGISTERED", "Requested entity was not found.")],
  [{ status: "retryable" }, fcmError(503, "UNAVAILABLE", "UNAVAILABLE", "The service is currently unavailable.")],
  [{ status: "rejected" }, fcmError(400, "INVALID_ARGUMENT", "INVALID_ARGUMENT", "Invalid JSON payload received.")],
];

async function respond(req: RecordedRequest): Promise<Reply> {
  if (req.path === "/token") {
    const form = new URLSearchParams(req.body.toString());
    if (form.get("grant_type") !== "urn:ietf:params:oauth:grant-type:jwt-bearer") return { status: 400, body: JSON.stringify({ error: "unsupported_grant_type" }) };
    const { payload } = await jwtVerify(form.get("assertion")!, await importSPKI(keys.publicKey, "RS256"), { issuer: account.client_email, audience: account.token_uri });
    if (payload.scope !== FCM_SCOPE) return { status: 400, body: JSON.stringify({ error: "invalid_scope" }) };
    return { status: 200, headers: { "content-type": "application/json" }, body: JSON.stringify({ access_token: `ya29.token-${++issued}`, expires_in: 3599, token_type: "Bearer" }) };
  }
  if (req.path === `/v1/projects/${account.project_id}/messages:send`) {
    if (!/^Bearer ya29\.token-\d+$/.test(String(req.headers.authorization))) return fcmError(401, "UNAUTHENTICATED", undefined, "Request had invalid authentication credentials.");
    return { status: 200, headers: { "content-type": "application/json" }, body: JSON.stringify({ name: `projects/${account.project_id}/messages/0:${++n}` }) };
  }
  return { status: 404, body: "no such path" };
}

beforeAll(async () => {
  google = await startHttpFake(respond);
  account = { project_id: "weft-test", client_email: "fcm@weft-test.iam.gserviceaccount.com", private_key: keys.privateKey, private_key_id: "key-1", token_uri: `${google.url}/token` };
});
afterAll(() => google.close());

const target = () => ({ kind: "device_token" as const, deviceId: `d${++n}`, platform: "fcm" as const, token: `fcm-token-${n}` });
function cmd(over: Partial<DeliveryCommand> = {}): DeliveryCommand {
  return { notificationId: `n-${++n}`, tenant: "t1", userId: "u1", channel: "mobile_push", provider: "fcm", target: target(), title: "Task assigned", body: "“Ship it” — due Friday 🚀", url: "https://app.example/t/9", data: { taskId: 9 }, attempt: 1, ...over };
}
const sends = () => google.requests.filter((r) => r.path.endsWith("messages:send"));
const tokenCalls = () => google.requests.filter((r) => r.path === "/token");

describe("FcmAdapter", () => {
  it("exchanges a signed service-account JWT for a token once, then sends v1 messages with collapse keys on every platform", async () => {
    const adapter = new FcmAdapter({ serviceAccount: account, endpoint: google.url });
    const before = tokenCalls().length;
    const c = cmd();
    expect(await adapter.send(c)).toEqual({ status: "delivered", providerMessageId: expect.stringMatching(/^projects\/weft-test\/messages\/0:\d+$/) });
    await adapter.send(cmd());
    expect(tokenCalls().length - before).toBe(1);
    const assertion = new URLSearchParams(tokenCalls().at(-1)!.body.toString()).get("assertion")!;
    expect(decodeProtectedHeader(assertion)).toMatchObject({ alg: "RS256", kid: "key-1", typ: "JWT" });

    const first = sends().at(-2)!;
    expect(first.headers["content-type"]).toMatch(/^application\/json/);
    const key = collapseKeyOf(c.notificationId);
    expect(JSON.parse(first.body.toString())).toEqual({
      message: {
        token: c.target.kind === "device_token" && c.target.token,
        notification: { title: c.title, body: c.body },
        data: { notificationId: c.notificationId, url: c.url, data: JSON.stringify(c.data) },
        android: { collapse_key: key, priority: "high" },
        apns: { headers: { "apns-collapse-id": key } },
        webpush: { headers: { Topic: key }, fcm_options: { link: c.url } },
      },
    });
  });

  it("maps FCM's error codes", async () => {
    const adapter = new FcmAdapter({ serviceAccount: account, endpoint: google.url });
    const tokenField = { "@type": "type.googleapis.com/google.rpc.BadRequest", fieldViolations: [{ field: "message.token", description: "Invalid registration token" }] };
    const cases: Array<[Reply, object]> = [
      [fcmError(404, "NOT_FOUND", "UNREGISTERED", "Requested entity was not found."), { status: "hard", kind: "invalid_token", error: expect.stringContaining("UNREGISTERED") }],
      [fcmError(400, "INVALID_ARGUMENT", "INVALID_ARGUMENT", "Request contains an invalid argument.", [tokenField]), { status: "hard", kind: "invalid_token" }],
      [fcmError(400, "INVALID_ARGUMENT", "INVALID_ARGUMENT", "The registration token is not a valid FCM registration token"), { status: "hard", kind: "invalid_token" }],
      [fcmError(400, "INVALID_ARGUMENT", "INVALID_ARGUMENT", "Invalid value at 'message.data'"), { status: "rejected" }],
      [fcmError(403, "PERMISSION_DENIED", "SENDER_ID_MISMATCH", "SenderId mismatch"), { status: "hard", kind: "invalid_token" }],
      [fcmError(429, "RESOURCE_EXHAUSTED", "QUOTA_EXCEEDED", "Quota exceeded.", [], { "retry-after": "30" }), { status: "retryable", retryAfterMs: 30_000 }],
      [fcmError(503, "UNAVAILABLE", "UNAVAILABLE", "unavailable"), { status: "retryable" }],
      [fcmError(500, "INTERNAL", "INTERNAL", "internal"), { status: "retryable" }],
      [{ status: 502, body: "<html>bad gateway</html>" }, { status: "retryable", error: expect.stringContaining("bad gateway") }],
      [{ status: 200, body: "{}" }, { status: "retryable" }],
      [fcmError(401, "UNAUTHENTICATED", "THIRD_PARTY_AUTH_ERROR", "APNs certificate invalid"), { status: "retryable" }],
    ];
    await adapter.send(cmd()); // the token exchange first, so each queued reply meets a send
    const exchanges = tokenCalls().length;
    for (const [reply, expected] of cases) {
      google.queued.push(reply);
      expect(await adapter.send(cmd()), JSON.stringify(reply.body)).toMatchObject(expected);
    }
    // None of these (THIRD_PARTY_AUTH_ERROR included) was the access token's fault.
    expect(tokenCalls().length).toBe(exchanges);
  });

  it("drops its access token after a 401 and exchanges a new one for the next send", async () => {
    const adapter = new FcmAdapter({ serviceAccount: account, endpoint: google.url });
    await adapter.send(cmd());
    const before = tokenCalls().length;
    google.queued.push(fcmError(401, "UNAUTHENTICATED", undefined, "Request had invalid authentication credentials."));
    expect((await adapter.send(cmd())).status).toBe("retryable");
    expect((await adapter.send(cmd())).status).toBe("delivered");
    expect(tokenCalls().length - before).toBe(1);
  });

  it("is retryable when the token exchange fails or the token endpoint is down", async () => {
    const refused = new FcmAdapter({ serviceAccount: { ...account, token_uri: `${google.url}/nope` }, endpoint: google.url });
    expect(await refused.send(cmd())).toMatchObject({ status: "retryable", error: expect.stringContaining("token exchange failed (404)") });
    const down = new FcmAdapter({ serviceAccount: { ...account, token_uri: `${await deadUrl()}/token` }, endpoint: google.url });
    expect(await down.send(cmd())).toMatchObject({ status: "retryable", error: expect.stringContaining("token endpoint unreachable") });
  });

  it("shares one exchange among concurrent first sends", async () => {
    const token = new GoogleAccessToken(account);
    const before = tokenCalls().length;
    const adapter = new FcmAdapter({ serviceAccount: account, endpoint: google.url, token });
    const results = await Promise.all([cmd(), cmd(), cmd()].map((c) => adapter.send(c)));
    expect(results.every((r) => r.status === "delivered")).toBe(true);
    expect(tokenCalls().length - before).toBe(1);
  });
});

runChannelAdapterConformance("FCM HTTP v1 against a local FCM + OAuth server", async () => {
  const dead = await deadUrl();
  const adapter = new FcmAdapter({ serviceAccount: account, endpoint: google.url });
  await adapter.send(cmd()); // the token exchange happens first, so queued replies meet the sends
  return {
    adapter,
    channel: "mobile_push",
    provider: "fcm",
    target,
    provoke: REPLIES.map(([f]) => f),
    failNext: async (f) => void google.queued.push(REPLIES.find(([g]) => JSON.stringify(g) === JSON.stringify(f))![1]),
    idempotency: { kind: "key", lastKey: () => JSON.parse(sends().at(-1)!.body.toString()).message.android.collapse_key },
    unreachable: () => new FcmAdapter({ serviceAccount: account, endpoint: dead, token: new GoogleAccessToken(account), timeoutMs: 3_000 }),
  };
});
