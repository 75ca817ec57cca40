import { describe, expect, it } from "vitest";
import { ClientCachingHeads, composedHeads, type ClientState, type DocRef, type LogBatch, type SequencerHeads } from "../../src/index.js";
import { MemoryLogStore, MemorySequencerStateStore } from "../../src/ports/memory/index.js";
import { batchOf, newDoc, smallEntries } from "../conformance/fixtures.js";

function client(clientId: string, next: number): ClientState {
  return { clientId, next, held: [], skipped: [] };
}

/** Heads over the memory stores, counting the client reads that reach them. */
function counted() {
  const state = new MemorySequencerStateStore();
  const log = new MemoryLogStore();
  const inner = composedHeads(state, log);
  const reads: string[][] = [];
  const store: SequencerHeads = {
    head: (doc) => inner.head(doc),
    clients: (doc, ids, saves) => {
      reads.push([...ids]);
      return inner.clients(doc, ids, saves);
    },
  };
  return { state, log, store, reads };
}

describe("ClientCachingHeads (a room task's client states)", () => {
  it("reads a client once while the document's saves stand, and again after any save", async () => {
    const { state, store, reads } = counted();
    const heads = new ClientCachingHeads(store);
    const doc = newDoc();
    await state.save(doc, [client("a", 3)], 2, []);
    let { saves } = await heads.head(doc);
    expect(await heads.clients(doc, ["a"], saves)).toEqual(new Map([["a", client("a", 3)]]));
    expect(await heads.clients(doc, ["a"], saves)).toEqual(new Map([["a", client("a", 3)]]));
    expect(reads).toEqual([["a"]]);
    // A client it has not met is read alone; one the store lacks is remembered as absent.
    expect(await heads.clients(doc, ["a", "new"], saves)).toEqual(new Map([["a", client("a", 3)]]));
    expect(await heads.clients(doc, ["new"], saves)).toEqual(new Map());
    expect(reads).toEqual([["a"], ["new"]]);
    // Another process saves: the next head moves `saves`, and the states are read again.
    await state.save(doc, [client("a", 7), client("new", 2)], 9, []);
    ({ saves } = await heads.head(doc));
    expect(await heads.clients(doc, ["a", "new"], saves)).toEqual(new Map([["a", client("a", 7)], ["new", client("new", 2)]]));
    expect(reads).toEqual([["a"], ["new"], ["a", "new"]]);
  });

  it("keeps documents apart, and hands out copies", async () => {
    const { state, store, reads } = counted();
    const heads = new ClientCachingHeads(store);
    const [d1, d2]: DocRef[] = [newDoc(), newDoc()];
    await state.save(d1, [client("a", 4)], 1, []);
    const got = await heads.clients(d1, ["a"], 1);
    got.get("a")!.next = 100;
    expect(await heads.clients(d1, ["a"], 1)).toEqual(new Map([["a", client("a", 4)]]));
    expect(await heads.clients(d2, ["a"], 1)).toEqual(new Map());
    expect(reads).toEqual([["a"], ["a"]]);
  });

  it("tells every head's tail to onHead (the room's batch cache learns the log's end from it)", async () => {
    const { log, store } = counted();
    const seen: Array<LogBatch | undefined> = [];
    const heads = new ClientCachingHeads(store, (_doc, tail) => seen.push(tail));
    const doc = newDoc();
    await heads.head(doc);
    const batch = batchOf(doc, smallEntries(1, 2), 2);
    await log.append(batch);
    await heads.head(doc);
    expect(seen).toEqual([undefined, batch]);
  });

  it("forgets the least recently used documents past its bound", async () => {
    const { state, store, reads } = counted();
    const heads = new ClientCachingHeads(store, undefined, 4);
    const docs = [newDoc(), newDoc(), newDoc()];
    for (const d of docs) await state.save(d, [client("a", 2)], 1, []);
    for (const d of docs) await heads.clients(d, ["a"], 1); // 2 each: the first is dropped
    expect(heads.size.docs).toBe(2);
    await heads.clients(docs[0], ["a"], 1);
    expect(reads).toHaveLength(4);
  });
});
