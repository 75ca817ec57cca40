import { describe, expect, it } from "vitest";
import type { DocRef } from "../../src/doc-ref.js";
import { MemorySequencerStateStore } from "../../src/ports/memory/sequencer-state-store.js";
import type { SequencerStateStore } from "../../src/ports/sequencer-state-store.js";
import { ProgressCachingState } from "../../src/rooms/progress-cache.js";
import { batchOf, newDoc, smallEntries } from "../conformance/fixtures.js";

function counting(store: SequencerStateStore) {
  const calls = { client: 0 };
  const wrapped = Object.create(store) as SequencerStateStore;
  wrapped.client = (doc: DocRef, id: string) => {
    calls.client++;
    return store.client(doc, id);
  };
  return { wrapped, calls };
}

describe("ProgressCachingState", () => {
  it("answers a client's progress from the task's own commits, without a read", async () => {
    const { wrapped, calls } = counting(new MemorySequencerStateStore());
    const cache = new ProgressCachingState(wrapped);
    const doc = newDoc();
    cache.committed({ ...batchOf(doc, smallEntries(1, 3)), clients: [{ clientId: "c", next: 4, skipped: [[9, 9]] }] });
    expect(await cache.forIngest().client(doc, "c")).toEqual({ clientId: "c", next: 4, held: [], skipped: [[9, 9]] });
    expect(calls.client).toBe(0);
  });

  it("reads the store for a client it has not seen, then keeps the higher of what it read and what commits carry", async () => {
    const store = new MemorySequencerStateStore();
    const doc = newDoc();
    await store.save(doc, [{ clientId: "c", next: 7, held: [], skipped: [] }], 0, []);
    const { wrapped, calls } = counting(store);
    const cache = new ProgressCachingState(wrapped);
    const ingest = cache.forIngest();
    expect((await ingest.client(doc, "c"))?.next).toBe(7);
    expect(calls.client).toBe(1);
    // An older commit's progress (lower) never moves it back; a newer one moves it on.
    cache.committed({ ...batchOf(doc, smallEntries(1, 2)), clients: [{ clientId: "c", next: 5 }] });
    expect((await ingest.client(doc, "c"))?.next).toBe(7);
    cache.committed({ ...batchOf(doc, smallEntries(3, 2)), clients: [{ clientId: "c", next: 9 }] });
    expect((await ingest.client(doc, "c"))?.next).toBe(9);
    expect(calls.client).toBe(1);
    expect(await ingest.client(doc, "unknown")).toBeUndefined();
  });

  it("keeps documents apart, including the same docId in two tenants, and at most maxDocs of them", async () => {
    const cache = new ProgressCachingState(new MemorySequencerStateStore(), 2);
    const a: DocRef = { tenant: "t1", docId: "same" };
    const b: DocRef = { tenant: "t2", docId: "same" };
    cache.committed({ ...batchOf(a, smallEntries(1, 1)), clients: [{ clientId: "c", next: 2 }] });
    expect(await cache.forIngest().client(b, "c")).toBeUndefined();
    cache.committed({ ...batchOf(b, smallEntries(1, 1)), clients: [{ clientId: "c", next: 3 }] });
    cache.committed({ ...batchOf(newDoc(), smallEntries(1, 1)), clients: [{ clientId: "c", next: 4 }] });
    // a was the least recently used of three: forgotten (the store has nothing for it).
    expect(await cache.forIngest().client(a, "c")).toBeUndefined();
    expect((await cache.forIngest().client(b, "c"))?.next).toBe(3);
  });
});
