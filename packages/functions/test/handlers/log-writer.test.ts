import type { KinesisStreamBatchResponse, KinesisStreamEvent } from "aws-lambda";
import { QueryCommand } from "@aws-sdk/client-dynamodb";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { docKey, LOG_WRITER_SKEW_MS, type DocRef, type LogBatch } from "@weft/core";
import { batchOf, newDoc, smallEntries } from "@weft/core/testing";
import { encodeCommittedRecords } from "../../src/adapters/kinesis/committed-records.js";
import { linkEnvironment } from "../../src/linked.js";
import type { TableNames } from "../../src/adapters/dynamo/create-tables.js";
import { STREAM_LOG_SHADOW_RETENTION_MS, type Wiring } from "../../src/wiring.js";
import { client, freshTables } from "../adapters/dynamo-harness.js";

/**
 * The log writer (handlers/log-writer.ts) against DynamoDB Local through the functions' wiring,
 * fed Kinesis events as Lambda hands them over: a document's batches of an invocation become
 * one streamLog item; repeats, late batches and conflicts are counted and never written; a
 * writer that meets items an earlier container wrote, or whose write failed, carries on from the
 * items' tail; off (the default), it reads nothing.
 */
let tables: TableNames;
let w: Wiring;
let handler: (e: KinesisStreamEvent) => Promise<KinesisStreamBatchResponse>;
let seqNo = 0;

beforeAll(async () => {
  tables = await freshTables();
  process.env.WEFT_DYNAMO_ENDPOINT = inject("dynamoEndpoint");
  process.env.WEFT_METRICS_FLUSH_MS = "0";
  process.env.WEFT_LOG_WRITER = "shadow";
  Object.assign(process.env, linkEnvironment({ tables: { streamLog: tables.streamLog, state: tables.state } }));
  w = (await import("../../src/wiring.js")).wiring();
  handler = (await import("../../src/handlers/log-writer.js")).handler;
});

/** One Kinesis record per entry: the batches (leased `epoch`, `deadline`) put at `arrivedAt`. */
function event(records: Array<{ batches: LogBatch[]; arrivedAt: number; data?: string }>): KinesisStreamEvent {
  return {
    Records: records.map((r) => {
      const sequenceNumber = String(++seqNo).padStart(20, "0");
      const data = r.data ?? Buffer.from(encodeCommittedRecords(r.batches)[0]).toString("base64");
      return { eventSource: "aws:kinesis", kinesis: { data, sequenceNumber, approximateArrivalTimestamp: r.arrivedAt / 1000, partitionKey: "task", kinesisSchemaVersion: "1.0" } } as never;
    }),
  };
}
const leased = (b: LogBatch, epoch: number, deadline: number): LogBatch => ({ ...b, lease: { epoch, deadline } });
const batches = (doc: DocRef, from: number, count: number, size = 2) => Array.from({ length: count }, (_, k) => batchOf(doc, smallEntries(from + k * size, size)));
const items = async (doc: DocRef) =>
  (await client.send(new QueryCommand({ TableName: tables.streamLog, KeyConditionExpression: "pk = :pk", ExpressionAttributeValues: { ":pk": { S: docKey(doc) } }, ConsistentRead: true }))).Items ?? [];
const counters = async (tenant: string) => {
  const c = await w.metricsStore.get(tenant);
  return Object.fromEntries(Object.entries(c).filter(([k]) => k.startsWith("log_writer.")));
};

describe("log writer", () => {
  it("writes a document's in-time batches of one invocation as one item, documents apart, kept 3 days", async () => {
    const [a, b] = [newDoc(), newDoc()];
    const now = Date.now();
    const [a1, a2, a3] = batches(a, 1, 3).map((x) => leased(x, 1, now + 10_000));
    const [b1] = batches(b, 1, 1).map((x) => leased(x, 4, now + 10_000));
    const res = await handler(event([{ batches: [a1, b1], arrivedAt: now }, { batches: [a2, a3], arrivedAt: now + 100 }]));
    expect(res.batchItemFailures).toEqual([]);
    const [item] = await items(a);
    expect((await items(a)).length).toBe(1);
    expect([item.sk.S, item.seqEnd.N]).toEqual(["b#000000000001", "6"]);
    expect(Number(item.expiresAt.N) * 1000 - now).toBeGreaterThan(STREAM_LOG_SHADOW_RETENTION_MS - 60_000);
    expect(await w.streamLog.entries(a, 0, 100)).toEqual([a1, a2, a3].flatMap((x) => x.entries));
    expect(await w.streamLog.entries(b, 0, 100)).toEqual(b1.entries);
    expect(await counters(a.tenant)).toEqual({ "log_writer.kept": 3 });
  });

  it("drops a repeat and a late batch with the rest of its epoch, and keeps the next holder's batches from the settled head", async () => {
    const doc = newDoc();
    const t = Date.now();
    const [x1, x2, x3] = batches(doc, 1, 3).map((x) => leased(x, 1, t + 5_000));
    // The next holder's first batch, from the settled head 2 (seq 3-4).
    const y = leased(batchOf(doc, smallEntries(3, 2)), 2, t + 40_000);
    await handler(event([{ batches: [x1], arrivedAt: t }, { batches: [x1], arrivedAt: t + 20 }, { batches: [x2], arrivedAt: t + 5_000 + LOG_WRITER_SKEW_MS + 1 }, { batches: [x3], arrivedAt: t + 5_100 }]));
    expect(await w.streamLog.entries(doc, 0, 100)).toEqual(x1.entries);
    const res = await handler(event([{ batches: [y], arrivedAt: t + 30_000 }]));
    expect(res.batchItemFailures).toEqual([]);
    expect((await w.streamLog.entries(doc, 0, 100)).map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    expect(await counters(doc.tenant)).toEqual({ "log_writer.kept": 2, "log_writer.repeat": 1, "log_writer.late": 1, "log_writer.after_late": 1 });
  });

  it("stops on a gap: nothing past the head is written, the conflict is counted, the shard goes on", async () => {
    const doc = newDoc();
    const t = Date.now();
    const [b1, , b3] = batches(doc, 1, 3).map((x) => leased(x, 1, t + 10_000));
    const res = await handler(event([{ batches: [b1], arrivedAt: t }, { batches: [b3], arrivedAt: t + 10 }]));
    expect(res.batchItemFailures).toEqual([]);
    expect((await w.streamLog.entries(doc, 0, 100)).map((e) => e.seq)).toEqual([1, 2]);
    expect(await counters(doc.tenant)).toEqual({ "log_writer.kept": 1, "log_writer.conflict": 1 });
  });

  it("carries on from items an earlier container wrote, and after a failed write retries from the document's first record", async () => {
    const doc = newDoc();
    const t = Date.now();
    const [b1, b2, b3, b4] = batches(doc, 1, 4).map((x) => leased(x, 1, t + 10_000));
    // An earlier container wrote b1 and b2; the stream comes again from b1.
    expect(await w.streamLog.append({ ...b1, seqEnd: b2.seqEnd, entries: [...b1.entries, ...b2.entries] })).toBe("ok");
    await handler(event([{ batches: [b1], arrivedAt: t }, { batches: [b2, b3], arrivedAt: t + 10 }]));
    expect((await w.streamLog.entries(doc, 0, 100)).map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    // Another writer put b4's item (this container does not know): the write fails, the record is reported.
    expect(await w.streamLog.append(b4)).toBe("ok");
    const [b5] = batches(doc, 9, 1).map((x) => leased(x, 1, t + 10_000));
    const failing = event([{ batches: [b4], arrivedAt: t + 20 }, { batches: [b5], arrivedAt: t + 30 }]);
    const res = await handler(failing);
    expect(res.batchItemFailures).toEqual([{ itemIdentifier: failing.Records[0].kinesis.sequenceNumber }]);
    // Lambda's retry from that record: the writer reloads its tail and carries on.
    expect((await handler(failing)).batchItemFailures).toEqual([]);
    expect((await w.streamLog.entries(doc, 0, 100)).map((e) => e.seq)).toEqual(Array.from({ length: 10 }, (_, k) => k + 1));
    expect((await counters(doc.tenant))["log_writer.conflict"]).toBeUndefined();
  });

  it("a kept writer that meets a gap (the document written since by another container) reloads its items' tail and carries on", async () => {
    const doc = newDoc();
    const t = Date.now();
    const [b1, b2, b3] = batches(doc, 1, 3).map((x) => leased(x, 1, t + 10_000));
    await handler(event([{ batches: [b1], arrivedAt: t }]));
    // Another container (another shard's records) wrote b2 meanwhile.
    expect(await w.streamLog.append(b2)).toBe("ok");
    expect((await handler(event([{ batches: [b3], arrivedAt: t + 10 }]))).batchItemFailures).toEqual([]);
    expect((await w.streamLog.entries(doc, 0, 100)).map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(await counters(doc.tenant)).toEqual({ "log_writer.kept": 2 });
  });

  it("counts a record it cannot decode and writes the rest; off, it reads nothing", async () => {
    const doc = newDoc();
    const t = Date.now();
    const [b1] = batches(doc, 1, 1).map((x) => leased(x, 1, t + 10_000));
    const res = await handler(event([{ batches: [], arrivedAt: t, data: Buffer.from("not gzip").toString("base64") }, { batches: [b1], arrivedAt: t }]));
    expect(res.batchItemFailures).toEqual([]);
    expect(await w.streamLog.entries(doc, 0, 100)).toEqual(b1.entries);
    expect((await counters("_unknown"))["log_writer.undecodable"]).toBeGreaterThanOrEqual(1);

    const other = newDoc();
    process.env.WEFT_LOG_WRITER = "off";
    try {
      expect(await handler(event([{ batches: batches(other, 1, 1), arrivedAt: t }]))).toEqual({ batchItemFailures: [] });
    } finally {
      process.env.WEFT_LOG_WRITER = "shadow";
    }
    expect(await items(other)).toEqual([]);
  });
});
