import type { SQSRecord } from "aws-lambda";
import { describe, expect, it } from "vitest";
import { MemoryBus, MemoryDeadLetterStore, UNKNOWN_TENANT, committedEntries, deadLetterId } from "@weft/core";
import { batchOf, newDoc, smallEntries } from "@weft/core/testing";
import { publishCommitted } from "../../src/events/publish-committed.js";
import { deadLetterFromRecord, storeRecord } from "../../src/handlers/bus-dead-letters.js";

const doc = newDoc();
const detail = committedEntries([batchOf(doc, smallEntries(1, 2))])[0].detail as Record<string, unknown>;
const event = { version: "0", id: "ev-1", "detail-type": "weft.ops.committed", source: "weft", account: "1", time: "2025-10-09T08:53:20Z", region: "eu-west-1", resources: [], detail };
const attr = (v: string) => ({ stringValue: v, stringListValues: [], binaryListValues: [], dataType: "String" });

function record(body: unknown, messageAttributes: SQSRecord["messageAttributes"] = {}, sentAt = 1_760_000_100_000): SQSRecord {
  return {
    messageId: "m1",
    receiptHandle: "r",
    body: typeof body === "string" ? body : JSON.stringify(body),
    attributes: { ApproximateReceiveCount: "1", SentTimestamp: String(sentAt), SenderId: "s", ApproximateFirstReceiveTimestamp: String(sentAt) },
    messageAttributes,
    md5OfBody: "",
    eventSource: "aws:sqs",
    eventSourceARN: "arn:aws:sqs:eu-west-1:1:q",
    awsRegion: "eu-west-1",
  };
}

describe("bus dead-letter consumer", () => {
  it("reads EventBridge's dead-letter message: the event in the body, the failure in attributes", () => {
    const letter = deadLetterFromRecord(
      record(event, {
        RULE_ARN: attr("arn:aws:events:eu-west-1:1:rule/weft-bus/search"),
        TARGET_ARN: attr("arn:aws:lambda:eu-west-1:1:function:weft-SearchFunction"),
        ERROR_CODE: attr("SDK_CLIENT_ERROR"),
        ERROR_MESSAGE: attr("Rate exceeded"),
        RETRY_ATTEMPTS: { ...attr("8"), dataType: "Number" },
      }),
      1,
    );
    expect(letter).toEqual({
      id: deadLetterId(1_760_000_100_000, "ev-1", "search"),
      tenant: doc.tenant,
      docId: doc.docId,
      eventId: "ev-1",
      rule: "search",
      ruleArn: "arn:aws:events:eu-west-1:1:rule/weft-bus/search",
      targetArn: "arn:aws:lambda:eu-west-1:1:function:weft-SearchFunction",
      errorCode: "SDK_CLIENT_ERROR",
      errorMessage: "Rate exceeded",
      retryAttempts: 8,
      deadAt: 1_760_000_100_000,
      event: { source: "weft", detailType: "weft.ops.committed", detail, time: 1_760_000_000_000 },
      status: "dead",
      redrives: 0,
    });
  });

  it("reads Lambda's on-failure destination record of an async invocation that kept throwing", () => {
    const body = {
      version: "1.0",
      timestamp: "2025-10-09T08:54:00.000Z",
      requestContext: { requestId: "r1", functionArn: "arn:aws:lambda:eu-west-1:1:function:weft-SearchFunction:$LATEST", condition: "RetriesExhausted", approximateInvokeCount: 3 },
      requestPayload: event,
      responseContext: { statusCode: 200, executedVersion: "$LATEST", functionError: "Unhandled" },
      responsePayload: { errorType: "Error", errorMessage: "index unavailable" },
    };
    expect(deadLetterFromRecord(record(body), 1)).toMatchObject({
      rule: "target:weft-SearchFunction",
      targetArn: "arn:aws:lambda:eu-west-1:1:function:weft-SearchFunction",
      errorCode: "Error",
      errorMessage: "index unavailable",
      retryAttempts: 2,
      eventId: "ev-1",
      tenant: doc.tenant,
    });
  });

  it("stores once per (event, rule) across redeliveries, and skips what is not an event", async () => {
    const store = new MemoryDeadLetterStore();
    const msg = record(event, { RULE_ARN: attr("arn:aws:events:x:1:rule/b/search"), ERROR_CODE: attr("E"), ERROR_MESSAGE: attr("m") });
    expect(await storeRecord(store, msg)).toBe("stored");
    expect(await storeRecord(store, msg)).toBe("duplicate");
    expect(await storeRecord(store, record(event, msg.messageAttributes, 1_760_000_999_000))).toBe("duplicate");
    expect((await store.list(doc.tenant, 10)).deadLetters).toHaveLength(1);
    expect(await storeRecord(store, record("not json"))).toBe("skipped");
    expect(await storeRecord(store, record({ id: "x", source: "s" }))).toBe("skipped");
  });

  it("files an event without a valid tenant under UNKNOWN_TENANT, which no tenant can name", async () => {
    const store = new MemoryDeadLetterStore();
    await storeRecord(store, record({ ...event, id: "ev-2", detail: { tenant: "a#b" } }, { RULE_ARN: attr("arn:aws:events:x:1:rule/b/search") }));
    const [letter] = (await store.list(UNKNOWN_TENANT, 10)).deadLetters;
    expect(letter).toMatchObject({ eventId: "ev-2", rule: "search", errorCode: "UNKNOWN" });
  });
});

describe("publishCommitted", () => {
  it("publishes one packed entry per tenant (its documents' batches in order) and nothing for no batches", async () => {
    const bus = new MemoryBus();
    await publishCommitted(bus, []);
    expect(bus.entries).toEqual([]);
    const other = newDoc();
    const batches = [batchOf(doc, smallEntries(1, 3)), batchOf(other, smallEntries(1, 1)), batchOf({ ...doc, docId: "second" }, smallEntries(1, 2))];
    await publishCommitted(bus, batches);
    const details = bus.entries.map((e) => e.detail as { tenant: string; batches: Array<{ docId: string; seqEnd: number }> });
    const expected = doc.tenant === other.tenant ? [[doc.tenant, [3, 1, 2]]] : [[doc.tenant, [3, 2]], [other.tenant, [1]]];
    expect(details.map((d) => [d.tenant, d.batches.map((b) => b.seqEnd)])).toEqual(expected);
  });
});
