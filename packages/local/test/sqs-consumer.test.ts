import type { SQSEvent } from "aws-lambda";
import { describe, expect, it } from "vitest";
import { localFunction, type LambdaHandler } from "../src/lambda.js";
import { deliverSqsMessage } from "../src/sqs-consumer.js";
import { sqsMessage } from "../src/stream-event.js";

/**
 * deliverSqsMessage judges one delivery as Lambda's SQS poller does for a mapping with
 * ReportBatchItemFailures. The consumers are local functions whose handlers are in hand (the
 * local stack's own function type), each recording the events it received.
 */
const REGION = "eu-west-1";

function consumer(respond: (event: SQSEvent) => unknown): { fn: ReturnType<typeof localFunction>; events: SQSEvent[] } {
  const events: SQSEvent[] = [];
  const handler: LambdaHandler = async (event: SQSEvent) => {
    events.push(event);
    return respond(event);
  };
  return { fn: localFunction("queue-consumer", handler), events };
}

const message = () => sqsMessage(JSON.stringify({ hello: "world" }), "weft-test-dlq", REGION);

describe("deliverSqsMessage", () => {
  it("no return value means every message succeeded", async () => {
    const { fn, events } = consumer(() => undefined);
    const msg = message();
    expect(await deliverSqsMessage(fn, msg, 1, REGION)).toEqual({ ok: true });
    expect(events).toHaveLength(1);
  });

  it("an empty batchItemFailures list, or null, is ok", async () => {
    const msg = message();
    expect(await deliverSqsMessage(consumer(() => ({ batchItemFailures: [] })).fn, msg, 1, REGION)).toEqual({ ok: true });
    expect(await deliverSqsMessage(consumer(() => null).fn, msg, 1, REGION)).toEqual({ ok: true });
    expect(await deliverSqsMessage(consumer(() => ({ batchItemFailures: null })).fn, msg, 1, REGION)).toEqual({ ok: true });
  });

  it("the message listed in batchItemFailures failed", async () => {
    const msg = message();
    const { fn } = consumer((e) => ({ batchItemFailures: [{ itemIdentifier: e.Records[0].messageId }] }));
    const out = await deliverSqsMessage(fn, msg, 1, REGION);
    expect(out.ok).toBe(false);
    expect(!out.ok && out.error.message).toContain("batchItemFailures");
  });

  it("batchItemFailures listing only another message leaves this one ok", async () => {
    const msg = message();
    const { fn } = consumer(() => ({ batchItemFailures: [{ itemIdentifier: "some-other-message" }] }));
    expect(await deliverSqsMessage(fn, msg, 1, REGION)).toEqual({ ok: true });
  });

  it("a handler that throws failed, with its error", async () => {
    const msg = message();
    const { fn } = consumer(() => {
      throw new Error("store unavailable");
    });
    const out = await deliverSqsMessage(fn, msg, 1, REGION);
    expect(out).toMatchObject({ ok: false, error: expect.any(Error) });
    expect(!out.ok && out.error.message).toBe("store unavailable");
  });

  it("a handler that rejects failed", async () => {
    const { fn } = consumer(() => Promise.reject(new Error("later")));
    const out = await deliverSqsMessage(fn, message(), 1, REGION);
    expect(!out.ok && out.error.message).toBe("later");
  });

  it.each([
    ["batchItemFailures is not an array", { batchItemFailures: "m1" }],
    ["batchItemFailures is an object", { batchItemFailures: { itemIdentifier: "x" } }],
    ["an item without itemIdentifier", { batchItemFailures: [{ id: "x" }] }],
    ["an item with an empty itemIdentifier", { batchItemFailures: [{ itemIdentifier: "" }] }],
    ["an item whose itemIdentifier is not a string", { batchItemFailures: [{ itemIdentifier: 7 }] }],
    ["a null item", { batchItemFailures: [null] }],
  ])("a malformed response (%s) fails the message, even when it names other ids only", async (_, response) => {
    const { fn } = consumer(() => response);
    const out = await deliverSqsMessage(fn, message(), 1, REGION);
    expect(out.ok).toBe(false);
    expect(!out.ok && out.error.message).toContain("malformed");
  });

  it("a malformed item next to a well-formed one naming another message still fails", async () => {
    const { fn } = consumer(() => ({ batchItemFailures: [{ itemIdentifier: "other" }, {}] }));
    expect((await deliverSqsMessage(fn, message(), 1, REGION)).ok).toBe(false);
  });

  it("delivers one SQS event holding the message, with ApproximateReceiveCount = receiveCount", async () => {
    const { fn, events } = consumer(() => undefined);
    const msg = message();
    await deliverSqsMessage(fn, msg, 1, REGION);
    await deliverSqsMessage(fn, msg, 3, REGION);
    expect(events).toHaveLength(2);
    for (const [i, count] of [
      [0, "1"],
      [1, "3"],
    ] as const) {
      expect(events[i].Records).toHaveLength(1);
      const r = events[i].Records[0];
      expect(r.attributes.ApproximateReceiveCount).toBe(count);
      expect(r).toMatchObject({ messageId: msg.messageId, body: msg.body, eventSource: "aws:sqs", eventSourceARN: msg.eventSourceARN, awsRegion: REGION });
      expect(r.attributes.SentTimestamp).toBe(msg.attributes.SentTimestamp);
    }
    // Every receive has its own receipt handle, as SQS gives.
    expect(events[0].Records[0].receiptHandle).not.toBe(events[1].Records[0].receiptHandle);
    // The caller's message is not changed.
    expect(msg.attributes.ApproximateReceiveCount).toBe("0");
  });

  it("a handler that cannot be loaded failed", async () => {
    const fn = { name: "missing", memoryMB: 128, timeoutSeconds: 3, load: () => Promise.reject(new Error("no such module")) };
    const out = await deliverSqsMessage(fn, message(), 1, REGION);
    expect(!out.ok && out.error.message).toBe("no such module");
  });
});
