import { describe, expect, it } from "vitest";
import type { DocRef } from "../../src/doc-ref.js";
import type { LogStore } from "../../src/ports/log-store.js";
import { MemoryLogStore } from "../../src/ports/memory/log-store.js";
import { BatchCachingLog } from "../../src/rooms/batch-cache.js";
import { runLogStoreConformance } from "../conformance/log-store-conformance.js";
import { batchOf, newDoc, smallEntries } from "../conformance/fixtures.js";

// It is a LogStore: the port's whole contract holds through it.
runLogStoreConformance("BatchCachingLog over memory", async () => new BatchCachingLog(new MemoryLogStore()));

/** A store that counts batchesAfter and entries reads. */
function counting(store: LogStore) {
  const calls = { batchesAfter: 0, entries: 0 };
  const wrapped: LogStore = {
    append: (b) => store.append(b),
    tail: (d) => store.tail(d),
    head: (d) => store.head(d),
    entries: (d, a, l) => {
      calls.entries++;
      return store.entries(d, a, l);
    },
    findOp: (d, id) => store.findOp(d, id),
    batchesAfter: (d, a) => {
      calls.batchesAfter++;
      return store.batchesAfter(d, a);
    },
  };
  return { wrapped, calls };
}

async function appendRun(log: LogStore, doc: DocRef, from: number, n: number) {
  for (let s = from; s < from + n; s++) expect(await log.append(batchOf(doc, smallEntries(s, 1)))).toBe("ok");
}

describe("BatchCachingLog", () => {
  it("answers entries from the batches it holds when they hold the whole range, whoever appended since; else the store", async () => {
    const memory = new MemoryLogStore();
    const { wrapped, calls } = counting(memory);
    const log = new BatchCachingLog(wrapped);
    const doc = newDoc();
    await appendRun(log, doc, 1, 8);
    await appendRun(memory, doc, 9, 2); // another task: seqs 9-10, not held here
    expect(await log.entries(doc, 2, 4)).toEqual(await memory.entries(doc, 2, 4));
    expect(await log.entries(doc, 0, 8)).toEqual(await memory.entries(doc, 0, 8));
    expect(calls.entries).toBe(0);
    // Past what it holds (9-10 are another's), or a range whose count it cannot prove: the store.
    expect(await log.entries(doc, 6, 4)).toEqual(await memory.entries(doc, 6, 4));
    expect(await log.entries(doc, 0, 1000)).toEqual(await memory.entries(doc, 0, 1000));
    expect(calls.entries).toBe(2);
    // A returned entry is a copy.
    const [first] = await log.entries(doc, 0, 1);
    (first as { id: string }).id = "changed";
    expect((await log.entries(doc, 0, 1))[0].id).not.toBe("changed");
  });

  it("answers batchesAfter from the batches it appended, once a fresh tail confirms nothing came after", async () => {
    const memory = new MemoryLogStore();
    const { wrapped, calls } = counting(memory);
    const log = new BatchCachingLog(wrapped);
    const doc = newDoc();
    await appendRun(log, doc, 1, 10);
    await log.tail(doc);
    expect(await log.batchesAfter(doc, 4)).toEqual(await memory.batchesAfter(doc, 4));
    expect(calls.batchesAfter).toBe(0);
  });

  it("goes to the store when another writer appended (the fresh tail does not line up), then serves the repeat", async () => {
    const memory = new MemoryLogStore();
    const { wrapped, calls } = counting(memory);
    const log = new BatchCachingLog(wrapped);
    const doc = newDoc();
    await appendRun(log, doc, 1, 5);
    await appendRun(memory, doc, 6, 3); // another task
    await log.tail(doc);
    expect(await log.batchesAfter(doc, 2)).toEqual(await memory.batchesAfter(doc, 2));
    expect(calls.batchesAfter).toBe(1);
    await log.tail(doc);
    expect(await log.batchesAfter(doc, 3)).toEqual(await memory.batchesAfter(doc, 3));
    expect(calls.batchesAfter).toBe(1);
  });

  it("a tail read elsewhere (sawTail, the run's head Query) counts as a fresh tail: one past its batches sends the read to the store", async () => {
    const memory = new MemoryLogStore();
    const { wrapped, calls } = counting(memory);
    const log = new BatchCachingLog(wrapped);
    const doc = newDoc();
    await appendRun(log, doc, 1, 5);
    log.sawTail(doc, await memory.tail(doc));
    expect(await log.batchesAfter(doc, 2)).toEqual(await memory.batchesAfter(doc, 2));
    expect(calls.batchesAfter).toBe(0);
    await appendRun(memory, doc, 6, 2); // another task
    log.sawTail(doc, await memory.tail(doc));
    expect(await log.batchesAfter(doc, 2)).toEqual(await memory.batchesAfter(doc, 2));
    expect(calls.batchesAfter).toBe(1);
    // An empty log forgets the document.
    log.sawTail(doc, undefined);
    expect(log.size.docs).toBe(0);
  });

  it("a conflicting append forgets the document; older ranges than it holds are read from the store", async () => {
    const memory = new MemoryLogStore();
    const { wrapped, calls } = counting(memory);
    const log = new BatchCachingLog(wrapped, { perDoc: 4, docs: 10 });
    const doc = newDoc();
    await appendRun(log, doc, 1, 8);
    await log.tail(doc);
    // Holds only the last 4 batches: seq 2 is older than that.
    expect(await log.batchesAfter(doc, 2)).toEqual(await memory.batchesAfter(doc, 2));
    expect(calls.batchesAfter).toBe(1);
    expect(await log.append(batchOf(doc, smallEntries(8, 1)))).toBe("conflict");
    expect(log.size.docs).toBe(0);
    await log.tail(doc);
    await log.batchesAfter(doc, 6);
    expect(calls.batchesAfter).toBe(2);
  });

  it("keeps at most `docs` documents, least recently used out first", async () => {
    const log = new BatchCachingLog(new MemoryLogStore(), { perDoc: 8, docs: 3 });
    const docs = Array.from({ length: 5 }, () => newDoc());
    for (const d of docs) await appendRun(log, d, 1, 2);
    expect(log.size.docs).toBe(3);
  });

  it("returns copies: changing a returned batch changes nothing held", async () => {
    const log = new BatchCachingLog(new MemoryLogStore());
    const doc = newDoc();
    await appendRun(log, doc, 1, 3);
    await log.tail(doc);
    const [first] = await log.batchesAfter(doc, 0);
    first.entries.length = 0;
    expect((await log.batchesAfter(doc, 0))[0].entries).toHaveLength(1);
  });
});
