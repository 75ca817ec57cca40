import { createHash, randomBytes } from "node:crypto";
import { appendFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CreateStreamCommand,
  DecreaseStreamRetentionPeriodCommand,
  DeleteStreamCommand,
  DescribeStreamCommand,
  DescribeStreamSummaryCommand,
  ExpiredIteratorException,
  GetRecordsCommand,
  GetShardIteratorCommand,
  IncreaseStreamRetentionPeriodCommand,
  InvalidArgumentException,
  KinesisClient,
  LimitExceededException,
  ListShardsCommand,
  ListStreamsCommand,
  PutRecordCommand,
  PutRecordsCommand,
  ResourceInUseException,
  ResourceNotFoundException,
  SplitShardCommand,
  ValidationException,
  type _Record,
  type GetShardIteratorInput,
  type PutRecordsRequestEntry,
} from "@aws-sdk/client-kinesis";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startKinesisLocal, type KinesisLocal, type KinesisLocalOptions } from "../src/kinesis-local/index.js";

/**
 * The local Kinesis endpoint driven by the real `@aws-sdk/client-kinesis` over real HTTP (its
 * default HTTP/2 handler unless a test says otherwise). Each test gets a fresh endpoint whose
 * clock is `clock` (epoch ms), so arrival times, retention and iterator expiry are exact.
 */

const T0 = Date.UTC(2025, 0, 1);
const HOUR = 3_600_000;
const MiB = 1024 * 1024;
const SPACE = 1n << 128n;

let clock = T0;
let k: KinesisLocal;
let kinesis: KinesisClient;
const started: KinesisLocal[] = [];
const clients: KinesisClient[] = [];
const dirs: string[] = [];

async function local(opts: KinesisLocalOptions = {}): Promise<KinesisLocal> {
  const server = await startKinesisLocal({ now: () => clock, ...opts });
  started.push(server);
  return server;
}

function clientOf(server: KinesisLocal, region = "us-east-1", extra: Partial<ConstructorParameters<typeof KinesisClient>[0]> = {}): KinesisClient {
  const client = new KinesisClient({ endpoint: server.endpoint, region, credentials: { accessKeyId: "local", secretAccessKey: "local" }, maxAttempts: 1, ...extra });
  clients.push(client);
  return client;
}

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "kinesis-local-"));
  dirs.push(dir);
  return dir;
}

beforeEach(async () => {
  clock = T0;
  k = await local();
  kinesis = clientOf(k);
});

afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy();
  await Promise.all(started.splice(0).map((s) => s.stop()));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array | undefined) => new TextDecoder().decode(b);

async function createStream(name: string, shards: number, client = kinesis): Promise<void> {
  await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: shards }));
}

async function iterator(input: Omit<GetShardIteratorInput, "ShardIteratorType"> & Partial<Pick<GetShardIteratorInput, "ShardIteratorType">>, client = kinesis): Promise<string> {
  const out = await client.send(new GetShardIteratorCommand({ ShardIteratorType: "TRIM_HORIZON", ...input } as GetShardIteratorInput));
  return out.ShardIterator!;
}

/** Every record from `it` on, following NextShardIterator until a read comes back empty. */
async function readAll(it: string, client = kinesis): Promise<_Record[]> {
  const out: _Record[] = [];
  for (;;) {
    const page = await client.send(new GetRecordsCommand({ ShardIterator: it }));
    expect(page.NextShardIterator).toBeTruthy();
    if (page.Records!.length === 0) return out;
    out.push(...page.Records!);
    it = page.NextShardIterator!;
  }
}

/** The shard index AWS would pick for a hash key among `count` even shards. */
function shardIndexOf(hash: bigint, count: number): number {
  for (let i = count - 1; i >= 0; i--) if (hash >= (BigInt(i) * SPACE) / BigInt(count)) return i;
  return 0;
}

const md5 = (key: string) => BigInt(`0x${createHash("md5").update(key).digest("hex")}`);
const shardId = (i: number) => `shardId-${String(i).padStart(12, "0")}`;

/** Expects `p` to be refused with HTTP 400 and the exception `name` (an SDK class when it models it). */
async function refused(p: Promise<unknown>, name: string, cls?: abstract new (...args: never[]) => Error): Promise<Error> {
  const err = (await p.then(
    () => undefined,
    (e: unknown) => e,
  )) as Error & { $metadata?: { httpStatusCode?: number } };
  expect(err, `expected ${name}`).toBeInstanceOf(Error);
  expect(err.name).toBe(name);
  expect(err.$metadata?.httpStatusCode).toBe(400);
  if (cls) expect(err).toBeInstanceOf(cls);
  expect(err.message.length).toBeGreaterThan(0);
  return err;
}

describe("streams", () => {
  it("creates an ACTIVE stream whose shards split the 128-bit hash key space evenly, with ARNs in the caller's region", async () => {
    const eu = clientOf(k, "eu-central-1");
    await createStream("orders", 4, eu);
    const { StreamDescriptionSummary: s } = await eu.send(new DescribeStreamSummaryCommand({ StreamName: "orders" }));
    expect(s).toMatchObject({
      StreamName: "orders",
      StreamARN: "arn:aws:kinesis:eu-central-1:000000000000:stream/orders",
      StreamStatus: "ACTIVE",
      StreamModeDetails: { StreamMode: "PROVISIONED" },
      RetentionPeriodHours: 24,
      OpenShardCount: 4,
      EncryptionType: "NONE",
    });
    expect(s!.StreamCreationTimestamp).toEqual(new Date(T0));

    const { Shards } = await eu.send(new ListShardsCommand({ StreamName: "orders" }));
    const quarter = SPACE / 4n;
    expect(Shards!.map((sh) => [sh.ShardId, sh.HashKeyRange!.StartingHashKey, sh.HashKeyRange!.EndingHashKey])).toEqual(
      [0n, 1n, 2n, 3n].map((i) => [shardId(Number(i)), (i * quarter).toString(), ((i + 1n) * quarter - 1n).toString()]),
    );
    expect(Shards![1].HashKeyRange).toEqual({ StartingHashKey: "85070591730234615865843651857942052864", EndingHashKey: "170141183460469231731687303715884105727" });
    for (const sh of Shards!) expect(sh.SequenceNumberRange!.StartingSequenceNumber).toMatch(/^\d{56}$/);

    const { StreamDescription: d } = await eu.send(new DescribeStreamCommand({ StreamName: "orders" }));
    expect(d).toMatchObject({ StreamName: "orders", StreamStatus: "ACTIVE", HasMoreShards: false, RetentionPeriodHours: 24 });
    expect(d!.Shards).toEqual(Shards);

    const listed = await eu.send(new ListStreamsCommand({}));
    expect(listed.StreamNames).toEqual(["orders"]);
    expect(listed.HasMoreStreams).toBe(false);
    expect(listed.StreamSummaries![0]).toMatchObject({ StreamName: "orders", StreamARN: s!.StreamARN, StreamStatus: "ACTIVE" });
  });

  it("splits uneven shard counts like AWS (3 shards: the last range ends at 2^128 - 1)", async () => {
    await createStream("three", 3);
    const { Shards } = await kinesis.send(new ListShardsCommand({ StreamName: "three" }));
    expect(Shards!.map((s) => s.HashKeyRange)).toEqual([
      { StartingHashKey: "0", EndingHashKey: "113427455640312821154458202477256070484" },
      { StartingHashKey: "113427455640312821154458202477256070485", EndingHashKey: "226854911280625642308916404954512140969" },
      { StartingHashKey: "226854911280625642308916404954512140970", EndingHashKey: "340282366920938463463374607431768211455" },
    ]);
  });

  it("gives an ON_DEMAND stream 4 shards when no ShardCount is given", async () => {
    await kinesis.send(new CreateStreamCommand({ StreamName: "od", StreamModeDetails: { StreamMode: "ON_DEMAND" } }));
    const { StreamDescriptionSummary: s } = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: "od" }));
    expect(s).toMatchObject({ OpenShardCount: 4, StreamModeDetails: { StreamMode: "ON_DEMAND" } });
  });

  it("accepts the StreamARN instead of the StreamName in every operation", async () => {
    await createStream("by-arn", 2);
    const StreamARN = "arn:aws:kinesis:us-east-1:000000000000:stream/by-arn";
    expect((await kinesis.send(new DescribeStreamSummaryCommand({ StreamARN }))).StreamDescriptionSummary!.StreamName).toBe("by-arn");
    expect((await kinesis.send(new DescribeStreamCommand({ StreamARN }))).StreamDescription!.Shards).toHaveLength(2);
    expect((await kinesis.send(new ListShardsCommand({ StreamARN }))).Shards).toHaveLength(2);
    const put = await kinesis.send(new PutRecordCommand({ StreamARN, PartitionKey: "a", Data: bytes("one") }));
    const puts = await kinesis.send(new PutRecordsCommand({ StreamARN, Records: [{ PartitionKey: "a", Data: bytes("two") }] }));
    expect(puts.Records![0].ShardId).toBe(put.ShardId);
    const it = await iterator({ StreamARN, ShardId: put.ShardId });
    const read = await kinesis.send(new GetRecordsCommand({ StreamARN, ShardIterator: it }));
    expect(read.Records!.map((r) => text(r.Data))).toEqual(["one", "two"]);
    // The same name with StreamName and StreamARN together is fine.
    await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: "by-arn", StreamARN }));
    await kinesis.send(new IncreaseStreamRetentionPeriodCommand({ StreamARN, RetentionPeriodHours: 48 }));
    await kinesis.send(new DecreaseStreamRetentionPeriodCommand({ StreamARN, RetentionPeriodHours: 24 }));
    await kinesis.send(new DeleteStreamCommand({ StreamARN }));
    expect((await kinesis.send(new ListStreamsCommand({}))).StreamNames).toEqual([]);
  });

  it("pages ListStreams, DescribeStream and ListShards", async () => {
    for (const n of ["c", "a", "b"]) await createStream(n, 1);
    const first = await kinesis.send(new ListStreamsCommand({ Limit: 2 }));
    expect(first).toMatchObject({ StreamNames: ["a", "b"], HasMoreStreams: true });
    const rest = await kinesis.send(new ListStreamsCommand({ NextToken: first.NextToken }));
    expect(rest).toMatchObject({ StreamNames: ["c"], HasMoreStreams: false });
    expect((await kinesis.send(new ListStreamsCommand({ ExclusiveStartStreamName: "a" }))).StreamNames).toEqual(["b", "c"]);

    await createStream("five", 5);
    const d = await kinesis.send(new DescribeStreamCommand({ StreamName: "five", Limit: 2, ExclusiveStartShardId: shardId(0) }));
    expect(d.StreamDescription!.Shards!.map((s) => s.ShardId)).toEqual([shardId(1), shardId(2)]);
    expect(d.StreamDescription!.HasMoreShards).toBe(true);

    const page1 = await kinesis.send(new ListShardsCommand({ StreamName: "five", MaxResults: 3 }));
    expect(page1.Shards!.map((s) => s.ShardId)).toEqual([shardId(0), shardId(1), shardId(2)]);
    const page2 = await kinesis.send(new ListShardsCommand({ NextToken: page1.NextToken }));
    expect(page2.Shards!.map((s) => s.ShardId)).toEqual([shardId(3), shardId(4)]);
    expect(page2.NextToken).toBeUndefined();
    const after = await kinesis.send(new ListShardsCommand({ StreamName: "five", ShardFilter: { Type: "AFTER_SHARD_ID", ShardId: shardId(3) } }));
    expect(after.Shards!.map((s) => s.ShardId)).toEqual([shardId(4)]);
  });

  it("DeleteStream removes a stream at once; the name can be created again", async () => {
    await createStream("gone", 1);
    await kinesis.send(new PutRecordCommand({ StreamName: "gone", PartitionKey: "k", Data: bytes("old") }));
    await kinesis.send(new DeleteStreamCommand({ StreamName: "gone" }));
    expect((await kinesis.send(new ListStreamsCommand({}))).StreamNames).toEqual([]);
    await createStream("gone", 1);
    expect(await readAll(await iterator({ StreamName: "gone", ShardId: shardId(0) }))).toEqual([]);
  });
});

describe("records", () => {
  it("puts a record in the shard whose range holds the MD5 of its partition key, or its ExplicitHashKey", async () => {
    await createStream("route", 4);
    for (const key of ["alpha", "beta", "gamma", "delta", "épsilon", "ζ"]) {
      const out = await kinesis.send(new PutRecordCommand({ StreamName: "route", PartitionKey: key, Data: bytes(key) }));
      expect(out.ShardId).toBe(shardId(shardIndexOf(md5(key), 4)));
    }
    const explicit = await kinesis.send(new PutRecordCommand({ StreamName: "route", PartitionKey: "alpha", ExplicitHashKey: ((SPACE / 4n) * 2n).toString(), Data: bytes("x") }));
    expect(explicit.ShardId).toBe(shardId(2));
    const last = await kinesis.send(new PutRecordCommand({ StreamName: "route", PartitionKey: "alpha", ExplicitHashKey: (SPACE - 1n).toString(), Data: bytes("x") }));
    expect(last.ShardId).toBe(shardId(3));
    const first = await kinesis.send(new PutRecordsCommand({ StreamName: "route", Records: [{ PartitionKey: "z", ExplicitHashKey: "0", Data: bytes("x") }] }));
    expect(first.Records![0].ShardId).toBe(shardId(0));
  });

  it("hands out 56-digit sequence numbers, increasing within a shard and unique across the stream", async () => {
    await createStream("seq", 4);
    const seen: Array<{ shard: string; seq: string }> = [];
    for (let batch = 0; batch < 3; batch++) {
      const records = Array.from({ length: 100 }, (_, i) => ({ PartitionKey: `key-${batch}-${i}`, Data: bytes(String(i)) }));
      const out = await kinesis.send(new PutRecordsCommand({ StreamName: "seq", Records: records }));
      expect(out.FailedRecordCount).toBe(0);
      for (const r of out.Records!) seen.push({ shard: r.ShardId!, seq: r.SequenceNumber! });
      const one = await kinesis.send(new PutRecordCommand({ StreamName: "seq", PartitionKey: `single-${batch}`, Data: bytes("s") }));
      seen.push({ shard: one.ShardId!, seq: one.SequenceNumber! });
    }
    expect(new Set(seen.map((s) => s.seq)).size).toBe(seen.length);
    for (const { seq } of seen) expect(seq).toMatch(/^\d{56}$/);
    for (const shard of new Set(seen.map((s) => s.shard))) {
      const seqs = seen.filter((s) => s.shard === shard).map((s) => s.seq);
      for (let i = 1; i < seqs.length; i++) {
        expect(BigInt(seqs[i]) > BigInt(seqs[i - 1])).toBe(true);
        expect(seqs[i] > seqs[i - 1]).toBe(true);
      }
      const start = (await kinesis.send(new ListShardsCommand({ StreamName: "seq" }))).Shards!.find((s) => s.ShardId === shard)!.SequenceNumberRange!.StartingSequenceNumber!;
      expect(BigInt(seqs[0]) > BigInt(start)).toBe(true);
      // Reading the shard gives the same numbers in the same order.
      expect((await readAll(await iterator({ StreamName: "seq", ShardId: shard }))).map((r) => r.SequenceNumber)).toEqual(seqs);
    }
  });

  it("GetRecords reads a shard in order with data, key and arrival time, paging with Limit", async () => {
    await createStream("read", 1);
    const puts: string[] = [];
    for (let i = 0; i < 5; i++) {
      clock = T0 + i * 1000 + 123;
      puts.push((await kinesis.send(new PutRecordCommand({ StreamName: "read", PartitionKey: `p${i}`, Data: bytes(`record ${i}`) }))).SequenceNumber!);
    }
    clock = T0 + 10_000;
    let it = await iterator({ StreamName: "read", ShardId: shardId(0) });
    const page1 = await kinesis.send(new GetRecordsCommand({ ShardIterator: it, Limit: 2 }));
    expect(page1.Records!.map((r) => [r.SequenceNumber, r.PartitionKey, text(r.Data), r.ApproximateArrivalTimestamp!.getTime()])).toEqual([
      [puts[0], "p0", "record 0", T0 + 123],
      [puts[1], "p1", "record 1", T0 + 1123],
    ]);
    // Behind the tip by the age of the last record returned; 0 once caught up.
    expect(page1.MillisBehindLatest).toBe(10_000 - 1123);
    it = page1.NextShardIterator!;
    const page2 = await kinesis.send(new GetRecordsCommand({ ShardIterator: it }));
    expect(page2.Records!.map((r) => text(r.Data))).toEqual(["record 2", "record 3", "record 4"]);
    expect(page2.MillisBehindLatest).toBe(0);
    const empty = await kinesis.send(new GetRecordsCommand({ ShardIterator: page2.NextShardIterator }));
    expect(empty.Records).toEqual([]);
    expect(empty.NextShardIterator).toBeTruthy();
    expect(empty.MillisBehindLatest).toBe(0);
    // A record put later is read from the last NextShardIterator.
    await kinesis.send(new PutRecordCommand({ StreamName: "read", PartitionKey: "late", Data: bytes("late") }));
    expect((await kinesis.send(new GetRecordsCommand({ ShardIterator: empty.NextShardIterator }))).Records!.map((r) => text(r.Data))).toEqual(["late"]);
  });

  it("keeps binary data byte for byte, empty data included", async () => {
    await createStream("bin", 1);
    const blobs = [randomBytes(1000), new Uint8Array(0), Uint8Array.from([0, 255, 10, 13, 0])];
    await kinesis.send(new PutRecordsCommand({ StreamName: "bin", Records: blobs.map((Data) => ({ PartitionKey: "k", Data })) }));
    const read = await readAll(await iterator({ StreamName: "bin", ShardId: shardId(0) }));
    expect(read.map((r) => Buffer.from(r.Data!).toString("hex"))).toEqual(blobs.map((b) => Buffer.from(b).toString("hex")));
  });

  it("PutRecords answers per record in request order; one partition key stays in order in one shard", async () => {
    await createStream("batch", 4);
    const records = Array.from({ length: 50 }, (_, i) => ({ PartitionKey: i % 2 ? "odd" : "even", Data: bytes(String(i)) }));
    const out = await kinesis.send(new PutRecordsCommand({ StreamName: "batch", Records: records }));
    expect(out.FailedRecordCount).toBe(0);
    expect(out.Records).toHaveLength(50);
    for (const [i, r] of out.Records!.entries()) {
      expect(r.ShardId).toBe(shardId(shardIndexOf(md5(records[i].PartitionKey), 4)));
      expect(r.ErrorCode).toBeUndefined();
    }
    const even = await readAll(await iterator({ StreamName: "batch", ShardId: out.Records![0].ShardId }));
    expect(even.filter((r) => r.PartitionKey === "even").map((r) => text(r.Data))).toEqual(records.filter((_, i) => i % 2 === 0).map((_, j) => String(j * 2)));
  });

  it("failNextRecords makes the next N PutRecords records fail with ProvisionedThroughputExceededException, unstored", async () => {
    await createStream("faulty", 1);
    k.failNextRecords(3);
    const entries = (tag: string, n: number): PutRecordsRequestEntry[] => Array.from({ length: n }, (_, i) => ({ PartitionKey: "k", Data: bytes(`${tag}${i}`) }));
    const a = await kinesis.send(new PutRecordsCommand({ StreamName: "faulty", Records: entries("a", 2) }));
    expect(a.FailedRecordCount).toBe(2);
    for (const r of a.Records!) {
      expect(r.ErrorCode).toBe("ProvisionedThroughputExceededException");
      expect(r.ErrorMessage).toContain("Rate exceeded for shard shardId-000000000000 in stream faulty");
      expect(r.SequenceNumber).toBeUndefined();
    }
    const b = await kinesis.send(new PutRecordsCommand({ StreamName: "faulty", Records: entries("b", 3) }));
    expect(b.FailedRecordCount).toBe(1);
    expect(b.Records!.map((r) => r.ErrorCode ?? r.ShardId)).toEqual(["ProvisionedThroughputExceededException", shardId(0), shardId(0)]);
    // The caller retries the failed ones: now they go through.
    const retry = await kinesis.send(new PutRecordsCommand({ StreamName: "faulty", Records: [...entries("a", 2), entries("b", 1)[0]] }));
    expect(retry.FailedRecordCount).toBe(0);
    const read = await readAll(await iterator({ StreamName: "faulty", ShardId: shardId(0) }));
    expect(read.map((r) => text(r.Data))).toEqual(["b1", "b2", "a0", "a1", "b0"]);
  });

  it("the faults option arms failNextRecords from the start", async () => {
    const server = await local({ faults: { failPutRecords: 1 } });
    const client = clientOf(server);
    await createStream("f", 1, client);
    const out = await client.send(new PutRecordsCommand({ StreamName: "f", Records: [{ PartitionKey: "k", Data: bytes("1") }, { PartitionKey: "k", Data: bytes("2") }] }));
    expect(out.Records!.map((r) => r.ErrorCode ?? "ok")).toEqual(["ProvisionedThroughputExceededException", "ok"]);
    // PutRecord is never failed by the hook.
    server.failNextRecords(5);
    await client.send(new PutRecordCommand({ StreamName: "f", PartitionKey: "k", Data: bytes("3") }));
  });

  it("takes a 1 MiB record and 5 MiB PutRecords; GetRecords answers at most 10 MiB of data", async () => {
    await createStream("big", 1);
    const data = (tag: number) => Buffer.alloc(MiB - 1, tag); // with the 1-character key: exactly 1 MiB
    await kinesis.send(new PutRecordCommand({ StreamName: "big", PartitionKey: "k", Data: data(0) }));
    for (let i = 0; i < 3; i++) {
      const records = Array.from({ length: 4 }, (_, j) => ({ PartitionKey: "k", Data: data(1 + i * 4 + j) }));
      expect((await kinesis.send(new PutRecordsCommand({ StreamName: "big", Records: records }))).FailedRecordCount).toBe(0);
    }
    const first = await kinesis.send(new GetRecordsCommand({ ShardIterator: await iterator({ StreamName: "big", ShardId: shardId(0) }) }));
    expect(first.Records!.length).toBe(10);
    expect(first.Records!.map((r) => r.Data![0])).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(first.Records![3].Data!.length).toBe(MiB - 1);
    expect(first.MillisBehindLatest).toBe(0); // all arrived at the same instant
    const rest = await kinesis.send(new GetRecordsCommand({ ShardIterator: first.NextShardIterator }));
    expect(rest.Records!.map((r) => r.Data![0])).toEqual([10, 11, 12]);
  });
});

describe("shard iterators", () => {
  async function fiveRecords(): Promise<string[]> {
    await createStream("it", 1);
    const seqs: string[] = [];
    for (let i = 0; i < 5; i++) {
      clock = T0 + i * 1000;
      seqs.push((await kinesis.send(new PutRecordCommand({ StreamName: "it", PartitionKey: "k", Data: bytes(String(i)) }))).SequenceNumber!);
    }
    return seqs;
  }
  const shard = { StreamName: "it", ShardId: shardId(0) };
  const datas = (rs: _Record[]) => rs.map((r) => text(r.Data));

  it("TRIM_HORIZON starts at the oldest record", async () => {
    await fiveRecords();
    expect(datas(await readAll(await iterator({ ...shard, ShardIteratorType: "TRIM_HORIZON" })))).toEqual(["0", "1", "2", "3", "4"]);
  });

  it("LATEST reads only records put after it was taken", async () => {
    await fiveRecords();
    const it = await iterator({ ...shard, ShardIteratorType: "LATEST" });
    expect((await kinesis.send(new GetRecordsCommand({ ShardIterator: it }))).Records).toEqual([]);
    await kinesis.send(new PutRecordCommand({ StreamName: "it", PartitionKey: "k", Data: bytes("new") }));
    expect(datas(await readAll(it))).toEqual(["new"]);
  });

  it("AT_SEQUENCE_NUMBER starts at that record, AFTER_SEQUENCE_NUMBER right after it", async () => {
    const seqs = await fiveRecords();
    expect(datas(await readAll(await iterator({ ...shard, ShardIteratorType: "AT_SEQUENCE_NUMBER", StartingSequenceNumber: seqs[2] })))).toEqual(["2", "3", "4"]);
    expect(datas(await readAll(await iterator({ ...shard, ShardIteratorType: "AFTER_SEQUENCE_NUMBER", StartingSequenceNumber: seqs[2] })))).toEqual(["3", "4"]);
    expect(datas(await readAll(await iterator({ ...shard, ShardIteratorType: "AFTER_SEQUENCE_NUMBER", StartingSequenceNumber: seqs[4] })))).toEqual([]);
    // The shard's starting sequence number is before every record.
    const start = (await kinesis.send(new ListShardsCommand({ StreamName: "it" }))).Shards![0].SequenceNumberRange!.StartingSequenceNumber!;
    expect(datas(await readAll(await iterator({ ...shard, ShardIteratorType: "AFTER_SEQUENCE_NUMBER", StartingSequenceNumber: start })))).toHaveLength(5);
  });

  it("AT_TIMESTAMP starts at the first record that arrived at or after the time", async () => {
    await fiveRecords();
    const at = (ms: number) => iterator({ ...shard, ShardIteratorType: "AT_TIMESTAMP", Timestamp: new Date(ms) });
    expect(datas(await readAll(await at(T0 + 2000)))).toEqual(["2", "3", "4"]);
    expect(datas(await readAll(await at(T0 + 1500)))).toEqual(["2", "3", "4"]);
    expect(datas(await readAll(await at(T0 - HOUR)))).toEqual(["0", "1", "2", "3", "4"]);
    const future = await at(T0 + HOUR);
    expect(datas(await readAll(future))).toEqual([]);
    await kinesis.send(new PutRecordCommand({ StreamName: "it", PartitionKey: "k", Data: bytes("later") }));
    expect(datas(await readAll(future))).toEqual(["later"]);
  });

  it("an iterator lives 5 minutes; each NextShardIterator is a fresh one", async () => {
    await fiveRecords();
    clock = T0;
    const it = await iterator(shard);
    clock = T0 + 5 * 60_000;
    const page = await kinesis.send(new GetRecordsCommand({ ShardIterator: it, Limit: 1 }));
    clock = T0 + 5 * 60_000 + 1;
    await refused(kinesis.send(new GetRecordsCommand({ ShardIterator: it })), "ExpiredIteratorException", ExpiredIteratorException);
    expect(datas((await kinesis.send(new GetRecordsCommand({ ShardIterator: page.NextShardIterator }))).Records!)).toEqual(["1", "2", "3", "4"]);
  });
});

describe("retention", () => {
  it("trims records older than 24 hours: TRIM_HORIZON starts at the oldest record kept", async () => {
    await createStream("ret", 1);
    for (const [i, at] of [T0, T0 + HOUR, T0 + 2 * HOUR].entries()) {
      clock = at;
      await kinesis.send(new PutRecordCommand({ StreamName: "ret", PartitionKey: "k", Data: bytes(`r${i}`) }));
    }
    clock = T0 + 24 * HOUR; // exactly 24 h old: kept
    expect((await readAll(await iterator({ StreamName: "ret", ShardId: shardId(0) }))).map((r) => text(r.Data))).toEqual(["r0", "r1", "r2"]);
    clock = T0 + 25 * HOUR + 1;
    expect((await readAll(await iterator({ StreamName: "ret", ShardId: shardId(0) }))).map((r) => text(r.Data))).toEqual(["r2"]);
  });

  it("an iterator positioned before the trim horizon reads on from the oldest record kept", async () => {
    await createStream("ret2", 1);
    await kinesis.send(new PutRecordCommand({ StreamName: "ret2", PartitionKey: "k", Data: bytes("old") }));
    clock = T0 + 24 * HOUR;
    const it = await iterator({ StreamName: "ret2", ShardId: shardId(0) });
    await kinesis.send(new PutRecordCommand({ StreamName: "ret2", PartitionKey: "k", Data: bytes("new") }));
    clock += 1;
    expect((await readAll(it)).map((r) => text(r.Data))).toEqual(["new"]);
  });

  it("IncreaseStreamRetentionPeriod keeps records longer", async () => {
    await createStream("ret3", 1);
    await kinesis.send(new PutRecordCommand({ StreamName: "ret3", PartitionKey: "k", Data: bytes("kept") }));
    await kinesis.send(new IncreaseStreamRetentionPeriodCommand({ StreamName: "ret3", RetentionPeriodHours: 48 }));
    expect((await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: "ret3" }))).StreamDescriptionSummary!.RetentionPeriodHours).toBe(48);
    clock = T0 + 47 * HOUR;
    expect(await readAll(await iterator({ StreamName: "ret3", ShardId: shardId(0) }))).toHaveLength(1);
    clock = T0 + 49 * HOUR;
    expect(await readAll(await iterator({ StreamName: "ret3", ShardId: shardId(0) }))).toHaveLength(0);
  });
});

describe("persistence", () => {
  it("keeps streams, records, sequence numbers and retention across a restart with the same dataDir", async () => {
    const dataDir = tempDir();
    let server = await local({ dataDir });
    let client = clientOf(server);
    await createStream("durable", 2, client);
    await createStream("doomed", 1, client);
    const put = await client.send(
      new PutRecordsCommand({ StreamName: "durable", Records: Array.from({ length: 20 }, (_, i) => ({ PartitionKey: `k${i}`, Data: bytes(`v${i}`) })) }),
    );
    await client.send(new IncreaseStreamRetentionPeriodCommand({ StreamName: "durable", RetentionPeriodHours: 72 }));
    await client.send(new DeleteStreamCommand({ StreamName: "doomed" }));
    const before = await Promise.all([0, 1].map(async (i) => readAll(await iterator({ StreamName: "durable", ShardId: shardId(i) }, client), client)));
    await server.stop();

    clock = T0 + HOUR;
    server = await local({ dataDir });
    client = clientOf(server);
    expect((await client.send(new ListStreamsCommand({}))).StreamNames).toEqual(["durable"]);
    const summary = (await client.send(new DescribeStreamSummaryCommand({ StreamName: "durable" }))).StreamDescriptionSummary!;
    expect(summary).toMatchObject({ OpenShardCount: 2, RetentionPeriodHours: 72, StreamCreationTimestamp: new Date(T0) });
    const after = await Promise.all([0, 1].map(async (i) => readAll(await iterator({ StreamName: "durable", ShardId: shardId(i) }, client), client)));
    expect(after).toEqual(before);
    expect(after.flat()).toHaveLength(20);
    // New records continue above every number handed out before the restart.
    const next = await client.send(new PutRecordCommand({ StreamName: "durable", PartitionKey: "k0", Data: bytes("after restart") }));
    for (const r of put.Records!) expect(BigInt(next.SequenceNumber!) > BigInt(r.SequenceNumber!)).toBe(true);
    // AFTER_SEQUENCE_NUMBER with a number from before the restart still works.
    const last = put.Records!.filter((r) => r.ShardId === next.ShardId).at(-1)!;
    const it = await iterator({ StreamName: "durable", ShardId: next.ShardId, ShardIteratorType: "AFTER_SEQUENCE_NUMBER", StartingSequenceNumber: last.SequenceNumber }, client);
    expect((await readAll(it, client)).map((r) => text(r.Data))).toEqual(["after restart"]);
  });

  it("drops records past the retention when loading, and sequence numbers still keep growing", async () => {
    const dataDir = tempDir();
    let server = await local({ dataDir });
    let client = clientOf(server);
    await createStream("aging", 1, client);
    const old = await client.send(new PutRecordCommand({ StreamName: "aging", PartitionKey: "k", Data: bytes("old") }));
    clock = T0 + 2 * HOUR;
    await client.send(new PutRecordCommand({ StreamName: "aging", PartitionKey: "k", Data: bytes("newer") }));
    await server.stop();

    clock = T0 + 25 * HOUR;
    server = await local({ dataDir });
    client = clientOf(server);
    expect((await readAll(await iterator({ StreamName: "aging", ShardId: shardId(0) }, client), client)).map((r) => text(r.Data))).toEqual(["newer"]);
    await server.stop();

    clock = T0 + 40 * HOUR; // everything is past the retention now
    server = await local({ dataDir });
    client = clientOf(server);
    expect(await readAll(await iterator({ StreamName: "aging", ShardId: shardId(0) }, client), client)).toEqual([]);
    const fresh = await client.send(new PutRecordCommand({ StreamName: "aging", PartitionKey: "k", Data: bytes("fresh") }));
    expect(BigInt(fresh.SequenceNumber!) > BigInt(old.SequenceNumber!)).toBe(true);
  });

  it("skips a record line cut short by a kill and serves the rest", async () => {
    const dataDir = tempDir();
    let server = await local({ dataDir });
    let client = clientOf(server);
    await createStream("torn", 1, client);
    await client.send(new PutRecordCommand({ StreamName: "torn", PartitionKey: "k", Data: bytes("whole") }));
    await server.stop();
    appendFileSync(join(dataDir, "stream-torn.jsonl"), '[0,12,34,"k","AAA');

    server = await local({ dataDir });
    client = clientOf(server);
    await client.send(new PutRecordCommand({ StreamName: "torn", PartitionKey: "k", Data: bytes("next") }));
    expect((await readAll(await iterator({ StreamName: "torn", ShardId: shardId(0) }, client), client)).map((r) => text(r.Data))).toEqual(["whole", "next"]);
    await server.stop();
    server = await local({ dataDir });
    client = clientOf(server);
    expect((await readAll(await iterator({ StreamName: "torn", ShardId: shardId(0) }, client), client)).map((r) => text(r.Data))).toEqual(["whole", "next"]);
  });

  it("keeps nothing without a dataDir", async () => {
    await createStream("ephemeral", 1);
    await k.stop();
    const server = await local();
    await refused(clientOf(server).send(new DescribeStreamSummaryCommand({ StreamName: "ephemeral" })), "ResourceNotFoundException", ResourceNotFoundException);
  });
});

describe("transport", () => {
  it("serves HTTP/1.1 clients too (the SDK with its HTTP/1 handler)", async () => {
    const http1 = clientOf(k, "us-east-1", { requestHandler: new NodeHttpHandler() });
    await createStream("h1", 1, http1);
    await http1.send(new PutRecordCommand({ StreamName: "h1", PartitionKey: "k", Data: bytes("over http/1.1") }));
    expect((await readAll(await iterator({ StreamName: "h1", ShardId: shardId(0) }, kinesis))).map((r) => text(r.Data))).toEqual(["over http/1.1"]);
  });

  it("stop() closes open keep-alive connections at once", async () => {
    const http1 = clientOf(k, "us-east-1", { requestHandler: new NodeHttpHandler({ httpAgent: { keepAlive: true } }) });
    await http1.send(new ListStreamsCommand({}));
    await kinesis.send(new ListStreamsCommand({})); // an open HTTP/2 session
    const t = Date.now();
    await k.stop();
    // Below Node's 5 s keep-alive timeout (an HTTP/2 session has none): stop() did not wait for them.
    expect(Date.now() - t).toBeLessThan(4_000);
    await expect(kinesis.send(new ListStreamsCommand({}))).rejects.toThrow();
    await k.stop(); // idempotent
  });
});

describe("refusals", () => {
  beforeEach(async () => {
    await createStream("s", 2);
  });
  const put = (over: Record<string, unknown>) => kinesis.send(new PutRecordCommand({ StreamName: "s", PartitionKey: "k", Data: bytes("d"), ...over }));
  const putRecords = (records: PutRecordsRequestEntry[]) => kinesis.send(new PutRecordsCommand({ StreamName: "s", Records: records }));
  const shardIterator = (over: Partial<GetShardIteratorInput>) =>
    kinesis.send(new GetShardIteratorCommand({ StreamName: "s", ShardId: shardId(0), ShardIteratorType: "TRIM_HORIZON", ...over } as GetShardIteratorInput));

  it("ResourceNotFoundException for an unknown stream", async () => {
    await refused(kinesis.send(new DescribeStreamSummaryCommand({ StreamName: "nope" })), "ResourceNotFoundException", ResourceNotFoundException);
  });

  it("ResourceNotFoundException for a put to an unknown stream", async () => {
    await refused(kinesis.send(new PutRecordCommand({ StreamName: "nope", PartitionKey: "k", Data: bytes("d") })), "ResourceNotFoundException", ResourceNotFoundException);
  });

  it("ResourceNotFoundException for deleting an unknown stream", async () => {
    await refused(kinesis.send(new DeleteStreamCommand({ StreamName: "nope" })), "ResourceNotFoundException", ResourceNotFoundException);
  });

  it("ResourceNotFoundException for an unknown shard", async () => {
    await refused(shardIterator({ ShardId: shardId(2) }), "ResourceNotFoundException", ResourceNotFoundException);
  });

  it("ResourceNotFoundException for an iterator of a deleted stream, even when the name was created again", async () => {
    const it = (await shardIterator({})).ShardIterator;
    await kinesis.send(new DeleteStreamCommand({ StreamName: "s" }));
    await createStream("s", 2);
    await refused(kinesis.send(new GetRecordsCommand({ ShardIterator: it })), "ResourceNotFoundException", ResourceNotFoundException);
  });

  it("ResourceInUseException for creating a stream that exists", async () => {
    await refused(createStream("s", 1), "ResourceInUseException", ResourceInUseException);
  });

  it("InvalidArgumentException for a PROVISIONED stream without ShardCount", async () => {
    await refused(kinesis.send(new CreateStreamCommand({ StreamName: "no-count" })), "InvalidArgumentException", InvalidArgumentException);
  });

  it("InvalidArgumentException for ShardCount 0", async () => {
    await refused(createStream("zero", 0), "InvalidArgumentException", InvalidArgumentException);
  });

  it("LimitExceededException for more than 100 shards", async () => {
    await createStream("hundred", 100);
    await refused(createStream("too-many", 101), "LimitExceededException", LimitExceededException);
  });

  it("ValidationException for a stream name outside [a-zA-Z0-9_.-]{1,128}", async () => {
    await refused(createStream("bad name!", 1), "ValidationException", ValidationException);
    await refused(createStream("x".repeat(129), 1), "ValidationException", ValidationException);
  });

  it("ValidationException for a malformed StreamARN", async () => {
    await refused(kinesis.send(new DescribeStreamSummaryCommand({ StreamARN: "arn:aws:sqs:us-east-1:000000000000:s" })), "ValidationException", ValidationException);
  });

  it("InvalidArgumentException when StreamName and StreamARN name different streams", async () => {
    await refused(
      kinesis.send(new DescribeStreamSummaryCommand({ StreamName: "s", StreamARN: "arn:aws:kinesis:us-east-1:000000000000:stream/other" })),
      "InvalidArgumentException",
      InvalidArgumentException,
    );
  });

  it("InvalidArgumentException when neither StreamName nor StreamARN is given", async () => {
    await refused(kinesis.send(new DescribeStreamSummaryCommand({})), "InvalidArgumentException", InvalidArgumentException);
  });

  it("InvalidArgumentException for an empty partition key", async () => {
    await refused(put({ PartitionKey: "" }), "InvalidArgumentException", InvalidArgumentException);
  });

  it("InvalidArgumentException for a partition key over 256 characters (256 is fine)", async () => {
    await put({ PartitionKey: "é".repeat(256) });
    await refused(put({ PartitionKey: "k".repeat(257) }), "InvalidArgumentException", InvalidArgumentException);
  });

  it("ValidationException for a record without Data", async () => {
    await refused(put({ Data: undefined }), "ValidationException", ValidationException);
  });

  it("InvalidArgumentException for data plus partition key over 1 MiB (exactly 1 MiB is fine)", async () => {
    await put({ PartitionKey: "kk", Data: Buffer.alloc(MiB - 2) });
    await refused(put({ PartitionKey: "kk", Data: Buffer.alloc(MiB - 1) }), "InvalidArgumentException", InvalidArgumentException);
  });

  it("InvalidArgumentException for an ExplicitHashKey outside 0..2^128-1 or not a decimal integer", async () => {
    await refused(put({ ExplicitHashKey: SPACE.toString() }), "InvalidArgumentException", InvalidArgumentException);
    await refused(put({ ExplicitHashKey: "-1" }), "InvalidArgumentException", InvalidArgumentException);
    await refused(put({ ExplicitHashKey: "0x10" }), "InvalidArgumentException", InvalidArgumentException);
  });

  it("InvalidArgumentException for PutRecords with no records", async () => {
    await refused(putRecords([]), "InvalidArgumentException", InvalidArgumentException);
  });

  it("InvalidArgumentException for PutRecords with more than 500 records (500 is fine)", async () => {
    const records = (n: number) => Array.from({ length: n }, (_, i) => ({ PartitionKey: `k${i}`, Data: bytes("d") }));
    expect((await putRecords(records(500))).Records).toHaveLength(500);
    await refused(putRecords(records(501)), "InvalidArgumentException", InvalidArgumentException);
  });

  it("InvalidArgumentException for PutRecords over 5 MiB in all", async () => {
    const records = Array.from({ length: 6 }, () => ({ PartitionKey: "k", Data: Buffer.alloc(MiB - 1) }));
    await refused(putRecords(records), "InvalidArgumentException", InvalidArgumentException);
  });

  it("InvalidArgumentException for PutRecords with one bad record; nothing of the request is stored", async () => {
    await refused(putRecords([{ PartitionKey: "ok", Data: bytes("d") }, { PartitionKey: "", Data: bytes("d") }]), "InvalidArgumentException", InvalidArgumentException);
    for (const i of [0, 1]) expect(await readAll((await shardIterator({ ShardId: shardId(i) })).ShardIterator!)).toEqual([]);
  });

  it("InvalidArgumentException for an unknown ShardIteratorType", async () => {
    await refused(shardIterator({ ShardIteratorType: "SOMEWHERE" as GetShardIteratorInput["ShardIteratorType"] }), "InvalidArgumentException", InvalidArgumentException);
  });

  it("InvalidArgumentException for AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER without StartingSequenceNumber", async () => {
    await refused(shardIterator({ ShardIteratorType: "AT_SEQUENCE_NUMBER" }), "InvalidArgumentException", InvalidArgumentException);
    await refused(shardIterator({ ShardIteratorType: "AFTER_SEQUENCE_NUMBER" }), "InvalidArgumentException", InvalidArgumentException);
  });

  it("InvalidArgumentException for AT_TIMESTAMP without Timestamp", async () => {
    await refused(shardIterator({ ShardIteratorType: "AT_TIMESTAMP" }), "InvalidArgumentException", InvalidArgumentException);
  });

  it("InvalidArgumentException for a malformed sequence number", async () => {
    await refused(shardIterator({ ShardIteratorType: "AT_SEQUENCE_NUMBER", StartingSequenceNumber: "12ab" }), "InvalidArgumentException", InvalidArgumentException);
  });

  it("InvalidArgumentException for a sequence number of another shard, or one never handed out", async () => {
    const out = await put({ ExplicitHashKey: "0" });
    expect(out.ShardId).toBe(shardId(0));
    await refused(shardIterator({ ShardId: shardId(1), ShardIteratorType: "AT_SEQUENCE_NUMBER", StartingSequenceNumber: out.SequenceNumber }), "InvalidArgumentException", InvalidArgumentException);
    await refused(shardIterator({ ShardIteratorType: "AFTER_SEQUENCE_NUMBER", StartingSequenceNumber: "12345" }), "InvalidArgumentException", InvalidArgumentException);
    const beyond = (BigInt(out.SequenceNumber!) + 10000n).toString();
    await refused(shardIterator({ ShardIteratorType: "AT_SEQUENCE_NUMBER", StartingSequenceNumber: beyond }), "InvalidArgumentException", InvalidArgumentException);
  });

  it("InvalidArgumentException for a GetRecords Limit outside 1..10000", async () => {
    const it = (await shardIterator({})).ShardIterator;
    await refused(kinesis.send(new GetRecordsCommand({ ShardIterator: it, Limit: 0 })), "InvalidArgumentException", InvalidArgumentException);
    await refused(kinesis.send(new GetRecordsCommand({ ShardIterator: it, Limit: 10001 })), "InvalidArgumentException", InvalidArgumentException);
    await kinesis.send(new GetRecordsCommand({ ShardIterator: it, Limit: 10000 }));
  });

  it("InvalidArgumentException for a shard iterator that is not one", async () => {
    await refused(kinesis.send(new GetRecordsCommand({ ShardIterator: "bm90IGFuIGl0ZXJhdG9y" })), "InvalidArgumentException", InvalidArgumentException);
  });

  it("ExpiredIteratorException for an iterator older than 5 minutes", async () => {
    const it = (await shardIterator({})).ShardIterator;
    clock += 5 * 60_000 + 1;
    await refused(kinesis.send(new GetRecordsCommand({ ShardIterator: it })), "ExpiredIteratorException", ExpiredIteratorException);
  });

  it("InvalidArgumentException for a retention increase below the current period, or beyond 8760 hours", async () => {
    await kinesis.send(new IncreaseStreamRetentionPeriodCommand({ StreamName: "s", RetentionPeriodHours: 48 }));
    await refused(kinesis.send(new IncreaseStreamRetentionPeriodCommand({ StreamName: "s", RetentionPeriodHours: 36 })), "InvalidArgumentException", InvalidArgumentException);
    await refused(kinesis.send(new IncreaseStreamRetentionPeriodCommand({ StreamName: "s", RetentionPeriodHours: 8761 })), "InvalidArgumentException", InvalidArgumentException);
  });

  it("InvalidArgumentException for ListShards with both NextToken and StreamName", async () => {
    await createStream("paged", 3);
    const { NextToken } = await kinesis.send(new ListShardsCommand({ StreamName: "paged", MaxResults: 1 }));
    await refused(kinesis.send(new ListShardsCommand({ StreamName: "paged", NextToken })), "InvalidArgumentException", InvalidArgumentException);
  });

  it("InvalidArgumentException for a Limit outside 1..10000 in ListStreams", async () => {
    await refused(kinesis.send(new ListStreamsCommand({ Limit: 0 })), "InvalidArgumentException", InvalidArgumentException);
  });

  it("ValidationException for a body that is not JSON", async () => {
    kinesis.middlewareStack.add(
      (next) => async (args) => {
        const request = args.request as { body: unknown; headers: Record<string, string> };
        request.body = "{not json";
        request.headers["content-length"] = "9";
        return next(args);
      },
      { step: "build", priority: "low" },
    );
    await refused(kinesis.send(new ListStreamsCommand({})), "ValidationException", ValidationException);
  });

  it("UnknownOperationException for an operation that is not served (SplitShard) or does not exist", async () => {
    await refused(kinesis.send(new SplitShardCommand({ StreamName: "s", ShardToSplit: shardId(0), NewStartingHashKey: "1" })), "UnknownOperationException");
    kinesis.middlewareStack.add(
      (next) => async (args) => {
        (args.request as { headers: Record<string, string> }).headers["x-amz-target"] = "Kinesis_20131202.Frobnicate";
        return next(args);
      },
      { step: "build", priority: "low" },
    );
    await refused(kinesis.send(new ListStreamsCommand({})), "UnknownOperationException");
  });
});
