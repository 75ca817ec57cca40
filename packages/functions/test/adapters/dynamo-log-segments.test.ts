import { DeleteItemCommand, GetItemCommand, QueryCommand } from "@aws-sdk/client-dynamodb";
import { beforeAll, describe, expect, it } from "vitest";
import { CompactionSchedule, docKey, type LogBatch } from "@weft/core";
import { mulberry32 } from "@weft/core/prng";
import { batchOf, newDoc, smallEntries } from "@weft/core/testing";
import { MemoryTimerStore } from "@weft/core/ports/memory/timer-store";
import { padSeq } from "../../src/adapters/dynamo/codec.js";
import { segmentBatches, segmentItems } from "../../src/adapters/dynamo/log-segments.js";
import { DynamoLogStore } from "../../src/adapters/dynamo/log-store.js";
import { client, freshTables } from "./dynamo-harness.js";
import { entriesOf, seededBatches } from "./seeded-batches.js";

// The log's segments (log-segments.ts) and the compactor: every read answers as if every batch
// item were still there, whichever of the compacted ones DynamoDB's TTL has deleted.
let table: string;
beforeAll(async () => {
  table = (await freshTables()).log;
});

const DAY = 86_400_000;
const HOUR = 3_600_000;
const NOW = Date.UTC(2030, 0, 1);
const hot = (retentionMs: number, timers = new MemoryTimerStore()) => ({ retentionMs, timers });

const batches = seededBatches;
const remove = (doc: ReturnType<typeof newDoc>, seqStart: number) =>
  client.send(new DeleteItemCommand({ TableName: table, Key: { pk: { S: docKey(doc) }, sk: { S: `b#${padSeq(seqStart)}` } } }));
const itemOf = async (doc: ReturnType<typeof newDoc>, sk: string) =>
  (await client.send(new GetItemCommand({ TableName: table, Key: { pk: { S: docKey(doc) }, sk: { S: sk } }, ConsistentRead: true }))).Item;

describe("log segments and the compactor", () => {
  it("reads every seq once, in order, whatever compacted batch items expired (seeded)", async () => {
    for (let round = 0; round < 4; round++) {
      const rnd = mulberry32(100 + round);
      const doc = newDoc();
      const store = new DynamoLogStore({ client, table, hot: hot(14 * DAY), now: () => NOW });
      const all: LogBatch[] = [];
      let compacted = 0;
      // Appends in three stretches, compacting after the first two: two segments' worth, then a hot tail.
      for (const stretch of [30, 20, 15]) {
        const next = batches(doc, stretch, 10 * round + stretch, (all.at(-1)?.seqEnd ?? 0) + 1);
        for (const b of next) expect(await store.append(b)).toBe("ok");
        all.push(...next);
        if (stretch !== 15) {
          const r = await store.compact(doc);
          expect(r.through).toBe(all.at(-1)!.seqEnd);
          compacted = all.length;
        }
      }
      // DynamoDB's TTL deletes compacted batch items in any order; the tail item is protected,
      // and the hot ones are younger than the hot retention.
      for (const b of all.slice(0, compacted - 1)) if (rnd() < 0.7) await remove(doc, b.seqStart);
      const full = entriesOf(all);
      for (const after of [0, 1, 5, Math.floor(full.length / 3), full.length - 20, full.length - 1, full.length]) {
        expect(await store.entries(doc, after, 10_000)).toEqual(full.filter((e) => e.seq > after));
        expect(entriesOf(await store.batchesAfter(doc, after)).filter((e) => e.seq > after)).toEqual(full.filter((e) => e.seq > after));
        expect((await store.entries(doc, after, 7)).map((e) => e.seq)).toEqual(full.filter((e) => e.seq > after).slice(0, 7).map((e) => e.seq));
      }
      expect(await store.head(doc)).toEqual({ seq: all.at(-1)!.seqEnd, len: all.at(-1)!.lenAfter });
      for (const e of [full[0], full[Math.floor(full.length / 2)], full[full.length - 1]]) expect(await store.findOp(doc, e.id)).toEqual({ seq: e.seq });
      expect(await store.findOp(doc, "no-such-op")).toBeUndefined();
    }
  });

  it("gives batch items the hot retention as a TTL and takes it off the log's newest item when compacting", async () => {
    const doc = newDoc();
    const store = new DynamoLogStore({ client, table, hot: hot(14 * DAY), now: () => NOW });
    const list = batches(doc, 5, 7);
    for (const b of list) await store.append(b);
    const expires = String(Math.ceil((NOW + 14 * DAY) / 1000));
    for (const b of list) expect((await itemOf(doc, `b#${padSeq(b.seqStart)}`))?.expiresAt?.N).toBe(expires);
    expect(await store.compact(doc)).toEqual({ segments: 1, ops: list.at(-1)!.seqEnd, through: list.at(-1)!.seqEnd });
    expect((await itemOf(doc, `b#${padSeq(list.at(-1)!.seqStart)}`))?.expiresAt).toBeUndefined();
    expect((await itemOf(doc, `b#${padSeq(list[0].seqStart)}`))?.expiresAt?.N).toBe(expires);
    // Idempotent: nothing new to compact.
    expect(await store.compact(doc)).toEqual({ segments: 0, ops: 0, through: list.at(-1)!.seqEnd });
    // Every batch item gone but the protected tail: still the whole log.
    for (const b of list.slice(0, -1)) await remove(doc, b.seqStart);
    expect(await store.entries(doc, 0, 100)).toEqual(entriesOf(list));
    // Were the tail item gone too (the compactor keeps it), the head still comes from the segments.
    await remove(doc, list.at(-1)!.seqStart);
    expect(await store.head(doc)).toEqual({ seq: list.at(-1)!.seqEnd, len: list.at(-1)!.lenAfter });
    // Without a hot retention nothing expires.
    const kept = new DynamoLogStore({ client, table });
    const other = newDoc();
    await kept.append(batchOf(other, smallEntries(1, 2)));
    expect((await itemOf(other, `b#${padSeq(1)}`))?.expiresAt).toBeUndefined();
  });

  it("gives the previous compaction's tail its TTL back once newer batches are compacted", async () => {
    const doc = newDoc();
    let now = NOW;
    const store = new DynamoLogStore({ client, table, hot: hot(14 * DAY), now: () => now });
    const first = batches(doc, 3, 21);
    for (const b of first) await store.append(b);
    await store.compact(doc);
    const oldTail = `b#${padSeq(first.at(-1)!.seqStart)}`;
    expect((await itemOf(doc, oldTail))?.expiresAt).toBeUndefined();
    now += DAY;
    const next = batches(doc, 2, 22, first.at(-1)!.seqEnd + 1);
    for (const b of next) await store.append(b);
    expect(await store.compact(doc)).toMatchObject({ segments: 1, through: next.at(-1)!.seqEnd });
    expect((await itemOf(doc, oldTail))?.expiresAt?.N).toBe(String(Math.ceil((now + 14 * DAY) / 1000)));
    expect((await itemOf(doc, `b#${padSeq(next.at(-1)!.seqStart)}`))?.expiresAt).toBeUndefined();
    expect(await store.entries(doc, 0, 100)).toEqual(entriesOf([...first, ...next]));
  });

  it("schedules a compaction within a day of every append, and at once after COMPACT_OPS ops", async () => {
    const doc = newDoc();
    const timers = new MemoryTimerStore();
    let now = NOW + 10 * 60_000;
    const store = new DynamoLogStore({ client, table, hot: { retentionMs: 14 * DAY, timers, schedule: new CompactionSchedule({ opsLimit: 12 }) }, now: () => now });
    const list = batches(doc, 12, 31);
    // The first append adds a timer a day later, rounded up to the hour; the next ones in the same day add none.
    await store.append(list[0]);
    const dayDue = Math.ceil((now + DAY) / HOUR) * HOUR;
    expect(await timers.due(Number.MAX_SAFE_INTEGER, 10)).toEqual([{ doc, dueAt: dayDue }]);
    let appended = list[0].entries.length;
    let k = 1;
    for (; appended + list[k].entries.length < 12; k++) {
      await store.append(list[k]);
      appended += list[k].entries.length;
    }
    expect(await timers.due(Number.MAX_SAFE_INTEGER, 10)).toHaveLength(1);
    // Past the ops limit: a timer due now (the minute), the day's timer kept.
    now += 30_000;
    await store.append(list[k++]);
    const due = await timers.due(Number.MAX_SAFE_INTEGER, 10);
    expect(due.map((d) => d.dueAt)).toEqual([Math.ceil(now / 60_000) * 60_000, dayDue]);
    // Appends later than the day's timer (less the clock skew margin) add a new one.
    now = dayDue - 5 * 60_000;
    await store.append(list[k++]);
    expect((await timers.due(Number.MAX_SAFE_INTEGER, 10)).map((d) => d.dueAt)).toContain(Math.ceil((now + DAY) / HOUR) * HOUR);
    // A store that forgot (a new process) adds its timer again: idempotent per due hour.
    const fresh = new DynamoLogStore({ client, table, hot: hot(14 * DAY, timers), now: () => now });
    await fresh.append(list[k++]);
    expect(await timers.due(Number.MAX_SAFE_INTEGER, 10)).toHaveLength(3);
  });

  it("adds the timer before the batch: a failed timer write fails the append with nothing written", async () => {
    const doc = newDoc();
    const timers = new MemoryTimerStore();
    const failing = { ...timers, add: async () => Promise.reject(new Error("throttled")), due: timers.due.bind(timers), remove: timers.remove.bind(timers) };
    const [b] = batches(doc, 1, 41);
    const store = new DynamoLogStore({ client, table, hot: { retentionMs: 14 * DAY, timers: failing }, now: () => NOW });
    await expect(store.append(b)).rejects.toThrow(/throttled/);
    expect(await itemOf(doc, `b#${padSeq(b.seqStart)}`)).toBeUndefined();
    // Retried once the timer can be written: both are there.
    const ok = new DynamoLogStore({ client, table, hot: hot(14 * DAY, timers), now: () => NOW });
    expect(await ok.append(b)).toBe("ok");
    expect(await timers.due(Number.MAX_SAFE_INTEGER, 10)).toHaveLength(1);
    expect((await itemOf(doc, `b#${padSeq(b.seqStart)}`))?.expiresAt).toBeDefined();
  });

  it("refuses to compact over a batch that expired before it was compacted, and reads fail loudly there", async () => {
    const doc = newDoc();
    const store = new DynamoLogStore({ client, table, hot: hot(DAY), now: () => NOW });
    const list = batches(doc, 6, 9);
    for (const b of list) await store.append(b);
    await remove(doc, list[2].seqStart);
    await expect(store.compact(doc)).rejects.toThrow(/not consecutive/);
    const segments = await client.send(
      new QueryCommand({ TableName: table, KeyConditionExpression: "pk = :pk AND begins_with(sk, :s)", ExpressionAttributeValues: { ":pk": { S: docKey(doc) }, ":s": { S: "s#" } } }),
    );
    expect(segments.Items).toEqual([]);
    await expect(store.entries(doc, 0, 100)).rejects.toThrow(/neither/);
  });

  it("splits a run of batches into segments under the size limit, losing none", async () => {
    const doc = newDoc();
    const list = batches(doc, 200, 11);
    const items = segmentItems(docKey(doc), list, 2_000);
    expect(items.length).toBeGreaterThan(1);
    for (const i of items) expect(i.b.B!.length).toBeLessThanOrEqual(2_000);
    expect((await Promise.all(items.map((i) => segmentBatches(doc, i, undefined)))).flat()).toEqual(list);
  });
});
