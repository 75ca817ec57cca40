import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DeleteItemCommand } from "@aws-sdk/client-dynamodb";
import type { DynamoDBRecord, DynamoDBStreamEvent } from "aws-lambda";
import { describe, expect, test } from "vitest";
import { fileCheckpoints } from "../src/checkpoints.js";
import { MAX_EVENT_BYTES } from "../src/stream-shard.js";
import { waitFor } from "./helpers.js";
import { client, pad, put, skOf, seqOf, startPoller, table } from "./stream-fixture.js";

describe("stream poller against DynamoDB Local: reading and batching", () => {
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
    for (let i = 0; i < 23; i++) await put(t, "p", pad(i));
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

  test("keeps each event within Lambda's 6 MB invocation payload", async () => {
    const t = await table("payload");
    const big = "x".repeat(350_000);
    for (let i = 0; i < 20; i++) await put(t, "p", pad(i), { big: { S: big } });
    const events: Array<{ bytes: number; sks: string[] }> = [];
    await startPoller(t, { batchSize: 100 }, async (e: DynamoDBStreamEvent) => {
      events.push({ bytes: Buffer.byteLength(JSON.stringify(e)), sks: e.Records.map(skOf) });
    });
    await waitFor("every record", () => events.flatMap((e) => e.sks).length === 20);
    expect(events).toHaveLength(2);
    expect(events.every((e) => e.bytes <= MAX_EVENT_BYTES)).toBe(true);
    expect(events[0].bytes).toBeGreaterThan(MAX_EVENT_BYTES - 400_000);
    expect(events.flatMap((e) => e.sks)).toEqual(Array.from({ length: 20 }, (_, i) => pad(i)));
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
