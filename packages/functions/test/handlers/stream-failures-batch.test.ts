import { DeleteItemCommand, DescribeTableCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import type { SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { afterEach, beforeAll, describe, expect, inject, it, vi } from "vitest";
import { docKey, REJECT_REASONS } from "@weft/core";
import { changeOf, newDoc, opsFor } from "@weft/core/testing";
import { dynamoStreamsClient } from "../../src/adapters/dynamo/client.js";
import type { TableNames } from "../../src/adapters/dynamo/create-tables.js";
import { DynamoInboxStore } from "../../src/adapters/dynamo/inbox-store.js";
import { DynamoLogStore } from "../../src/adapters/dynamo/log-store.js";
import { METRICS_SHARDS } from "../../src/adapters/dynamo/metrics-store.js";
import { DynamoQuarantineStore } from "../../src/adapters/dynamo/quarantine-store.js";
import { DynamoSequencerStateStore } from "../../src/adapters/dynamo/sequencer-state-store.js";
import { linkEnvironment } from "../../src/linked.js";
import { insertsUnder, streamPositions } from "./stream-records.js";
import { client, freshTables } from "../adapters/dynamo-harness.js";

/**
 * The inbox stream's on-failure handler against DynamoDB Local, with a partial batch response:
 * real changes put into the inbox, their real stream records, the on-failure record Lambda
 * sends for them, next to a message whose batch cannot be read (reported) and bodies that are
 * not on-failure records (dropped, not reported).
 */
const POISON = "poison-client";
let tables: TableNames;
let streamArn: string;
let handler: (e: SQSEvent) => Promise<SQSBatchResponse>;
const streams = dynamoStreamsClient(inject("dynamoEndpoint"));

beforeAll(async () => {
  tables = await freshTables();
  process.env.WEFT_DYNAMO_ENDPOINT = inject("dynamoEndpoint");
  // The fault injection the local stack's tests use: every sequencer run holding a change of
  // this client throws, so the salvage has to reject that change.
  process.env.WEFT_STAGE = "local";
  process.env.WEFT_FAULT_POISON_CLIENT = POISON;
  // Every flush writes (as on the local stack), so the last test's flush reaches the store.
  process.env.WEFT_METRICS_FLUSH_MS = "0";
  const { inbox, log, state, quarantine, docs, audit } = tables;
  Object.assign(process.env, linkEnvironment({ tables: { inbox, log, state, quarantine, docs, audit } }));
  handler = (await import("../../src/handlers/stream-failures.js")).handler;
  streamArn = (await client.send(new DescribeTableCommand({ TableName: tables.inbox }))).Table!.LatestStreamArn!;
});

afterEach(() => vi.restoreAllMocks());

/** Every record of the inbox table's stream so far, in order per shard. */
const streamRecords = () => streamPositions(streams, streamArn);

function message(messageId: string, body: string): SQSRecord {
  return {
    messageId,
    receiptHandle: `rh-${messageId}`,
    body,
    attributes: { ApproximateReceiveCount: "1", SentTimestamp: "1760000000000", SenderId: "s", ApproximateFirstReceiveTimestamp: "1760000000000" },
    messageAttributes: {},
    md5OfBody: "",
    eventSource: "aws:sqs",
    eventSourceARN: "arn:aws:sqs:eu-west-1:000000000000:weft-sequencer-on-failure",
    awsRegion: "eu-west-1",
  };
}

/** Lambda's on-failure record for a discarded stream batch (as the local poller builds it). */
function onFailureBody(info: { shardId: string; start: string; end: string; streamArn: string; batchSize: number }): string {
  return JSON.stringify({
    version: "1.0",
    timestamp: "2026-11-20T10:00:00.000Z",
    requestContext: { requestId: "r1", functionArn: "arn:aws:lambda:eu-west-1:000000000000:function:sequencer", condition: "RetryAttemptsExhausted", approximateInvokeCount: 4 },
    responseContext: { statusCode: 200, executedVersion: "$LATEST", functionError: "Unhandled" },
    DDBStreamBatchInfo: { shardId: info.shardId, startSequenceNumber: info.start, endSequenceNumber: info.end, batchSize: info.batchSize, streamArn: info.streamArn },
  });
}

describe("stream-failures handler: partial batch response", () => {
  it("reports only the message whose batch cannot be read; salvages the valid one; drops bodies that are not on-failure records", async () => {
    const inbox = new DynamoInboxStore({ client, table: tables.inbox });
    const log = new DynamoLogStore({ client, table: tables.log });
    const state = new DynamoSequencerStateStore({ client, table: tables.state, checkpointTable: tables.log });
    const quarantine = new DynamoQuarantineStore({ client, table: tables.quarantine });

    // Doc a: one good change. Doc b: a poison change and, after it, a good change of another client.
    const a = newDoc();
    const b = newDoc();
    const good = changeOf(a, { ops: opsFor(1, 3, "oa") });
    const poison = changeOf(b, { clientId: POISON, userId: "user-p", ops: opsFor(1, 2, "op") });
    const other = changeOf(b, { clientId: "client-2", userId: "user-1", ops: opsFor(1, 1, "ob") });
    for (const c of [good, poison, other]) expect(await inbox.put(c)).toEqual({ created: true });
    const recs = insertsUnder(await streamRecords(), [docKey(a), docKey(b)]);
    expect(recs).toHaveLength(3);
    expect(new Set(recs.map((r) => r.shardId)).size).toBe(1);

    const missingArn = streamArn.replace(`table/${tables.inbox}/`, "table/no-such-table/");
    const valid = message("m-valid", onFailureBody({ shardId: recs[0].shardId, start: recs[0].seq, end: recs[2].seq, streamArn, batchSize: 3 }));
    const event: SQSEvent = {
      Records: [
        message("m-missing-stream", onFailureBody({ shardId: recs[0].shardId, start: recs[0].seq, end: recs[2].seq, streamArn: missingArn, batchSize: 3 })),
        message("m-not-json", "<html>not json</html>"),
        message("m-no-batch-info", JSON.stringify({ requestContext: { condition: "RetryAttemptsExhausted" } })),
        valid,
      ],
    };
    const errors = vi.spyOn(console, "error").mockImplementation(() => undefined);

    expect(await handler(event)).toEqual({ batchItemFailures: [{ itemIdentifier: "m-missing-stream" }] });
    const logged = errors.mock.calls
      .map((c) => String(c[0]))
      .filter((line) => line.includes("stream failure message"))
      .map((line) => JSON.parse(line) as { msg: string; messageId: string });
    expect(logged.map((l) => [l.msg, l.messageId])).toEqual([
      ["stream failure message not handled; SQS delivers it again", "m-missing-stream"],
      ["stream failure message is not an on-failure record; dropped", "m-not-json"],
      ["stream failure message is not an on-failure record; dropped", "m-no-batch-info"],
    ]);

    // The good change of doc a is in its log (after the owner entry the first change of a document gets).
    const logA = await log.batchesAfter(a, 0);
    expect(logA.flatMap((batch) => batch.entries.map((e) => [e.seq, e.id, e.type, e.clientId]))).toEqual([
      [1, "~owner", "acl", "client-1"],
      [2, "oa-1", "insert", "client-1"],
      [3, "oa-2", "insert", "client-1"],
      [4, "oa-3", "insert", "client-1"],
    ]);
    // The poison change of doc b is rejected (receipts say why) and quarantined; the other
    // client's change of the same document is committed all the same.
    const opsOf = async (doc: typeof b) => (await log.batchesAfter(doc, 0)).flatMap((batch) => batch.entries.filter((e) => e.type !== "acl").map((e) => [e.id, e.clientId]));
    expect(await opsOf(b)).toEqual([["ob-1", "client-2"]]);
    for (const op of poison.ops) {
      const rejection = await state.getRejection(b, op.id);
      expect(rejection).toMatchObject({ opId: op.id, clientId: POISON, userId: "user-p", clientSeq: op.seq, reason: REJECT_REASONS.streamRetriesExhausted });
      expect(rejection!.message).toContain("sequencing failed after 4 attempts (RetryAttemptsExhausted)");
      expect(rejection!.message).toContain(`injected fault: poison client ${POISON}`);
    }
    expect(await state.getRejection(b, "ob-1")).toBeUndefined();
    expect(await state.getRejection(a, "oa-1")).toBeUndefined();
    const quarantined = (await quarantine.list(b.tenant, 10)).records;
    expect(quarantined).toHaveLength(1);
    expect(quarantined[0]).toMatchObject({ tenant: b.tenant, docId: b.docId, clientId: POISON, source: "sequencer", reason: REJECT_REASONS.streamRetriesExhausted });
    expect((await quarantine.list(a.tenant, 10)).records).toEqual([]);

    // SQS delivers the valid message again (at least once): nothing changes.
    expect(await handler({ Records: [valid] })).toEqual({ batchItemFailures: [] });
    expect(await log.batchesAfter(a, 0)).toEqual(logA);
    expect(await opsOf(b)).toEqual([["ob-1", "client-2"]]);
    expect((await quarantine.list(b.tenant, 10)).records).toEqual(quarantined);
  });

  it("a batch whose start sequence number is not in the shard is reported, not dropped", async () => {
    const recs = await streamRecords();
    expect(recs.length).toBeGreaterThan(0);
    vi.spyOn(console, "error").mockImplementation(() => undefined);
    const body = onFailureBody({ shardId: "shardId-00000000000000000000-00000000", start: recs[0].seq, end: recs[0].seq, streamArn, batchSize: 1 });
    expect(await handler({ Records: [message("m-no-shard", body)] })).toEqual({ batchItemFailures: [{ itemIdentifier: "m-no-shard" }] });
  });

  it("a record in the batch that is not an inbox change or wake-up does not block the records after it", async () => {
    const inbox = new DynamoInboxStore({ client, table: tables.inbox });
    const log = new DynamoLogStore({ client, table: tables.log });
    const d = newDoc();
    const e = newDoc();
    await inbox.put(changeOf(d, { ops: opsFor(1, 1, "od") }));
    // An item the inbox decoder refuses (the sequencer quarantined it when it first saw it).
    await client.send(new PutItemCommand({ TableName: tables.inbox, Item: { pk: { S: `${e.tenant}#${e.docId}` }, sk: { S: "x#1" }, kind: { S: "bogus" } } }));
    await inbox.put(changeOf(e, { ops: opsFor(1, 1, "oe") }));
    const recs = insertsUnder(await streamRecords(), [docKey(d), docKey(e)]);
    expect(recs).toHaveLength(3);
    vi.spyOn(console, "error").mockImplementation(() => undefined);
    const body = onFailureBody({ shardId: recs[0].shardId, start: recs[0].seq, end: recs[2].seq, streamArn, batchSize: 3 });
    expect(await handler({ Records: [message("m-bogus", body)] })).toEqual({ batchItemFailures: [] });
    const ids = async (doc: typeof d) => (await log.batchesAfter(doc, 0)).flatMap((batch) => batch.entries.filter((x) => x.type !== "acl").map((x) => x.id));
    expect(await ids(d)).toEqual(["od-1"]);
    expect(await ids(e)).toEqual(["oe-1"]);
  });

  // Last in the file: the recorder keeps counts that failed to flush for the next flush.
  it("a metrics flush that fails does not fail the batch: the messages were handled", async () => {
    const inbox = new DynamoInboxStore({ client, table: tables.inbox });
    const state = new DynamoSequencerStateStore({ client, table: tables.state, checkpointTable: tables.log });
    const c = newDoc();
    const poison = changeOf(c, { clientId: POISON, ops: opsFor(1, 1, "oc") });
    await inbox.put(poison);
    const recs = insertsUnder(await streamRecords(), [docKey(c)]);
    expect(recs).toHaveLength(1);
    // Every counters shard of the tenant holds a string where the sequencer ADDs a number, so
    // DynamoDB refuses the metrics UpdateItem (a real failure of the metrics store).
    const metricsKeys = Array.from({ length: METRICS_SHARDS }, (_, k) => ({ pk: { S: `metrics#${c.tenant}` }, sk: { S: `counters#${k}` } }));
    for (const key of metricsKeys) {
      await client.send(new PutItemCommand({ TableName: tables.state, Item: { ...key, [`c:rejected.${REJECT_REASONS.streamRetriesExhausted}`]: { S: "not a number" } } }));
    }
    const errors = vi.spyOn(console, "error").mockImplementation(() => undefined);
    try {
      const body = onFailureBody({ shardId: recs[0].shardId, start: recs[0].seq, end: recs[0].seq, streamArn, batchSize: 1 });
      expect(await handler({ Records: [message("m-metrics", body), message("m-junk", "junk")] })).toEqual({ batchItemFailures: [] });
      expect(await state.getRejection(c, "oc-1")).toMatchObject({ reason: REJECT_REASONS.streamRetriesExhausted });
      expect(errors.mock.calls.some((call) => String(call[0]).includes("metrics"))).toBe(true);
    } finally {
      for (const key of metricsKeys) await client.send(new DeleteItemCommand({ TableName: tables.state, Key: key }));
    }
  });
});
