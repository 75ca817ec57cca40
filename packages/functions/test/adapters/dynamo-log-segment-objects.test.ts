import { DeleteItemCommand, GetItemCommand, QueryCommand } from "@aws-sdk/client-dynamodb";
import { beforeAll, describe, expect, it } from "vitest";
import { docKey, type LogBatch } from "@weft/core";
import { mulberry32 } from "@weft/core/prng";
import { newDoc } from "@weft/core/testing";
import { MemoryObjectStore } from "@weft/core/ports/memory/object-store";
import { MemoryTimerStore } from "@weft/core/ports/memory/timer-store";
import { padSeq } from "../../src/adapters/dynamo/codec.js";
import { segmentObjectKey } from "../../src/adapters/dynamo/log-segments.js";
import { DynamoLogStore } from "../../src/adapters/dynamo/log-store.js";
import { DynamoSequencerStateStore } from "../../src/adapters/dynamo/sequencer-state-store.js";
import { client, freshTables } from "./dynamo-harness.js";
import { entriesOf, seededBatches } from "./seeded-batches.js";

// Segments whose bodies live in an object store (the segments bucket; here the port's memory
// adapter, which passes the same conformance suite as the S3 one): the table keeps each
// segment's keys and names its object; every read answers as with bodies in the items.
let tables: Awaited<ReturnType<typeof freshTables>>;
beforeAll(async () => {
  tables = await freshTables();
});

const DAY = 86_400_000;
const NOW = Date.UTC(2030, 0, 1);

const batches = seededBatches;
const remove = (doc: ReturnType<typeof newDoc>, seqStart: number) =>
  client.send(new DeleteItemCommand({ TableName: tables.log, Key: { pk: { S: docKey(doc) }, sk: { S: `b#${padSeq(seqStart)}` } } }));
const segmentsOf = async (doc: ReturnType<typeof newDoc>) =>
  (
    await client.send(
      new QueryCommand({
        TableName: tables.log,
        KeyConditionExpression: "pk = :pk AND begins_with(sk, :s)",
        ExpressionAttributeValues: { ":pk": { S: docKey(doc) }, ":s": { S: "s#" } },
        ConsistentRead: true,
      }),
    )
  ).Items ?? [];
const storeWith = (objects: MemoryObjectStore | undefined) =>
  new DynamoLogStore({ client, table: tables.log, hot: { retentionMs: 14 * DAY, timers: new MemoryTimerStore() }, now: () => NOW, ...(objects ? { segmentObjects: objects } : {}) });

/** A new document of `count` seeded batches, appended and compacted by `store`. */
async function compactedDoc(store: DynamoLogStore, count: number, seed: number) {
  const doc = newDoc();
  const list = batches(doc, count, seed);
  for (const b of list) await store.append(b);
  await store.compact(doc);
  return { doc, list };
}

describe("log segments with their bodies in an object store", () => {
  it("puts each body in its object and keeps only keys in the item; reads every seq once whatever batch items expired (seeded)", async () => {
    for (let round = 0; round < 3; round++) {
      const rnd = mulberry32(300 + round);
      const objects = new MemoryObjectStore();
      const store = storeWith(objects);
      const doc = newDoc();
      const all: LogBatch[] = [];
      for (const stretch of [25, 30, 10]) {
        const next = batches(doc, stretch, 50 * round + stretch, (all.at(-1)?.seqEnd ?? 0) + 1);
        for (const b of next) expect(await store.append(b)).toBe("ok");
        all.push(...next);
        if (stretch !== 10) await store.compact(doc);
      }
      const segments = await segmentsOf(doc);
      expect(segments).toHaveLength(2);
      for (const item of segments) {
        expect(item.b).toBeUndefined();
        const seqStart = Number(item.sk!.S!.slice(2));
        expect(item.o?.S).toBe(segmentObjectKey(docKey(doc), seqStart, Number(item.seqEnd!.N)));
        expect((await objects.get(item.o!.S!))!.byteLength).toBeGreaterThan(0);
      }
      const compacted = 55;
      for (const b of all.slice(0, compacted - 1)) if (rnd() < 0.7) await remove(doc, b.seqStart);
      const full = entriesOf(all);
      for (const after of [0, 3, Math.floor(full.length / 2), full.length - 1]) {
        expect(await store.entries(doc, after, 10_000)).toEqual(full.filter((e) => e.seq > after));
        expect(entriesOf(await store.batchesAfter(doc, after)).filter((e) => e.seq > after)).toEqual(full.filter((e) => e.seq > after));
      }
      for (const e of [full[0], full[40], full.at(-1)!]) expect(await store.findOp(doc, e.id)).toEqual({ seq: e.seq });
    }
  });

  it("takes the log's end from the last segment's object when every batch item is gone (the store's tail and the sequencer's head)", async () => {
    const objects = new MemoryObjectStore();
    const store = storeWith(objects);
    const { doc, list } = await compactedDoc(store, 8, 5);
    for (const b of list) await remove(doc, b.seqStart);
    const last = list.at(-1)!;
    expect(await store.head(doc)).toEqual({ seq: last.seqEnd, len: last.lenAfter });
    const heads = new DynamoSequencerStateStore({ client, table: tables.state, checkpointTable: tables.log, segmentObjects: objects });
    expect((await heads.head(doc)).tail).toMatchObject({ seqStart: last.seqStart, seqEnd: last.seqEnd });
  });

  it("reads segments written with bodies in their items beside ones in objects (a deploy that turns the bucket on)", async () => {
    const doc = newDoc();
    const first = batches(doc, 12, 21);
    const before = storeWith(undefined);
    for (const b of first) await before.append(b);
    await before.compact(doc);
    const objects = new MemoryObjectStore();
    const after = storeWith(objects);
    const second = batches(doc, 12, 22, first.at(-1)!.seqEnd + 1);
    for (const b of second) await after.append(b);
    await after.compact(doc);
    const [inItem, inObject] = await segmentsOf(doc);
    expect(inItem.b?.B).toBeDefined();
    expect(inObject.o?.S).toBeDefined();
    for (const b of [...first, ...second].slice(0, -1)) await remove(doc, b.seqStart);
    expect(await after.entries(doc, 0, 1_000)).toEqual(entriesOf([...first, ...second]));
  });

  it("fails loudly, not with a short read, when a segment's object is missing or the process has no object store", async () => {
    const objects = new MemoryObjectStore();
    const store = storeWith(objects);
    const { doc, list } = await compactedDoc(store, 6, 9);
    for (const b of list.slice(0, -1)) await remove(doc, b.seqStart);
    await expect(storeWith(undefined).entries(doc, 0, 100)).rejects.toThrow(/not wired/);
    const [segment] = await segmentsOf(doc);
    await objects.delete(segment.o!.S!);
    await expect(store.entries(doc, 0, 100)).rejects.toThrow(/is missing/);
  });

  it("two racing compactions leave items that each name an object holding exactly their range", async () => {
    const objects = new MemoryObjectStore();
    const doc = newDoc();
    const a = storeWith(objects);
    const b = storeWith(objects);
    const list = batches(doc, 20, 31);
    for (const x of list.slice(0, 12)) await a.append(x);
    const racing = a.compact(doc);
    for (const x of list.slice(12)) await b.append(x);
    const results = await Promise.allSettled([racing, b.compact(doc)]);
    expect(results.some((r) => r.status === "fulfilled")).toBe(true);
    await a.compact(doc);
    for (const x of list.slice(0, -1)) await remove(doc, x.seqStart);
    expect(await a.entries(doc, 0, 1_000)).toEqual(entriesOf(list));
    for (const item of await segmentsOf(doc)) {
      const seqStart = Number(item.sk!.S!.slice(2));
      expect(item.o!.S).toBe(segmentObjectKey(docKey(doc), seqStart, Number(item.seqEnd!.N)));
    }
  });
});
