import { DeleteItemCommand, QueryCommand } from "@aws-sdk/client-dynamodb";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { docKey, type DocRef, type LogBatch } from "@weft/core";
import { batchOf, newDoc, smallEntries } from "@weft/core/testing";
import { padSeq } from "../../src/adapters/dynamo/codec.js";
import { linkEnvironment } from "../../src/linked.js";
import type { TableNames } from "../../src/adapters/dynamo/create-tables.js";
import type { Wiring } from "../../src/wiring.js";
import { client, freshTables } from "../adapters/dynamo-harness.js";

/**
 * The scheduled log compactor (handlers/log-compactor.ts) against DynamoDB Local, through the
 * functions' wiring: due timers are compacted and removed; a compaction that refuses (a batch
 * item expired before it was compacted) and a timer hours overdue fail the invocation (what
 * the Errors alarm watches), and the refused document's timer moves on instead of being
 * retried every tick.
 */
let tables: TableNames;
let w: Wiring;
let handler: () => Promise<void>;
const HOUR = 3_600_000;

beforeAll(async () => {
  tables = await freshTables();
  process.env.WEFT_DYNAMO_ENDPOINT = inject("dynamoEndpoint");
  Object.assign(process.env, linkEnvironment({ tables: { log: tables.log, state: tables.state } }));
  w = (await import("../../src/wiring.js")).wiring();
  handler = (await import("../../src/handlers/log-compactor.js")).handler;
});

async function appendBatches(doc: DocRef, count: number): Promise<LogBatch[]> {
  const out: LogBatch[] = [];
  for (let k = 0; k < count; k++) {
    const b = batchOf(doc, smallEntries(k * 2 + 1, 2, `op${k}`));
    expect(await w.log.append(b)).toBe("ok");
    out.push(b);
  }
  return out;
}

const segments = async (doc: DocRef) =>
  (
    await client.send(
      new QueryCommand({ TableName: tables.log, KeyConditionExpression: "pk = :pk AND begins_with(sk, :s)", ExpressionAttributeValues: { ":pk": { S: docKey(doc) }, ":s": { S: "s#" } } }),
    )
  ).Items ?? [];
const timersOf = async (doc: DocRef) => (await w.logCompactionTimers.due(Number.MAX_SAFE_INTEGER, 1000)).filter((t) => t.doc.docId === doc.docId);

describe("log compactor", () => {
  it("compacts the documents whose timers are due, once each, and removes their timers", async () => {
    const doc = newDoc();
    const batches = await appendBatches(doc, 4);
    // The append added a timer a day out; one more, due now, as the ops limit would.
    await w.logCompactionTimers.add(doc, Date.now() - 1_000);
    expect(await timersOf(doc)).toHaveLength(2);
    await handler();
    const [segment] = await segments(doc);
    expect(segment.seqEnd?.N).toBe(String(batches.at(-1)!.seqEnd));
    // The due timer is gone; the day's timer is not due yet.
    expect((await timersOf(doc)).map((t) => t.dueAt > Date.now())).toEqual([true]);
    expect(await w.log.entries(doc, 0, 100)).toEqual(batches.flatMap((b) => b.entries));
  });

  it("fails the invocation for a compaction that refuses, and moves that document's timer on", async () => {
    const doc = newDoc();
    const batches = await appendBatches(doc, 3);
    await client.send(new DeleteItemCommand({ TableName: tables.log, Key: { pk: { S: docKey(doc) }, sk: { S: `b#${padSeq(batches[1].seqStart)}` } } }));
    const due = Date.now() - 1_000;
    await w.logCompactionTimers.add(doc, due);
    await expect(handler()).rejects.toThrow(/not consecutive/);
    expect(await segments(doc)).toEqual([]);
    const moved = (await timersOf(doc)).map((t) => t.dueAt).filter((at) => at < Date.now() + 2 * HOUR);
    expect(moved).toHaveLength(1);
    expect(moved[0]).toBeGreaterThan(Date.now());
  });

  it("fails the invocation when a due timer is hours late, after compacting it", async () => {
    const doc = newDoc();
    const batches = await appendBatches(doc, 2);
    await w.logCompactionTimers.add(doc, Date.now() - 7 * HOUR);
    await expect(handler()).rejects.toThrow(/overdue/);
    expect((await segments(doc)).map((s) => s.seqEnd?.N)).toEqual([String(batches.at(-1)!.seqEnd)]);
    expect((await timersOf(doc)).every((t) => t.dueAt > Date.now())).toBe(true);
  });
});
