import { DescribeTableCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import type { SQSBatchResponse, SQSEvent } from "aws-lambda";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { docKey, REJECT_REASONS, type DocRef } from "@weft/core";
import { batchOf, newDoc, smallEntries } from "@weft/core/testing";
import { dynamoStreamsClient } from "../../src/adapters/dynamo/client.js";
import type { TableNames } from "../../src/adapters/dynamo/create-tables.js";
import { DynamoLogStore } from "../../src/adapters/dynamo/log-store.js";
import { DynamoQuarantineStore } from "../../src/adapters/dynamo/quarantine-store.js";
import { linkEnvironment } from "../../src/linked.js";
import { insertsUnder, streamPositions } from "./stream-records.js";
import { client, freshTables } from "../adapters/dynamo-harness.js";

/**
 * The log stream's on-failure handler against DynamoDB Local: real log items, their real
 * stream records, and the on-failure record Lambda sends (as the local poller builds it).
 */
let tables: TableNames;
let streamArn: string;
let handler: (e: SQSEvent) => Promise<SQSBatchResponse>;
const streams = dynamoStreamsClient(inject("dynamoEndpoint"));

beforeAll(async () => {
  tables = await freshTables();
  process.env.WEFT_DYNAMO_ENDPOINT = inject("dynamoEndpoint");
  Object.assign(process.env, linkEnvironment({ tables: { quarantine: tables.quarantine } }));
  handler = (await import("../../src/handlers/log-stream-failures.js")).handler;
  streamArn = (await client.send(new DescribeTableCommand({ TableName: tables.log }))).Table!.LatestStreamArn!;
});

/** Every record of the log table's stream so far, in order per shard. */
const streamRecords = () => streamPositions(streams, streamArn);

function onFailure(first: { shardId: string; seq: string }, last: { seq: string }, fn: string): SQSEvent {
  const body = {
    version: "1.0",
    timestamp: "2026-11-20T10:00:00.000Z",
    requestContext: { requestId: "r1", functionArn: `arn:aws:lambda:us-east-1:000000000000:function:${fn}`, condition: "RetryAttemptsExhausted", approximateInvokeCount: 9 },
    responseContext: { statusCode: 200, executedVersion: "$LATEST", functionError: "Unhandled" },
    DDBStreamBatchInfo: { shardId: first.shardId, startSequenceNumber: first.seq, endSequenceNumber: last.seq, batchSize: 3, streamArn },
  };
  return { Records: [{ messageId: "m1", body: JSON.stringify(body) } as SQSEvent["Records"][number]] };
}

describe("log-stream-failures", () => {
  it("quarantines one record per document and lost seq range, under the document's tenant, once per failure", async () => {
    const log = new DynamoLogStore({ client, table: tables.log });
    const a: DocRef = newDoc();
    const b: DocRef = newDoc();
    await log.append(batchOf(a, smallEntries(1, 3)));
    await log.append(batchOf(b, smallEntries(1, 2)));
    await log.append(batchOf(a, smallEntries(4, 5)));
    const recs = insertsUnder(await streamRecords(), [docKey(a), docKey(b)]);
    expect(recs).toHaveLength(3);
    const event = onFailure(recs[0], recs[2], "materializer");
    expect(await handler(event)).toEqual({ batchItemFailures: [] });
    await handler(event); // SQS redelivers: the same records, not new ones

    const quarantine = new DynamoQuarantineStore({ client, table: tables.quarantine });
    const forA = (await quarantine.list(a.tenant, 10)).records;
    expect(forA).toHaveLength(1);
    expect(forA[0]).toMatchObject({ tenant: a.tenant, docId: a.docId, source: "stream", reason: REJECT_REASONS.streamRetriesExhausted, at: Date.parse("2026-11-20T10:00:00.000Z") });
    expect(forA[0].message).toContain("materializer gave up on log seqs 1..8");
    expect(JSON.parse(forA[0].payload)).toMatchObject({ function: "materializer", docId: a.docId, seqStart: 1, seqEnd: 8, batches: 2 });
    const forB = (await quarantine.list(b.tenant, 10)).records;
    expect(forB.map((r) => r.docId)).toEqual([b.docId]);
    expect(forB[0].message).toContain(`materializer gave up on log seqs 1..2 of ${b.docId}`);

    // The broadcaster giving up on the same range is a record of its own.
    await handler(onFailure(recs[0], recs[0], "broadcaster"));
    expect((await quarantine.list(a.tenant, 10)).records.map((r) => JSON.parse(r.payload).function).sort()).toEqual(["broadcaster", "materializer"]);
  });

  it("a range with no log batch in it is still recorded, for operators (tenant _system)", async () => {
    await client.send(new PutItemCommand({ TableName: tables.log, Item: { pk: { S: "x#y" }, sk: { S: "not-a-batch" } } }));
    const recs = await streamRecords();
    await handler(onFailure(recs.at(-1)!, recs.at(-1)!, "broadcaster"));
    const quarantine = new DynamoQuarantineStore({ client, table: tables.quarantine });
    const sys = (await quarantine.list("_system", 10)).records;
    expect(sys).toHaveLength(1);
    expect(sys[0].message).toContain(`broadcaster gave up on log stream records ${recs.at(-1)!.seq}..${recs.at(-1)!.seq}`);
  });

  it("reports only the message it could not handle (partial batch response); a body that is no on-failure record is dropped", async () => {
    const log = new DynamoLogStore({ client, table: tables.log });
    const doc: DocRef = newDoc();
    await log.append(batchOf(doc, smallEntries(1, 2)));
    const rec = insertsUnder(await streamRecords(), [docKey(doc)]).at(-1)!;
    const good = onFailure(rec, rec, "materializer").Records[0];
    const unreadable = { ...good, messageId: "m-gone", body: good.body.replace(streamArn, `${streamArn.split("/stream/")[0]}-missing/stream/2026-01-01T00:00:00.000`) };
    const garbage = { ...good, messageId: "m-garbage", body: "not json" };
    const out = await handler({ Records: [unreadable, garbage, good] });
    expect(out).toEqual({ batchItemFailures: [{ itemIdentifier: "m-gone" }] });
    const quarantine = new DynamoQuarantineStore({ client, table: tables.quarantine });
    expect((await quarantine.list(doc.tenant, 10)).records.map((r) => r.docId)).toEqual([doc.docId]);
  });
});
