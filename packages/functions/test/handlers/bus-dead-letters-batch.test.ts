import { randomBytes } from "node:crypto";
import { QueryCommand } from "@aws-sdk/client-dynamodb";
import type { SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { afterEach, beforeAll, describe, expect, inject, it, vi } from "vitest";
import { deadLetterId, type DocRef } from "@weft/core";
import { newDoc } from "@weft/core/testing";
import type { TableNames } from "../../src/adapters/dynamo/create-tables.js";
import { DynamoDeadLetterStore } from "../../src/adapters/dynamo/dead-letter-store.js";
import { linkEnvironment } from "../../src/linked.js";
import { client, freshTables } from "../adapters/dynamo-harness.js";

/**
 * The bus dead-letter consumer's partial batch response against DynamoDB Local: the letters it
 * stores are read back through the DynamoDB dead-letter store, and a letter DynamoDB refuses
 * (an item over 400 KB) is reported in batchItemFailures without taking the others down.
 */
let tables: TableNames;
let handler: (e: SQSEvent) => Promise<SQSBatchResponse>;
let store: DynamoDeadLetterStore;

beforeAll(async () => {
  tables = await freshTables();
  process.env.WEFT_DYNAMO_ENDPOINT = inject("dynamoEndpoint");
  Object.assign(process.env, linkEnvironment({ tables: { deadLetters: tables.deadLetters } }));
  handler = (await import("../../src/handlers/bus-dead-letters.js")).handler;
  store = new DynamoDeadLetterStore({ client, table: tables.deadLetters });
});

afterEach(() => vi.restoreAllMocks());

const SENT_AT = 1_760_000_100_000;
const attr = (v: string) => ({ stringValue: v, stringListValues: [], binaryListValues: [], dataType: "String" });

function busEvent(id: string, doc: DocRef, extra: Record<string, unknown> = {}) {
  return {
    version: "0",
    id,
    "detail-type": "weft.ops.committed",
    source: "weft",
    account: "000000000000",
    time: "2025-10-09T08:53:20Z",
    region: "eu-west-1",
    resources: [],
    detail: { tenant: doc.tenant, docId: doc.docId, seqStart: 1, seqEnd: 2, ...extra },
  };
}

/** EventBridge's own dead-letter message: the event in the body, the failure in attributes. */
function eventBridgeMessage(messageId: string, event: unknown, rule = "search"): SQSRecord {
  return {
    messageId,
    receiptHandle: `rh-${messageId}`,
    body: typeof event === "string" ? event : JSON.stringify(event),
    attributes: { ApproximateReceiveCount: "1", SentTimestamp: String(SENT_AT), SenderId: "s", ApproximateFirstReceiveTimestamp: String(SENT_AT) },
    messageAttributes: {
      RULE_ARN: attr(`arn:aws:events:eu-west-1:000000000000:rule/weft-bus/${rule}`),
      TARGET_ARN: attr("arn:aws:lambda:eu-west-1:000000000000:function:weft-SearchFunction"),
      ERROR_CODE: attr("SDK_CLIENT_ERROR"),
      ERROR_MESSAGE: attr("Rate exceeded"),
      RETRY_ATTEMPTS: { ...attr("8"), dataType: "Number" },
    },
    md5OfBody: "",
    eventSource: "aws:sqs",
    eventSourceARN: "arn:aws:sqs:eu-west-1:000000000000:weft-bus-dlq",
    awsRegion: "eu-west-1",
  };
}

/** Lambda's on-failure destination record of an async invocation that kept throwing. */
function onFailureMessage(messageId: string, event: unknown): SQSRecord {
  const body = {
    version: "1.0",
    timestamp: "2025-10-09T08:54:00.000Z",
    requestContext: { requestId: "r1", functionArn: "arn:aws:lambda:eu-west-1:000000000000:function:weft-SearchFunction:$LATEST", condition: "RetriesExhausted", approximateInvokeCount: 3 },
    requestPayload: event,
    responseContext: { statusCode: 200, executedVersion: "$LATEST", functionError: "Unhandled" },
    responsePayload: { errorType: "Error", errorMessage: "index unavailable" },
  };
  return { ...eventBridgeMessage(messageId, body), messageAttributes: {} };
}

/** Every item (letters and idempotency guards) of a tenant's partition. */
async function partition(tenant: string) {
  const out = await client.send(new QueryCommand({ TableName: tables.deadLetters, KeyConditionExpression: "pk = :pk", ExpressionAttributeValues: { ":pk": { S: tenant } }, ConsistentRead: true }));
  return out.Items ?? [];
}

describe("bus-dead-letters handler: partial batch response", () => {
  it("reports only the message whose store fails; the others are stored, and a redelivery changes nothing", async () => {
    const a = newDoc();
    const big = newDoc();
    const b = newDoc();
    // Random (incompressible) text: the stored letter stays far over DynamoDB's 400 KB item limit after compression.
    const oversized = busEvent("ev-big", big, { blob: randomBytes(600 * 1024).toString("base64") });
    const event: SQSEvent = {
      Records: [eventBridgeMessage("m-good-1", busEvent("ev-a", a)), eventBridgeMessage("m-oversized", oversized), onFailureMessage("m-good-2", busEvent("ev-b", b))],
    };
    const errors = vi.spyOn(console, "error").mockImplementation(() => undefined);

    expect(await handler(event)).toEqual({ batchItemFailures: [{ itemIdentifier: "m-oversized" }] });
    expect(errors.mock.calls.map((c) => JSON.parse(String(c[0])))).toEqual([
      expect.objectContaining({ msg: "dead letter not stored; SQS delivers it again", messageId: "m-oversized", error: expect.stringMatching(/size/i) }),
    ]);

    const forA = (await store.list(a.tenant, 10)).deadLetters;
    expect(forA).toHaveLength(1);
    expect(forA[0]).toMatchObject({
      id: deadLetterId(SENT_AT, "ev-a", "search"),
      tenant: a.tenant,
      docId: a.docId,
      eventId: "ev-a",
      rule: "search",
      errorCode: "SDK_CLIENT_ERROR",
      errorMessage: "Rate exceeded",
      retryAttempts: 8,
      status: "dead",
      redrives: 0,
    });
    expect(await store.get(a.tenant, forA[0].id)).toEqual(forA[0]);
    const forB = (await store.list(b.tenant, 10)).deadLetters;
    expect(forB).toHaveLength(1);
    expect(forB[0]).toMatchObject({ eventId: "ev-b", rule: "target:weft-SearchFunction", errorCode: "Error", errorMessage: "index unavailable", retryAttempts: 2, docId: b.docId });

    // Nothing of the refused letter was written: no letter, and no idempotency guard that
    // would make SQS's next delivery of it a silent "duplicate".
    expect((await store.list(big.tenant, 10)).deadLetters).toEqual([]);
    expect(await partition(big.tenant)).toEqual([]);

    // SQS delivers the failed message again (alone), and it fails again; a good message
    // delivered again (SQS is at least once) is a duplicate: still one letter each.
    errors.mockClear();
    expect(await handler({ Records: [event.Records[1]] })).toEqual({ batchItemFailures: [{ itemIdentifier: "m-oversized" }] });
    expect(await handler({ Records: [event.Records[0], event.Records[2]] })).toEqual({ batchItemFailures: [] });
    expect(await handler(event)).toEqual({ batchItemFailures: [{ itemIdentifier: "m-oversized" }] });
    expect((await store.list(a.tenant, 10)).deadLetters).toEqual(forA);
    expect((await store.list(b.tenant, 10)).deadLetters).toEqual(forB);
    expect(await partition(a.tenant)).toHaveLength(2); // the letter and its guard
    expect(await partition(big.tenant)).toEqual([]);
  });

  it("skips a body that is neither an EventBridge event nor an on-failure record, without reporting it", async () => {
    const c = newDoc();
    const errors = vi.spyOn(console, "error").mockImplementation(() => undefined);
    const event: SQSEvent = {
      Records: [
        eventBridgeMessage("m-not-json", "this is not json {"),
        eventBridgeMessage("m-not-event", { id: "x", source: "weft", detail: { tenant: c.tenant } }),
        onFailureMessage("m-on-failure-without-event", { hello: "world" }),
        eventBridgeMessage("m-good", busEvent("ev-c", c)),
      ],
    };
    expect(await handler(event)).toEqual({ batchItemFailures: [] });
    const logged = errors.mock.calls.map((call) => JSON.parse(String(call[0])) as { msg: string; messageId: string });
    expect(logged.map((l) => [l.msg, l.messageId])).toEqual([
      ["dead-letter message is not an EventBridge event; skipped", "m-not-json"],
      ["dead-letter message is not an EventBridge event; skipped", "m-not-event"],
      ["dead-letter message is not an EventBridge event; skipped", "m-on-failure-without-event"],
    ]);
    // Only the good message left anything in the table (under its tenant).
    expect((await store.list(c.tenant, 10)).deadLetters.map((l) => l.eventId)).toEqual(["ev-c"]);
    expect(await partition(c.tenant)).toHaveLength(2);
  });

  it("an event with no Records is an empty response", async () => {
    expect(await handler({ Records: [] })).toEqual({ batchItemFailures: [] });
  });
});
