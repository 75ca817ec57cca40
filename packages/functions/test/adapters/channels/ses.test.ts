import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DeliveryCommand } from "@weft/core/notify/delivery/index";
import { runChannelAdapterConformance, type ProvokedFailure } from "../../../../core/test/notify/delivery/channel-adapter-conformance.js";
import { fromTagValue } from "../../../src/adapters/channels/aws-errors.js";
import { SesEmailAdapter } from "../../../src/adapters/channels/ses.js";
import { sesClient, sesError } from "./aws-fakes.js";
import { deadUrl, startHttpFake, type HttpFake, type Reply } from "./fake-server.js";

let ses: HttpFake;
let n = 0;

beforeAll(async () => {
  ses = await startHttpFake((req) =>
    req.method === "POST" && req.path === "/v2/email/outbound-emails"
      ? { status: 200, headers: { "content-type": "application/json" }, body: JSON.stringify({ MessageId: `0100019a-${++n}-000000` }) }
      : sesError(404, "NotFoundException", `no route ${req.path}`),
  );
});
afterAll(() => ses.close());

function cmd(over: Partial<DeliveryCommand> = {}): DeliveryCommand {
  return { notificationId: `n-${++n}`, tenant: "acme corp", userId: "ann#1 ünï", channel: "email", provider: "ses", target: { kind: "email", address: `ann${n}@example.com` }, title: "Weekly\r\ndigest <b>", body: "3 new comments\n& 1 task", url: "https://app.example/d/1?x=1&y=2", attempt: 1, ...over };
}

const REPLIES: Array<[ProvokedFailure, Reply]> = [
  [{ status: "rejected" }, sesError(400, "MessageRejected", "Email address is not verified.")],
  [{ status: "retryable" }, sesError(429, "TooManyRequestsException", "Maximum sending rate exceeded.")],
];

describe("SesEmailAdapter", () => {
  it("sends SendEmail v2 with a one-line subject, text and escaped HTML parts, tags and headers naming tenant, user and notification", async () => {
    const adapter = new SesEmailAdapter({ client: sesClient(ses.url), from: "Weft <notify@weft.example>", configurationSetName: "weft-feedback" });
    const c = cmd();
    expect(await adapter.send(c)).toEqual({ status: "delivered", providerMessageId: expect.stringMatching(/^0100019a-/) });
    const req = ses.requests.at(-1)!;
    expect(req.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDLOCAL\/\d{8}\/us-east-1\/ses\/aws4_request/);
    const body = JSON.parse(req.body.toString());
    expect(body).toMatchObject({ FromEmailAddress: "Weft <notify@weft.example>", Destination: { ToAddresses: [c.target.kind === "email" && c.target.address] }, ConfigurationSetName: "weft-feedback" });
    const simple = body.Content.Simple;
    expect(simple.Subject).toEqual({ Data: "Weekly digest <b>", Charset: "UTF-8" });
    expect(simple.Body.Text.Data).toBe(`${c.body}\n\n${c.url}\n`);
    expect(simple.Body.Html.Data).toContain("Weekly digest &#60;b&#62;");
    expect(simple.Body.Html.Data).toContain("3 new comments<br>&#38; 1 task");
    expect(simple.Body.Html.Data).toContain(`href="https://app.example/d/1?x=1&#38;y=2"`);
    const tags = Object.fromEntries(body.EmailTags.map((t: { Name: string; Value: string }) => [t.Name, t.Value]));
    for (const value of Object.values(tags)) expect(value).toMatch(/^[A-Za-z0-9_-]+$/);
    expect({ tenant: fromTagValue(tags.weft_tenant), userId: fromTagValue(tags.weft_user), notificationId: fromTagValue(tags.weft_notification) }).toEqual({ tenant: c.tenant, userId: c.userId, notificationId: c.notificationId });
    expect(simple.Headers.map((h: { Name: string }) => h.Name)).toEqual(["X-Weft-Tenant", "X-Weft-User", "X-Weft-Notification"]);
  });

  it("maps SES errors: MessageRejected and BadRequest rejected, account and throttling trouble retryable", async () => {
    const adapter = new SesEmailAdapter({ client: sesClient(ses.url), from: "notify@weft.example" });
    const cases: Array<[Reply, object]> = [
      [sesError(400, "MessageRejected", "Email address is not verified."), { status: "rejected", error: "MessageRejected (400): Email address is not verified." }],
      [sesError(400, "BadRequestException", "Invalid input"), { status: "rejected" }],
      [sesError(429, "TooManyRequestsException", "rate"), { status: "retryable" }],
      [sesError(400, "LimitExceededException", "daily quota"), { status: "retryable" }],
      [sesError(400, "SendingPausedException", "paused"), { status: "retryable" }],
      [sesError(400, "AccountSuspendedException", "suspended"), { status: "retryable" }],
      [sesError(400, "MailFromDomainNotVerifiedException", "mail from"), { status: "retryable" }],
      [sesError(500, "InternalFailure", "oops"), { status: "retryable" }],
      [{ status: 503, body: "<html>unavailable</html>" }, { status: "retryable" }],
    ];
    for (const [reply, expected] of cases) {
      ses.queued.push(reply);
      expect(await adapter.send(cmd()), JSON.stringify(reply.headers)).toMatchObject(expected);
    }
  });

  it("refuses a malformed address as invalid_address without calling SES", async () => {
    const adapter = new SesEmailAdapter({ client: sesClient(ses.url), from: "notify@weft.example" });
    const before = ses.requests.length;
    for (const address of ["no-at-sign", "two@@example.com", "a b@example.com", "ann@localhost", "x@y.com, z@w.com"]) {
      expect(await adapter.send(cmd({ target: { kind: "email", address } })), address).toMatchObject({ status: "hard", kind: "invalid_address" });
    }
    expect(ses.requests.length).toBe(before);
  });
});

runChannelAdapterConformance("SES v2 (AWS SDK) against a local SES endpoint", async () => {
  const dead = await deadUrl();
  return {
    adapter: new SesEmailAdapter({ client: sesClient(ses.url), from: "notify@weft.example" }),
    channel: "email",
    provider: "ses",
    target: () => ({ kind: "email", address: `user${++n}@example.com` }),
    provoke: REPLIES.map(([f]) => f),
    failNext: async (f) => void ses.queued.push(REPLIES.find(([g]) => JSON.stringify(g) === JSON.stringify(f))![1]),
    idempotency: { kind: "none" },
    unreachable: () => new SesEmailAdapter({ client: sesClient(dead), from: "notify@weft.example" }),
  };
});
