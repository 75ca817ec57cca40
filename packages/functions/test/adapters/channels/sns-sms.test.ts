import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DeliveryCommand } from "@weft/core/notify/delivery/index";
import { runChannelAdapterConformance, type ProvokedFailure } from "../../../../core/test/notify/delivery/channel-adapter-conformance.js";
import { smsText, SnsSmsAdapter } from "../../../src/adapters/channels/sns-sms.js";
import { snsClient, snsError, snsPublished } from "./aws-fakes.js";
import { deadUrl, startHttpFake, type HttpFake, type Reply } from "./fake-server.js";

let sns: HttpFake;
let n = 0;

beforeAll(async () => {
  sns = await startHttpFake((req) => {
    const form = new URLSearchParams(req.body.toString());
    return form.get("Action") === "Publish" ? snsPublished(`msg-${++n}`) : snsError(400, "InvalidAction", "unknown action");
  });
});
afterAll(() => sns.close());

const phone = () => ({ kind: "phone" as const, number: `+1415555${String(++n % 10_000).padStart(4, "0")}` });
function cmd(over: Partial<DeliveryCommand> = {}): DeliveryCommand {
  return { notificationId: `n-${++n}`, tenant: "t1", userId: "u1", channel: "sms", provider: "sns", target: phone(), title: "Sign-in code", body: "Your code is 123456 — ne le partagez pas", url: "https://app.example/s", attempt: 1, ...over };
}

const REPLIES: Array<[ProvokedFailure, Reply]> = [
  [{ status: "hard", kind: "invalid_address" }, snsError(400, "InvalidParameter", "Invalid parameter: PhoneNumber Reason: +1999 is not valid to publish to")],
  [{ status: "retryable" }, snsError(400, "Throttling", "Rate exceeded")],
  [{ status: "rejected" }, snsError(400, "InvalidParameter", "Invalid parameter: Message too long")],
];

describe("SnsSmsAdapter", () => {
  it("publishes a transactional SMS to the number with sender id and origination number", async () => {
    const adapter = new SnsSmsAdapter({ client: snsClient(sns.url), senderId: "WEFT", originationNumber: "+18005550199" });
    const c = cmd();
    expect(await adapter.send(c)).toEqual({ status: "delivered", providerMessageId: expect.stringMatching(/^msg-/) });
    const req = sns.requests.at(-1)!;
    expect(req.headers.authorization).toMatch(/\/us-east-1\/sns\/aws4_request/);
    const form = Object.fromEntries(new URLSearchParams(req.body.toString()));
    expect(form).toMatchObject({ Action: "Publish", PhoneNumber: c.target.kind === "phone" && c.target.number, Message: `${c.title}: ${c.body} ${c.url}` });
    const attrs: Record<string, string> = {};
    for (let k = 1; form[`MessageAttributes.entry.${k}.Name`]; k++) attrs[form[`MessageAttributes.entry.${k}.Name`]] = form[`MessageAttributes.entry.${k}.Value.StringValue`];
    expect(attrs).toEqual({ "AWS.SNS.SMS.SMSType": "Transactional", "AWS.SNS.SMS.SenderID": "WEFT", "AWS.MM.SMS.OriginationNumber": "+18005550199" });
  });

  it("maps SNS errors", async () => {
    const adapter = new SnsSmsAdapter({ client: snsClient(sns.url) });
    const cases: Array<[Reply, object]> = [
      [REPLIES[0][1], { status: "hard", kind: "invalid_address", error: expect.stringContaining("PhoneNumber") }],
      [snsError(400, "InvalidParameterValue", "Invalid parameter: Phone number is not valid"), { status: "hard", kind: "invalid_address" }],
      [REPLIES[2][1], { status: "rejected" }],
      [snsError(400, "Throttling", "Rate exceeded"), { status: "retryable" }],
      [snsError(403, "AuthorizationError", "not authorized"), { status: "retryable" }],
      [snsError(400, "KMSThrottling", "kms"), { status: "retryable" }],
      [snsError(500, "InternalError", "internal", "Receiver"), { status: "retryable" }],
    ];
    for (const [reply, expected] of cases) {
      sns.queued.push(reply);
      expect(await adapter.send(cmd()), String(reply.body)).toMatchObject(expected);
    }
  });

  it("shortens a long SMS to 1600 bytes, keeping the link whole", () => {
    const text = smsText(cmd({ body: "ü".repeat(2000) }));
    expect(Buffer.byteLength(text, "utf8")).toBeLessThanOrEqual(1600);
    expect(text.endsWith("… https://app.example/s")).toBe(true);
    expect(smsText(cmd({ url: undefined, body: "short" }))).toBe("Sign-in code: short");
  });
});

runChannelAdapterConformance("SNS SMS (AWS SDK) against a local SNS endpoint", async () => {
  const dead = await deadUrl();
  return {
    adapter: new SnsSmsAdapter({ client: snsClient(sns.url) }),
    channel: "sms",
    provider: "sns",
    target: phone,
    provoke: REPLIES.map(([f]) => f),
    failNext: async (f) => void sns.queued.push(REPLIES.find(([g]) => JSON.stringify(g) === JSON.stringify(f))![1]),
    idempotency: { kind: "none" },
    unreachable: () => new SnsSmsAdapter({ client: snsClient(dead) }),
  };
});
