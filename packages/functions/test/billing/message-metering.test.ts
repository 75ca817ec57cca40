import { PutEventsCommand } from "@aws-sdk/client-eventbridge";
import { SendEmailCommand } from "@aws-sdk/client-sesv2";
import { PublishCommand } from "@aws-sdk/client-sns";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { NO_FUNCTION } from "@weft/core/cost/usage";
import type { DeliveryCommand } from "@weft/core/notify/delivery/index";
import { ApiGatewayGateway } from "../../src/adapters/apigw/gateway.js";
import { installLogMetering } from "../../src/adapters/billing/log-metering.js";
import { eventEntryBytes, smsParts } from "../../src/adapters/billing/message-units.js";
import { meterSdkClient } from "../../src/adapters/billing/sdk-metering.js";
import { Invocation, currentFunction, meterUsage, meteringFailures, processUsage, runAsFunction } from "../../src/adapters/billing/usage-context.js";
import { HttpOutboxAdapter } from "../../src/adapters/channels/outbox-http.js";
import { eventBridgeClient } from "../../src/adapters/eventbridge/bus.js";
import { sesClient, snsClient, snsPublished } from "../adapters/channels/aws-fakes.js";
import { startHttpFake, type HttpFake, type Reply } from "../adapters/channels/fake-server.js";

/*
 * The metering of EventBridge, the API Gateway management API, SES, SNS and the local outbox,
 * through the real SDK clients against scripted endpoints; and the attribution, duration and
 * log-byte rules themselves.
 */

let fake: HttpFake;
/** What the fake answers next, by request path and body. */
let answer: (path: string, body: string) => Reply;
beforeAll(async () => {
  fake = await startHttpFake((req) => answer(req.path, req.body.toString("utf8")));
});
afterAll(() => fake.close());
beforeEach(() => processUsage.reset());

const total = (unit: Parameters<typeof processUsage.total>[0], fn?: string) => processUsage.total(unit, fn);

describe("message metering", () => {
  it("counts accepted PutEvents entries in 64 KB chunks on their bus, not failed ones", async () => {
    answer = (_, body) => {
      const entries = JSON.parse(body).Entries as unknown[];
      const results = entries.map((_, i) => (i === 1 ? { ErrorCode: "ThrottlingException", ErrorMessage: "slow down" } : { EventId: `e${i}` }));
      return { status: 200, headers: { "content-type": "application/x-amz-json-1.1" }, body: JSON.stringify({ FailedEntryCount: 1, Entries: results }) };
    };
    const client = eventBridgeClient(fake.url);
    const big = "x".repeat(70 * 1024);
    await runAsFunction("publisher", () =>
      client.send(
        new PutEventsCommand({
          Entries: [
            { EventBusName: "bus-1", Source: "weft", DetailType: "t", Detail: JSON.stringify({ big }) },
            { EventBusName: "bus-1", Source: "weft", DetailType: "t", Detail: "{}" },
            { EventBusName: "bus-1", Source: "weft", DetailType: "t", Detail: "{}", Time: new Date() },
          ],
        }),
      ),
    );
    client.destroy();
    expect(processUsage.snapshot()).toEqual([{ unit: "eventbridge.events", fn: "publisher", resource: "bus-1", quantity: 2 + 1 }]);
  });

  it("counts PostToConnection in 32 KB units and its bytes out when it succeeds; a gone connection and DeleteConnection count nothing", async () => {
    answer = (path) => (path.endsWith("/gone") ? { status: 410, headers: { "x-amzn-errortype": "GoneException" }, body: "{}" } : { status: 200 });
    const gateway = new ApiGatewayGateway({ endpoint: fake.url, local: true });
    await runAsFunction("broadcaster", async () => {
      expect(await gateway.post("c1", "y".repeat(40 * 1024))).toBe("ok");
      expect(await gateway.post("c2", "hi")).toBe("ok");
      expect(await gateway.post("gone", "hi")).toBe("gone");
      expect(await gateway.close("c1")).toBe("ok");
    });
    gateway.client.destroy();
    expect(processUsage.snapshot()).toEqual([
      { unit: "apigw.wsMessages", fn: "broadcaster", quantity: 2 + 1 },
      { unit: "transfer.outBytes", fn: "broadcaster", quantity: 40 * 1024 + 2 },
    ]);
  });

  it("counts SES emails per recipient and SNS SMS per part, only when sent", async () => {
    answer = (path) =>
      path.startsWith("/v2/email/outbound-emails")
        ? { status: 200, headers: { "content-type": "application/json" }, body: JSON.stringify({ MessageId: "m1" }) }
        : snsPublished("s1");
    const ses = meterSdkClient(sesClient(fake.url), "ses");
    const sns = meterSdkClient(snsClient(fake.url), "sns");
    await runAsFunction("notify", async () => {
      await ses.send(
        new SendEmailCommand({
          FromEmailAddress: "a@weft.example",
          Destination: { ToAddresses: ["b@x.example", "c@x.example"], BccAddresses: ["d@x.example"] },
          Content: { Simple: { Subject: { Data: "s" }, Body: { Text: { Data: "b" } } } },
        }),
      );
      await sns.send(new PublishCommand({ PhoneNumber: "+14155550100", Message: "z".repeat(200) }));
      await sns.send(new PublishCommand({ TopicArn: "arn:aws:sns:us-east-1:000000000000:t", Message: "not an sms" }));
    });
    ses.destroy();
    sns.destroy();
    expect(total("ses.emails", "notify")).toBe(3);
    expect(total("sns.sms", "notify")).toBe(2);
  });

  it("counts outbox deliveries as the channel's provider would bill them, under the sending function", async () => {
    let n = 0;
    answer = (_, body) => {
      const cmd = JSON.parse(body) as DeliveryCommand;
      if (cmd.userId === "fails") return { status: 200, body: JSON.stringify({ status: "retryable", error: "injected" }) };
      return { status: 200, body: JSON.stringify({ status: "delivered", providerMessageId: `p${++n}` }) };
    };
    const outbox = new HttpOutboxAdapter(fake.url);
    const cmd = (channel: DeliveryCommand["channel"], target: DeliveryCommand["target"], userId = "u1"): DeliveryCommand => ({
      notificationId: `n-${channel}`,
      tenant: "t",
      userId,
      channel,
      provider: "outbox",
      target,
      title: "Title",
      body: "ł".repeat(100), // not GSM-7: the SMS "Title: łłł..." (107 UTF-16 units) goes as 2 UCS-2 parts
      attempt: 1,
    });
    const inv = await runAsFunction("notify", async (inv) => {
      await outbox.send(cmd("email", { kind: "email", address: "a@x.example" }));
      await outbox.send(cmd("sms", { kind: "phone", number: "+14155550100" }));
      await outbox.send(cmd("web_push", { kind: "web_push", deviceId: "d1", subscription: { endpoint: "https://p.example", keys: { p256dh: "k", auth: "a" } } }));
      await outbox.send(cmd("mobile_push", { kind: "device_token", deviceId: "d2", platform: "fcm", token: "tok" }));
      await outbox.send(cmd("email", { kind: "email", address: "a@x.example" }, "fails"));
      return inv;
    });
    expect(total("ses.emails", "notify")).toBe(1);
    expect(total("sns.sms", "notify")).toBe(2);
    expect(total("push.messages", "notify")).toBe(2);
    expect(inv.calls).toBe(5);
    expect(inv.modelledMs).toBe(30 + 30 + 50 + 50 + 30);
  });
});

describe("units and attribution", () => {
  it("sizes EventBridge entries and SMS parts as AWS does", () => {
    expect(eventEntryBytes({ Source: "weft", DetailType: "doc.committed", Detail: '{"a":"é"}', Resources: ["arn:x"], Time: new Date() })).toBe(14 + 4 + 13 + 10 + 5);
    expect(smsParts("a".repeat(160))).toBe(1);
    expect(smsParts("a".repeat(161))).toBe(2);
    expect(smsParts("€".repeat(80))).toBe(1); // two GSM-7 slots each
    expect(smsParts("€".repeat(81))).toBe(2);
    expect(smsParts("ł".repeat(70))).toBe(1); // not GSM-7: UCS-2
    expect(smsParts("ł".repeat(71))).toBe(2);
    expect(smsParts("😀".repeat(34))).toBe(1); // 68 UTF-16 units
  });

  it("attributes to the innermost running function, NO_FUNCTION outside, and never throws", async () => {
    expect(currentFunction()).toBe(NO_FUNCTION);
    await runAsFunction("outer", async () => {
      await new Promise((r) => setTimeout(r, 1));
      expect(currentFunction()).toBe("outer");
      await runAsFunction("inner", async () => expect(currentFunction()).toBe("inner"));
      expect(currentFunction()).toBe("outer");
    });
    const before = meteringFailures();
    expect(() => meterUsage("lambda.ms", Number.NaN)).not.toThrow();
    expect(meteringFailures()).toBe(before + 1);
  });

  it("bills a duration with awaited AWS time replaced by the modelled latencies, overlapping as the calls did", () => {
    const sequential = new Invocation("f");
    // Two calls one after the other, 30 ms each locally, 4 ms each on AWS; 20 ms of handler code.
    sequential.callEnded(sequential.callStarted(0), 4, 30);
    sequential.callEnded(sequential.callStarted(40), 4, 70);
    expect(sequential.billedMs(80)).toBe(80 - 60 + 8);
    const parallel = new Invocation("f");
    // Two calls side by side for 30 ms: on AWS they overlap too, one latency.
    const a = parallel.callStarted(10);
    const b = parallel.callStarted(10);
    parallel.callEnded(a, 4, 40);
    parallel.callEnded(b, 4, 40);
    expect(parallel.billedMs(50)).toBe(50 - 30 + 4);
    expect(new Invocation("f").billedMs(0.2)).toBe(1);
    expect(new Invocation("f").billedMs(7.1)).toBe(8);
  });

  it("counts bytes written to stdout and stderr inside a function, and only there", async () => {
    const uninstall = installLogMetering({ passThrough: false });
    try {
      process.stdout.write("outside\n");
      await runAsFunction("logger", async () => {
        process.stdout.write("héllo\n");
        await new Promise<void>((resolve) => process.stderr.write(Buffer.from("12345"), () => resolve()));
      });
    } finally {
      uninstall();
    }
    expect(processUsage.snapshot()).toEqual([{ unit: "logs.bytes", fn: "logger", quantity: 7 + 5 }]);
  });
});
