import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateStreamCommand, DescribeStreamSummaryCommand, KinesisClient, PutRecordCommand } from "@aws-sdk/client-kinesis";
import type { KinesisStreamEvent, KinesisStreamRecord, SQSEvent } from "aws-lambda";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { fileCheckpoints, type CheckpointStore } from "../src/checkpoints.js";
import { startKinesisLocal, type KinesisLocal } from "../src/kinesis-local/index.js";
import { KinesisPoller, type KinesisPollerOptions, type KinesisSettings } from "../src/kinesis-poller.js";
import { localFunction, type LambdaHandler } from "../src/lambda.js";
import { memoryLogger, uniqueName, waitFor } from "./helpers.js";

/**
 * The Kinesis event source mapping (KinesisPoller) against the local Kinesis endpoint, driven by
 * the real `@aws-sdk/client-kinesis`. Each test has its own stream; the endpoint's clock runs
 * `skew` ms behind the real one, so records can be put as if they had arrived long ago.
 */

const HOUR = 3_600_000;
let skew = 0;
let server: KinesisLocal;
let kinesis: KinesisClient;
let dir: string;
const pollers: KinesisPoller[] = [];

beforeAll(async () => {
  server = await startKinesisLocal({ now: () => Date.now() - skew });
  kinesis = new KinesisClient({ endpoint: server.endpoint, region: "us-east-1", credentials: { accessKeyId: "local", secretAccessKey: "local" } });
  dir = mkdtempSync(join(tmpdir(), "weft-kinesis-poller-"));
});
afterEach(async () => {
  await Promise.all(pollers.splice(0).map((p) => p.stop()));
});
afterAll(async () => {
  kinesis.destroy();
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

const baseSettings: KinesisSettings = {
  startingPosition: "TRIM_HORIZON",
  batchSize: 100,
  maximumBatchingWindowInSeconds: 0,
  maximumRetryAttempts: 2,
  maximumRecordAgeInSeconds: -1,
  bisectBatchOnFunctionError: false,
  reportBatchItemFailures: false,
  parallelizationFactor: 1,
  enhancedFanOut: false,
};

/** A new stream of `shards` shards; returns its name. */
async function stream(label: string, shards = 1): Promise<string> {
  const name = uniqueName(label);
  await kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: shards }));
  return name;
}

interface Put {
  seq: string;
  shardId: string;
  bytes: Uint8Array;
}

/** Puts one record (a string as UTF-8, bytes as they are, anything else as JSON), into shard `shard` of `of` when given. */
async function put(streamName: string, data: unknown, o: { key?: string; shard?: number; of?: number } = {}): Promise<Put> {
  const bytes = data instanceof Uint8Array ? data : Buffer.from(typeof data === "string" ? data : JSON.stringify(data));
  const ExplicitHashKey = o.shard === undefined ? undefined : String((BigInt(o.shard) << 128n) / BigInt(o.of ?? 1));
  const out = await kinesis.send(new PutRecordCommand({ StreamName: streamName, PartitionKey: o.key ?? "pk", Data: bytes, ExplicitHashKey }));
  return { seq: out.SequenceNumber!, shardId: out.ShardId!, bytes };
}

/** Starts a poller of `streamName` calling `handler` as function "consumer". */
async function startPoller(streamName: string, settings: Partial<KinesisSettings>, handler: LambdaHandler, extra: Partial<KinesisPollerOptions> = {}): Promise<KinesisPoller> {
  const poller = new KinesisPoller({
    endpoint: server.endpoint,
    streamName,
    settings: { ...baseSettings, ...settings },
    fn: localFunction("consumer", handler),
    idleMs: 5,
    quietIdleMs: 20,
    backoff: { initialMs: 5, maxMs: 20 },
    log: memoryLogger(),
    ...extra,
  });
  pollers.push(poller);
  await poller.start();
  return poller;
}

const text = (r: KinesisStreamRecord) => Buffer.from(r.kinesis.data, "base64").toString("utf8");
const texts = (e: KinesisStreamEvent) => e.Records.map(text);
const seqs = (e: KinesisStreamEvent) => e.Records.map((r) => r.kinesis.sequenceNumber);
const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Collects what a handler is called with; `then` decides each call's outcome (return value or throw). */
function recorder(then: (e: KinesisStreamEvent, call: number) => unknown = () => undefined) {
  const calls: KinesisStreamEvent[] = [];
  const handler = async (e: KinesisStreamEvent) => {
    calls.push(e);
    return then(e, calls.length);
  };
  return { calls, handler, texts: () => calls.flatMap(texts) };
}

/** An on-failure function that keeps the SQS events it gets; `body()` is the first message's invocation record. */
function failureSink() {
  const events: SQSEvent[] = [];
  return { events, fn: localFunction("failures", async (e: SQSEvent) => void events.push(e)), body: () => JSON.parse(events[0].Records[0].body) };
}

describe("Kinesis poller against the local Kinesis: reading", () => {
  test("delivers Lambda's Kinesis event, in shard order, in batches of at most batchSize", async () => {
    const s = await stream("order");
    const before = Date.now();
    const puts: Put[] = [];
    for (let n = 0; n < 22; n++) puts.push(await put(s, { n }, { key: `k${n % 3}` }));
    puts.push(await put(s, Uint8Array.of(0xff, 0x00, 0xfe), { key: "bin" }));
    const after = Date.now();
    const { calls, handler } = recorder();
    const poller = await startPoller(s, { batchSize: 5 }, handler);
    await waitFor("every record", () => calls.flatMap((e) => e.Records).length === 23);

    expect(calls.map((e) => e.Records.length)).toEqual([5, 5, 5, 5, 3]);
    const all = calls.flatMap((e) => e.Records);
    expect(all.map((r) => r.kinesis.sequenceNumber)).toEqual(puts.map((p) => p.seq));
    expect(all.map((r) => r.kinesis.data)).toEqual(puts.map((p) => Buffer.from(p.bytes).toString("base64")));
    expect(all.at(-1)!.kinesis.data).toBe("/wD+");

    const { StreamDescriptionSummary: summary } = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: s }));
    expect(poller.streamArn).toBe(summary!.StreamARN);
    expect(all[4]).toEqual({
      kinesis: {
        kinesisSchemaVersion: "1.0",
        partitionKey: "k1",
        sequenceNumber: puts[4].seq,
        data: Buffer.from('{"n":4}').toString("base64"),
        approximateArrivalTimestamp: expect.any(Number),
      },
      eventSource: "aws:kinesis",
      eventVersion: "1.0",
      eventID: `${puts[4].shardId}:${puts[4].seq}`,
      eventName: "aws:kinesis:record",
      invokeIdentityArn: "arn:aws:iam::000000000000:role/consumer",
      awsRegion: "us-east-1",
      eventSourceARN: summary!.StreamARN,
    });
    // Epoch seconds (with milliseconds), not milliseconds.
    const at = all[4].kinesis.approximateArrivalTimestamp;
    expect(at).toBeGreaterThanOrEqual(before / 1000 - 0.001);
    expect(at).toBeLessThanOrEqual(after / 1000 + 0.001);
    expect(poller.counters).toEqual({ invocations: 5, retries: 0, bisections: 0, failuresSent: 0 });
  });

  test("reads the shards in parallel, each in order, an event holding records of one shard", async () => {
    const s = await stream("shards", 3);
    const puts: Put[] = [];
    for (let n = 0; n < 6; n++) for (let shard = 0; shard < 3; shard++) puts.push(await put(s, { shard, n }, { key: `k${shard}`, shard, of: 3 }));
    expect(new Set(puts.map((p) => p.shardId)).size).toBe(3);
    let inFlight = 0;
    let peak = 0;
    const { calls, handler } = recorder(async () => {
      peak = Math.max(peak, ++inFlight);
      // Each shard's first batch waits until the other shards' are in flight too: a poller reading the shards one after another would never get there.
      const deadline = Date.now() + 3000;
      while (peak < 3 && Date.now() < deadline) await delay(5);
      inFlight--;
    });
    await startPoller(s, { batchSize: 2 }, handler);
    await waitFor("every record", () => calls.flatMap((e) => e.Records).length === 18);

    expect(peak).toBe(3);
    const shardOf = new Map(puts.map((p) => [p.seq, p.shardId]));
    for (const e of calls) {
      expect(e.Records.length).toBeLessThanOrEqual(2);
      const ids = new Set(e.Records.map((r) => r.eventID.split(":")[0]));
      expect(ids.size).toBe(1);
      for (const r of e.Records) expect(r.eventID).toBe(`${shardOf.get(r.kinesis.sequenceNumber)}:${r.kinesis.sequenceNumber}`);
    }
    for (let shard = 0; shard < 3; shard++) {
      const got = calls.flatMap((e) => e.Records.map(text)).map((t) => JSON.parse(t)).filter((d) => d.shard === shard);
      expect(got.map((d) => d.n)).toEqual([0, 1, 2, 3, 4, 5]);
    }
  });

  test("TRIM_HORIZON starts at the oldest record, LATEST after what was there at start", async () => {
    const s = await stream("start");
    await put(s, "before");
    const trim = recorder();
    const latest = recorder();
    await startPoller(s, { startingPosition: "TRIM_HORIZON" }, trim.handler);
    await startPoller(s, { startingPosition: "LATEST" }, latest.handler);
    await put(s, "after");
    // One shard, read in order: once "after" is in, anything read before it is too.
    await waitFor("the new record at both", () => trim.texts().includes("after") && latest.texts().includes("after"));
    expect(trim.texts()).toEqual(["before", "after"]);
    expect(latest.texts()).toEqual(["after"]);
  });

  test("an event filter matches the record's decoded JSON data (Lambda's FilterCriteria); the rest are dropped without an invocation", async () => {
    const s = await stream("filter");
    const data = [{ type: "drop", n: 0 }, { type: "drop", n: 1 }, { type: "drop", n: 2 }, { type: "keep", n: 3 }, { type: "drop", n: 4 }, { type: "keep", n: 5 }, "not json", { type: "keep", n: 7 }, { type: "drop", n: 8 }];
    const puts: Put[] = [];
    for (const d of data) puts.push(await put(s, d));
    const positions = new Map<string, string>();
    const store: CheckpointStore = { get: (a, id) => positions.get(`${a}/${id}`), set: (a, id, p) => void positions.set(`${a}/${id}`, p) };
    const { calls, handler } = recorder();
    // The pattern as the manifest's `filter` goes to AWS: Kinesis mappings filter on the `data` key only, read as JSON.
    const poller = await startPoller(s, { batchSize: 3, filter: { data: { type: ["keep"] } } }, handler, { checkpoints: store });
    await waitFor("the checkpoint at the last (dropped) record", () => store.get(poller.streamArn, puts[0].shardId) === puts[8].seq);

    expect(calls.map((e) => texts(e).map((t) => JSON.parse(t).n))).toEqual([[3, 5], [7]]);
    expect(poller.counters.invocations).toBe(2);
  });
});

describe("Kinesis poller against the local Kinesis: function errors", () => {
  test("retries a failed batch with backoff until it succeeds", async () => {
    const s = await stream("retry");
    for (let n = 0; n < 3; n++) await put(s, `r${n}`);
    const { calls, handler } = recorder((_, call) => {
      if (call <= 2) throw new Error(`failure ${call}`);
    });
    const poller = await startPoller(s, { maximumRetryAttempts: 5 }, handler);
    await waitFor("the successful retry", () => poller.counters.invocations === 3);
    expect(calls.map(texts)).toEqual(Array(3).fill(["r0", "r1", "r2"]));
    expect(poller.counters).toEqual({ invocations: 3, retries: 2, bisections: 0, failuresSent: 0 });
  });

  test("retries exhausted: the on-failure function gets Lambda's invocation record (KinesisBatchInfo) as an SQS event, and the shard moves on", async () => {
    const s = await stream("exhausted");
    const puts: Put[] = [];
    for (let n = 0; n < 3; n++) puts.push(await put(s, n === 1 ? "poison" : `r${n}`));
    const { calls, handler } = recorder((e) => {
      if (texts(e).includes("poison")) throw new Error("poison");
    });
    const failures = failureSink();
    const poller = await startPoller(s, { maximumRetryAttempts: 2 }, handler, { onFailure: failures.fn });
    await waitFor("the on-failure hand-off", () => poller.counters.failuresSent === 1 && failures.events.length === 1);
    await put(s, "after");
    await waitFor("the next record", () => calls.length === 4);

    expect(calls.map(texts)).toEqual([...Array(3).fill(["r0", "poison", "r2"]), ["after"]]);
    expect(poller.counters).toEqual({ invocations: 4, retries: 2, bisections: 0, failuresSent: 1 });
    const [msg] = failures.events[0].Records;
    expect(msg).toMatchObject({ eventSource: "aws:sqs", eventSourceARN: "arn:aws:sqs:us-east-1:000000000000:consumer-on-failure", attributes: { ApproximateReceiveCount: "1" } });
    const body = failures.body();
    expect(body).toMatchObject({
      version: "1.0",
      requestContext: { functionArn: "arn:aws:lambda:us-east-1:000000000000:function:consumer", condition: "RetryAttemptsExhausted", approximateInvokeCount: 3 },
      responseContext: { statusCode: 200, executedVersion: "$LATEST", functionError: "Unhandled" },
      KinesisBatchInfo: { shardId: puts[0].shardId, startSequenceNumber: puts[0].seq, endSequenceNumber: puts[2].seq, batchSize: 3, streamArn: poller.streamArn },
    });
    expect(Date.parse(body.KinesisBatchInfo.approximateArrivalOfFirstRecord)).toBeGreaterThan(Date.now() - 60_000);
    expect(Date.parse(body.KinesisBatchInfo.approximateArrivalOfLastRecord)).toBeGreaterThanOrEqual(Date.parse(body.KinesisBatchInfo.approximateArrivalOfFirstRecord));
    expect(Date.parse(body.timestamp)).toBeGreaterThan(Date.now() - 60_000);
  });

  test("bisects on a function error down to the poison record, which alone goes on-failure", async () => {
    const s = await stream("bisect");
    const puts: Put[] = [];
    for (let n = 0; n < 8; n++) puts.push(await put(s, n === 5 ? "poison" : `r${n}`));
    const delivered: string[] = [];
    const { calls, handler } = recorder((e) => {
      if (texts(e).includes("poison")) throw new Error("poison");
      delivered.push(...texts(e));
    });
    const failures = failureSink();
    const poller = await startPoller(s, { batchSize: 8, bisectBatchOnFunctionError: true, maximumRetryAttempts: 1 }, handler, { onFailure: failures.fn });
    await waitFor("the good records and the failure", () => delivered.length === 7 && failures.events.length === 1);

    expect(delivered).toEqual(["r0", "r1", "r2", "r3", "r4", "r6", "r7"]);
    // [0-7] ✗ → [0-3] ✓, [4-7] ✗ → [4,5] ✗ → [4] ✓, [5] ✗ ✗ (retries exhausted), then [6,7] ✓
    expect(calls.map((e) => e.Records.length)).toEqual([8, 4, 4, 2, 1, 1, 1, 2]);
    expect(poller.counters).toEqual({ invocations: 8, retries: 1, bisections: 3, failuresSent: 1 });
    expect(failures.body()).toMatchObject({
      requestContext: { condition: "RetryAttemptsExhausted", approximateInvokeCount: 2 },
      KinesisBatchInfo: { shardId: puts[5].shardId, startSequenceNumber: puts[5].seq, endSequenceNumber: puts[5].seq, batchSize: 1 },
    });
  });

  test("a partial batch response retries from the lowest failed sequence number; a malformed one fails the whole batch", async () => {
    const s = await stream("partial");
    for (let n = 0; n < 10; n++) await put(s, `s${n}`);
    const { calls, handler } = recorder((e, call) => {
      if (call === 1) return { batchItemFailures: [{ itemIdentifier: seqs(e)[6] }, { itemIdentifier: seqs(e)[4] }] };
      // The eventID is not the itemIdentifier Lambda expects for Kinesis.
      if (call === 3) return { batchItemFailures: [{ itemIdentifier: e.Records[0].eventID }] };
      if (call === 4) return "done";
      return { batchItemFailures: [] };
    });
    const poller = await startPoller(s, { batchSize: 10, reportBatchItemFailures: true, maximumRetryAttempts: 5 }, handler);
    await waitFor("the retry from the failed item", () => poller.counters.invocations === 2);
    expect(calls.map(texts)).toEqual([Array.from({ length: 10 }, (_, n) => `s${n}`), ["s4", "s5", "s6", "s7", "s8", "s9"]]);

    await put(s, "t0");
    await waitFor("the malformed responses' retries", () => poller.counters.invocations === 5);
    expect(calls.slice(2).map(texts)).toEqual([["t0"], ["t0"], ["t0"]]);
    expect(poller.counters).toEqual({ invocations: 5, retries: 3, bisections: 0, failuresSent: 0 });
  });

  test("maximumRecordAgeInSeconds: records that arrived too long ago go on-failure (RecordAgeExceeded) without an invocation", async () => {
    const s = await stream("age");
    skew = 2 * HOUR;
    const old: Put[] = [];
    try {
      old.push(await put(s, "old0"), await put(s, "old1"));
    } finally {
      skew = 0;
    }
    await put(s, "fresh");
    const { calls, handler } = recorder();
    const failures = failureSink();
    const poller = await startPoller(s, { maximumRecordAgeInSeconds: 60 }, handler, { onFailure: failures.fn });
    await waitFor("the fresh record and the failure", () => calls.length === 1 && failures.events.length === 1);

    expect(calls.map(texts)).toEqual([["fresh"]]);
    const body = failures.body();
    expect(body).toMatchObject({
      requestContext: { condition: "RecordAgeExceeded", approximateInvokeCount: 0 },
      KinesisBatchInfo: { shardId: old[0].shardId, startSequenceNumber: old[0].seq, endSequenceNumber: old[1].seq, batchSize: 2, streamArn: poller.streamArn },
    });
    expect(body.responseContext.functionError).toBeUndefined();
    expect(Math.abs(Date.parse(body.KinesisBatchInfo.approximateArrivalOfFirstRecord) - (Date.now() - 2 * HOUR))).toBeLessThan(60_000);
    expect(poller.counters).toMatchObject({ invocations: 1, failuresSent: 1 });
  });
});

describe("Kinesis poller against the local Kinesis: stop and checkpoints", () => {
  test("stop() waits for the in-flight invocation; a poller with the same checkpoints resumes after the last settled record", async () => {
    const s = await stream("resume");
    const path = join(dir, `${s}.json`);
    await put(s, "a");
    await put(s, "b");
    let finished = false;
    const first = recorder(async (e) => {
      if (texts(e).includes("c")) {
        await delay(300);
        finished = true;
      }
    });
    const poller = await startPoller(s, {}, first.handler, { checkpoints: fileCheckpoints(path) });
    await waitFor("a and b", () => first.texts().length === 2);
    const c = await put(s, "c");
    await waitFor("c's invocation to begin", () => first.texts().length === 3);
    await poller.stop();
    expect(finished).toBe(true);
    expect(first.texts()).toEqual(["a", "b", "c"]);
    expect(fileCheckpoints(path).get(poller.streamArn, c.shardId)).toBe(c.seq);

    await put(s, "d");
    await put(s, "e");
    const second = recorder();
    await startPoller(s, {}, second.handler, { checkpoints: fileCheckpoints(path) });
    await waitFor("two records", () => second.texts().length >= 2);
    expect(second.texts()).toEqual(["d", "e"]);
  });

  test("a batch stop() leaves unsettled (waiting to be retried) is delivered by the next poller: no loss", async () => {
    const s = await stream("unsettled");
    const path = join(dir, `${s}.json`);
    const ok = await put(s, "ok");
    const first = recorder((e) => {
      if (texts(e).includes("bad")) throw new Error("bad");
    });
    const poller = await startPoller(s, {}, first.handler, { checkpoints: fileCheckpoints(path), backoff: { initialMs: 60_000, maxMs: 60_000 } });
    await waitFor("ok", () => first.texts().length === 1);
    await put(s, "bad");
    await waitFor("the failed batch to wait for its retry", () => poller.counters.retries === 1);
    const stopping = Date.now();
    await poller.stop();
    expect(Date.now() - stopping).toBeLessThan(20_000); // far below the 60 s backoff it must not wait out
    expect(fileCheckpoints(path).get(poller.streamArn, ok.shardId)).toBe(ok.seq);

    const second = recorder();
    await startPoller(s, {}, second.handler, { checkpoints: fileCheckpoints(path) });
    await waitFor("the unsettled record", () => second.texts().length >= 1);
    expect(second.texts()).toEqual(["bad"]);
  });
});
