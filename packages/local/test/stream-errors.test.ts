import type { DynamoDBRecord, DynamoDBStreamEvent, SQSEvent } from "aws-lambda";
import { describe, expect, test } from "vitest";
import { localFunction } from "../src/lambda.js";
import { waitFor } from "./helpers.js";
import { isPoison, pad, put, seqOf, sequenceOf, skOf, startPoller, table } from "./stream-fixture.js";

describe("stream poller against DynamoDB Local: function errors", () => {
  test("bisects on a thrown error to isolate a poison record, sends it on-failure and keeps the stream flowing", async () => {
    const t = await table("poison");
    for (let i = 0; i < 20; i++) await put(t, "p", pad(i), { poison: i === 12 });
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

    expect(delivered.map(skOf)).toEqual(Array.from({ length: 25 }, (_, i) => (i < 20 ? pad(i) : `s${i}`)).filter((s) => s !== "s12"));
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

    // One record: its batch gets the malformed response and must come again unchanged. (With
    // two records written apart, the poller could read them as two batches, and a fifth call
    // could slip past the wait for exactly four.)
    await put(t, "p", "t0");
    await waitFor("the retry of the malformed batch", () => calls.length === 4);
    expect(calls[2][0]).toBe("t0");
    expect(calls[3]).toEqual(calls[2]);
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
});
