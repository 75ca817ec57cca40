import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DeleteItemCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import type { DynamoDBRecord, DynamoDBStreamEvent, SQSEvent } from "aws-lambda";
import { afterAll, afterEach, describe, expect, inject, test } from "vitest";
import { dynamoClient } from "@weft/functions/adapters/dynamo/client";
import { fileCheckpoints } from "../src/checkpoints.js";
import { localFunction, type LambdaHandler } from "../src/lambda.js";
import { StreamPoller, type StreamPollerOptions, type StreamSettings } from "../src/stream-poller.js";
import { createStreamTable, memoryLogger, uniqueName, waitFor } from "./helpers.js";

const endpoint = inject("dynamoEndpoint");
const client = dynamoClient(endpoint);
const pollers: StreamPoller[] = [];

const base: StreamSettings = {
  startingPosition: "TRIM_HORIZON",
  batchSize: 100,
  maximumBatchingWindowInSeconds: 0,
  maximumRetryAttempts: 2,
  maximumRecordAgeInSeconds: -1,
  bisectBatchOnFunctionError: false,
  reportBatchItemFailures: false,
  parallelizationFactor: 1,
};

async function table(label: string): Promise<string> {
  const name = uniqueName(label);
  await createStreamTable(client, name);
  return name;
}

async function put(tableName: string, pk: string, sk: string, extra: Record<string, unknown> = {}): Promise<void> {
  const Item: Record<string, any> = { pk: { S: pk }, sk: { S: sk } };
  for (const [k, v] of Object.entries(extra)) Item[k] = typeof v === "number" ? { N: String(v) } : typeof v === "boolean" ? { BOOL: v } : v;
  await client.send(new PutItemCommand({ TableName: tableName, Item }));
}

async function startPoller(
  tableName: string,
  settings: Partial<StreamSettings>,
  handler: LambdaHandler,
  extra: Partial<StreamPollerOptions> = {},
): Promise<StreamPoller> {
  const poller = new StreamPoller({
    endpoint,
    tableName,
    settings: { ...base, ...settings },
    fn: localFunction("consumer", handler),
    log: memoryLogger(),
    ...extra,
  });
  pollers.push(poller);
  await poller.start();
  return poller;
}

const seqOf = (r: DynamoDBRecord) => r.dynamodb!.SequenceNumber!;
const skOf = (r: DynamoDBRecord) => r.dynamodb!.Keys!.sk.S!;
const isPoison = (r: DynamoDBRecord) => r.dynamodb!.NewImage?.poison?.BOOL === true;

afterEach(async () => {
  await Promise.all(pollers.splice(0).map((p) => p.stop()));
});
afterAll(() => client.destroy());

describe("stream poller against DynamoDB Local", () => {
  test("delivers Lambda's DynamoDBStreamEvent, in order per partition key, in batches of at most batchSize", async () => {
    const t = await table("order");
    const batches: DynamoDBRecord[][] = [];
    const contexts: Array<{ fn: string; arn: string; remaining: number; id: string }> = [];
    const poller = await startPoller(t, { batchSize: 7 }, async (event: DynamoDBStreamEvent, context) => {
      batches.push(event.Records);
      contexts.push({ fn: context.functionName, arn: context.invokedFunctionArn, remaining: context.getRemainingTimeInMillis(), id: context.awsRequestId });
    });

    const keys = ["a", "b", "c", "d", "e"];
    const writes = 40;
    await Promise.all(
      keys.map(async (pk) => {
        for (let n = 0; n < writes; n++) await put(t, pk, "doc", { n, bin: { B: new Uint8Array([1, 2, 3]) } });
      }),
    );
    await client.send(new DeleteItemCommand({ TableName: t, Key: { pk: { S: "a" }, sk: { S: "doc" } } }));
    await waitFor("every record", () => batches.flat().length === keys.length * writes + 1);

    const all = batches.flat();
    expect(batches.every((b) => b.length >= 1 && b.length <= 7)).toBe(true);
    const seqs = all.map((r) => BigInt(seqOf(r)));
    expect(seqs.every((s, i) => i === 0 || s > seqs[i - 1])).toBe(true);
    for (const pk of keys) {
      const ns = all.filter((r) => r.dynamodb!.Keys!.pk.S === pk && r.eventName !== "REMOVE").map((r) => Number(r.dynamodb!.NewImage!.n.N));
      expect(ns).toEqual(Array.from({ length: writes }, (_, i) => i));
    }

    const [first] = all;
    expect(first).toMatchObject({
      eventName: "INSERT",
      eventVersion: "1.1",
      eventSource: "aws:dynamodb",
      awsRegion: "us-east-1",
      eventSourceARN: poller.streamArn,
      dynamodb: { StreamViewType: "NEW_AND_OLD_IMAGES", Keys: { sk: { S: "doc" } }, NewImage: { bin: { B: "AQID" } } },
    });
    expect(first.eventID).toMatch(/\S/);
    expect(first.dynamodb!.OldImage).toBeUndefined();
    expect(first.dynamodb!.SizeBytes).toBeGreaterThan(0);
    expect(Math.abs(first.dynamodb!.ApproximateCreationDateTime! - Date.now() / 1000)).toBeLessThan(120);
    const modify = all.find((r) => r.eventName === "MODIFY")!;
    expect(Number(modify.dynamodb!.OldImage!.n.N)).toBe(Number(modify.dynamodb!.NewImage!.n.N) - 1);
    const remove = all[all.length - 1];
    expect(remove.eventName).toBe("REMOVE");
    expect(remove.dynamodb!.NewImage).toBeUndefined();
    expect(remove.dynamodb!.OldImage!.n.N).toBe(String(writes - 1));

    expect(contexts[0]).toMatchObject({ fn: "consumer", arn: "arn:aws:lambda:us-east-1:000000000000:function:consumer" });
    expect(contexts[0].remaining).toBeGreaterThan(50_000);
    expect(new Set(contexts.map((c) => c.id)).size).toBe(contexts.length);
  });

  test("cuts a backlog into batches of batchSize and gathers records for the batching window", async () => {
    const t = await table("batch");
    for (let i = 0; i < 23; i++) await put(t, "p", `s${String(i).padStart(2, "0")}`);
    const sizes: number[] = [];
    await startPoller(t, { batchSize: 5 }, async (e: DynamoDBStreamEvent) => void sizes.push(e.Records.length));
    await waitFor("the backlog", () => sizes.reduce((a, b) => a + b, 0) === 23);
    expect(sizes).toEqual([5, 5, 5, 5, 3]);

    const w = await table("window");
    const windowed: number[] = [];
    await startPoller(w, { batchSize: 100, maximumBatchingWindowInSeconds: 1 }, async (e: DynamoDBStreamEvent) => void windowed.push(e.Records.length));
    for (let i = 0; i < 10; i++) {
      await put(w, "p", `s${i}`);
      await new Promise((r) => setTimeout(r, 30));
    }
    await waitFor("the windowed batch", () => windowed.reduce((a, b) => a + b, 0) === 10);
    expect(windowed).toEqual([10]);
  });

  test("bisects on a thrown error to isolate a poison record, sends it on-failure and keeps the stream flowing", async () => {
    const t = await table("poison");
    for (let i = 0; i < 20; i++) await put(t, "p", `s${String(i).padStart(2, "0")}`, { poison: i === 12 });
    const delivered: DynamoDBRecord[] = [];
    const failures: SQSEvent[] = [];
    const poller = await startPoller(
      t,
      { batchSize: 20, bisectBatchOnFunctionError: true, maximumRetryAttempts: 2 },
      async (e: DynamoDBStreamEvent) => {
        if (e.Records.some(isPoison)) throw new Error("poison");
        delivered.push(...e.Records);
      },
      { onFailure: localFunction("failures", async (e: SQSEvent) => void failures.push(e)) },
    );
    await waitFor("the 19 good records and the failure", () => delivered.length === 19 && poller.counters.failuresSent === 1);
    for (let i = 20; i < 25; i++) await put(t, "p", `s${i}`);
    await waitFor("records after the poison", () => delivered.length === 24);

    expect(delivered.map(skOf)).toEqual(Array.from({ length: 25 }, (_, i) => (i < 20 ? `s${String(i).padStart(2, "0")}` : `s${i}`)).filter((s) => s !== "s12"));
    expect(poller.counters).toMatchObject({ bisections: 4, retries: 2, failuresSent: 1 });

    expect(failures).toHaveLength(1);
    const [msg] = failures[0].Records;
    expect(msg).toMatchObject({ eventSource: "aws:sqs", awsRegion: "us-east-1", attributes: { ApproximateReceiveCount: "1" } });
    const body = JSON.parse(msg.body);
    const poisonSeq = await sequenceOf(t, "s12");
    expect(body).toMatchObject({
      version: "1.0",
      requestContext: {
        functionArn: "arn:aws:lambda:us-east-1:000000000000:function:consumer",
        condition: "RetryAttemptsExhausted",
        approximateInvokeCount: 3,
      },
      responseContext: { statusCode: 200, executedVersion: "$LATEST", functionError: "Unhandled" },
      DDBStreamBatchInfo: { startSequenceNumber: poisonSeq, endSequenceNumber: poisonSeq, batchSize: 1, streamArn: poller.streamArn },
    });
    expect(body.DDBStreamBatchInfo.shardId).toMatch(/^shardId-/);
    expect(body.DDBStreamBatchInfo.approximateArrivalOfFirstRecord).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(Date.parse(body.timestamp)).toBeGreaterThan(Date.now() - 60_000);
    expect(body.requestContext.requestId).toMatch(/\S/);
  });

  test("with ReportBatchItemFailures retries from the lowest failed item only; a malformed response fails the batch", async () => {
    const t = await table("partial");
    for (let i = 0; i < 10; i++) await put(t, "p", `s${i}`);
    const calls: string[][] = [];
    const responses: unknown[] = [];
    const poller = await startPoller(t, { batchSize: 10, reportBatchItemFailures: true, maximumRetryAttempts: 5 }, async (e: DynamoDBStreamEvent) => {
      calls.push(e.Records.map(skOf));
      const n = calls.length;
      if (n === 1) return { batchItemFailures: [{ itemIdentifier: seqOf(e.Records[6]) }, { itemIdentifier: seqOf(e.Records[4]) }] };
      if (n === 3) return { batchItemFailures: [{ itemIdentifier: "not-in-this-batch" }] };
      responses.push(n);
      return { batchItemFailures: [] };
    });
    await waitFor("the retry from the failed item", () => calls.length === 2);
    expect(calls[0]).toEqual(["s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9"]);
    expect(calls[1]).toEqual(["s4", "s5", "s6", "s7", "s8", "s9"]);

    await put(t, "p", "t0");
    await put(t, "p", "t1");
    await waitFor("the retry of the malformed batch", () => calls.length === 4);
    expect(calls[2]).toEqual(["t0", "t1"]);
    expect(calls[3]).toEqual(["t0", "t1"]);
    expect(poller.counters).toMatchObject({ invocations: 4, retries: 2, failuresSent: 0, bisections: 0 });
  });

  test("honours maximumRetryAttempts with backing-off retries, then hands the batch on and moves past it", async () => {
    const t = await table("retries");
    for (let i = 0; i < 3; i++) await put(t, "p", `s${i}`, { poison: i === 1 });
    const attempts: Array<{ at: number; sks: string[] }> = [];
    const failures: SQSEvent[] = [];
    const poller = await startPoller(
      t,
      { batchSize: 10, maximumRetryAttempts: 3 },
      async (e: DynamoDBStreamEvent) => {
        attempts.push({ at: Date.now(), sks: e.Records.map(skOf) });
        if (e.Records.some(isPoison)) throw new Error("poison");
      },
      {
        // The destination's consumer fails once: the message is redelivered, not lost.
        onFailure: localFunction("failures", async (e: SQSEvent) => {
          failures.push(e);
          if (failures.length === 1) throw new Error("flaky consumer");
        }),
      },
    );
    await waitFor("the on-failure hand-off", () => poller.counters.failuresSent === 1);
    await put(t, "p", "after");
    await waitFor("the next record", () => attempts.length === 5);

    expect(attempts.slice(0, 4).map((a) => a.sks)).toEqual(Array(4).fill(["s0", "s1", "s2"]));
    expect(attempts[4].sks).toEqual(["after"]);
    const gaps = attempts.slice(1, 4).map((a, i) => a.at - attempts[i].at);
    [50, 100, 200].forEach((min, i) => expect(gaps[i]).toBeGreaterThanOrEqual(min - 5));
    expect(poller.counters).toMatchObject({ invocations: 5, retries: 3, failuresSent: 1 });

    expect(failures.map((f) => f.Records[0].attributes.ApproximateReceiveCount)).toEqual(["1", "2"]);
    expect(failures[1].Records[0].messageId).toBe(failures[0].Records[0].messageId);
    const body = JSON.parse(failures[1].Records[0].body);
    expect(body.requestContext).toMatchObject({ condition: "RetryAttemptsExhausted", approximateInvokeCount: 4 });
    expect(body.DDBStreamBatchInfo).toMatchObject({ batchSize: 3, startSequenceNumber: await sequenceOf(t, "s0"), endSequenceNumber: await sequenceOf(t, "s2") });
  });

  test("LATEST skips what was written before start", async () => {
    const t = await table("latest");
    await put(t, "p", "before");
    const seen: string[] = [];
    await startPoller(t, { startingPosition: "LATEST" }, async (e: DynamoDBStreamEvent) => void seen.push(...e.Records.map(skOf)));
    await put(t, "p", "after");
    await waitFor("the new record", () => seen.length === 1);
    await new Promise((r) => setTimeout(r, 200));
    expect(seen).toEqual(["after"]);
  });

  test("stop() waits for the in-flight invocation; a new poller resumes from the saved checkpoints", async () => {
    const dir = mkdtempSync(join(tmpdir(), "weft-checkpoints-"));
    try {
      const t = await table("resume");
      const path = join(dir, "checkpoints.json");
      let started = 0;
      let finished = 0;
      const slow = async (e: DynamoDBStreamEvent) => {
        started += e.Records.length;
        await new Promise((r) => setTimeout(r, 300));
        finished += e.Records.length;
      };
      const first = await startPoller(t, {}, slow, { checkpoints: fileCheckpoints(path) });
      await put(t, "p", "one");
      await waitFor("the invocation to begin", () => started === 1);
      await first.stop();
      expect(finished).toBe(1);

      await put(t, "p", "two");
      const seen: string[] = [];
      await startPoller(t, {}, async (e: DynamoDBStreamEvent) => void seen.push(...e.Records.map(skOf)), { checkpoints: fileCheckpoints(path) });
      await waitFor("the record written while stopped", () => seen.length === 1);
      await new Promise((r) => setTimeout(r, 200));
      expect(seen).toEqual(["two"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** The stream sequence number of item (p, sk), read with a throwaway TRIM_HORIZON poller. */
async function sequenceOf(tableName: string, sk: string): Promise<string> {
  const found = new Map<string, string>();
  const p = new StreamPoller({
    endpoint,
    tableName,
    settings: base,
    fn: localFunction("probe", async (e: DynamoDBStreamEvent) => e.Records.forEach((r) => found.set(skOf(r), seqOf(r)))),
    log: memoryLogger(),
  });
  await p.start();
  await waitFor(`the sequence number of ${sk}`, () => found.has(sk));
  await p.stop();
  return found.get(sk)!;
}
