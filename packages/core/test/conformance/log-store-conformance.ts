import { describe, expect, it } from "vitest";
import type { LogStore } from "../../src/ports/log-store.js";
import { batchOf, newDoc, proseEntries, smallEntries, uid, variedEntries } from "./fixtures.js";

/**
 * LogStore contract suite. `factory` may return stores sharing one backing table: every
 * test works on fresh, uniquely named documents.
 */
export function runLogStoreConformance(name: string, factory: () => Promise<LogStore>): void {
  describe(`LogStore conformance: ${name}`, () => {
    /** A store with one document holding batches [1..5], [6..6], [7..16]. */
    async function threeBatches() {
      const log = await factory();
      const doc = newDoc();
      const prefix = uid("op");
      const batches = [smallEntries(1, 5, prefix), smallEntries(6, 1, prefix), smallEntries(7, 10, prefix)].map((e) =>
        batchOf(doc, e),
      );
      for (const b of batches) expect(await log.append(b)).toBe("ok");
      return { log, doc, batches, all: batches.flatMap((b) => b.entries), prefix };
    }

    it("head of an empty document is {seq: 0, len: 0}", async () => {
      const log = await factory();
      expect(await log.head(newDoc())).toEqual({ seq: 0, len: 0 });
    });

    it("head is the last batch's seqEnd and lenAfter", async () => {
      const log = await factory();
      const doc = newDoc();
      await log.append(batchOf(doc, smallEntries(1, 3), 40));
      expect(await log.head(doc)).toEqual({ seq: 3, len: 40 });
      await log.append(batchOf(doc, smallEntries(4, 2), 7));
      expect(await log.head(doc)).toEqual({ seq: 5, len: 7 });
    });

    it("tail is the last batch, deep-equal, or undefined for an empty log", async () => {
      const log = await factory();
      const doc = newDoc();
      expect(await log.tail(doc)).toBeUndefined();
      const first = batchOf(doc, smallEntries(1, 3), 40);
      const second = batchOf(doc, variedEntries(4), 12);
      await log.append(first);
      expect(await log.tail(doc)).toEqual(first);
      await log.append(second);
      expect(await log.tail(doc)).toEqual(second);
      expect(await log.tail(newDoc(doc.tenant))).toBeUndefined();
    });

    it("keeps the room tier's deliveredLive mark (tail and batchesAfter), absent when not set", async () => {
      const log = await factory();
      const doc = newDoc();
      const plain = batchOf(doc, smallEntries(1, 2), 5);
      const live = { ...batchOf(doc, smallEntries(3, 2), 9), deliveredLive: true as const };
      await log.append(plain);
      await log.append(live);
      expect(await log.tail(doc)).toEqual(live);
      const [first, second] = await log.batchesAfter(doc, 0);
      expect(first).toEqual(plain);
      expect(first.deliveredLive).toBeUndefined();
      expect(second.deliveredLive).toBe(true);
    });

    it("append at a taken seqStart is a conflict that changes nothing", async () => {
      const log = await factory();
      const doc = newDoc();
      const first = batchOf(doc, smallEntries(1, 3), 3);
      expect(await log.append(first)).toBe("ok");
      const rival = batchOf(doc, smallEntries(1, 5, uid("rival")), 99);
      expect(await log.append(rival)).toBe("conflict");
      expect(await log.head(doc)).toEqual({ seq: 3, len: 3 });
      expect(await log.entries(doc, 0, 100)).toEqual(first.entries);
      expect(await log.batchesAfter(doc, 0)).toEqual([first]);
      expect(await log.findOp(doc, rival.entries[4].id)).toBeUndefined();
    });

    it("of 10 concurrent appends at the same seqStart exactly one is ok, and it is the one stored", async () => {
      const log = await factory();
      const doc = newDoc();
      await log.append(batchOf(doc, smallEntries(1, 2)));
      const rivals = Array.from({ length: 10 }, (_, i) => batchOf(doc, smallEntries(3, 1 + i, uid(`r${i}`))));
      const results = await Promise.all(rivals.map((b) => log.append(b)));
      expect(results.filter((r) => r === "ok")).toHaveLength(1);
      expect(results.filter((r) => r === "conflict")).toHaveLength(9);
      const winner = rivals[results.indexOf("ok")];
      expect(await log.head(doc)).toEqual({ seq: winner.seqEnd, len: winner.lenAfter });
      expect(await log.batchesAfter(doc, 2)).toEqual([winner]);
    });

    it("isolates documents, including the same docId in two tenants", async () => {
      const log = await factory();
      const a = newDoc();
      const b = { tenant: uid("t"), docId: a.docId };
      const batchA = batchOf(a, smallEntries(1, 4), 4);
      expect(await log.append(batchA)).toBe("ok");
      expect(await log.head(b)).toEqual({ seq: 0, len: 0 });
      expect(await log.entries(b, 0, 10)).toEqual([]);
      expect(await log.batchesAfter(b, 0)).toEqual([]);
      expect(await log.findOp(b, batchA.entries[0].id)).toBeUndefined();
      expect(await log.append(batchOf(b, smallEntries(1, 1), 1))).toBe("ok");
      expect(await log.head(a)).toEqual({ seq: 4, len: 4 });
      expect(await log.head(b)).toEqual({ seq: 1, len: 1 });
    });

    it("round-trips every op type, Unicode, emoji and split ranges deep-equal", async () => {
      const log = await factory();
      const doc = newDoc();
      const batch = batchOf(doc, variedEntries(1), 12);
      batch.clients = [
        { clientId: "client-1", next: 11, skipped: [[3, 4]] },
        { clientId: "client-2", next: 1 },
      ];
      await log.append(batch);
      expect(await log.entries(doc, 0, 100)).toEqual(batch.entries);
      expect(await log.batchesAfter(doc, 0)).toEqual([batch]);
    });

    it("round-trips a ~300 KB batch of 1 KiB prose entries", async () => {
      const log = await factory();
      const doc = newDoc();
      const batch = batchOf(doc, proseEntries(1, 300), 300 * 1024);
      expect(await log.append(batch)).toBe("ok");
      expect(await log.entries(doc, 0, 1000)).toEqual(batch.entries);
      expect(await log.batchesAfter(doc, 0)).toEqual([batch]);
      expect(await log.findOp(doc, batch.entries[299].id)).toEqual({ seq: 300 });
    });

    it("returns copies: mutating an appended or returned batch changes nothing stored", async () => {
      const log = await factory();
      const doc = newDoc();
      const batch = batchOf(doc, smallEntries(1, 2));
      const pristine = structuredClone(batch);
      await log.append(batch);
      batch.entries[0].userId = "mutated";
      (await log.entries(doc, 0, 10))[1].userId = "mutated";
      expect(await log.batchesAfter(doc, 0)).toEqual([pristine]);
    });

    it("entries: after = 0 returns everything across batches, ascending", async () => {
      const { log, doc, all } = await threeBatches();
      expect(await log.entries(doc, 0, 100)).toEqual(all);
    });

    it("entries: after inside a batch starts mid-batch", async () => {
      const { log, doc, all } = await threeBatches();
      expect(await log.entries(doc, 3, 100)).toEqual(all.slice(3));
      expect(await log.entries(doc, 9, 4)).toEqual(all.slice(9, 13));
    });

    it("entries: limit cuts across batch boundaries and limit 1 returns exactly the next entry", async () => {
      const { log, doc, all } = await threeBatches();
      expect(await log.entries(doc, 0, 1)).toEqual([all[0]]);
      expect(await log.entries(doc, 5, 1)).toEqual([all[5]]);
      expect(await log.entries(doc, 4, 3)).toEqual(all.slice(4, 7));
      expect(await log.entries(doc, 0, 16)).toEqual(all);
    });

    it("entries: after = head or beyond returns nothing", async () => {
      const { log, doc } = await threeBatches();
      expect(await log.entries(doc, 16, 10)).toEqual([]);
      expect(await log.entries(doc, 1000, 10)).toEqual([]);
    });

    it("batchesAfter returns every batch holding a seq > after, ascending", async () => {
      const { log, doc, batches } = await threeBatches();
      expect(await log.batchesAfter(doc, 0)).toEqual(batches);
      expect(await log.batchesAfter(doc, 3)).toEqual(batches);
      expect(await log.batchesAfter(doc, 5)).toEqual(batches.slice(1));
      expect(await log.batchesAfter(doc, 6)).toEqual(batches.slice(2));
      expect(await log.batchesAfter(doc, 15)).toEqual(batches.slice(2));
      expect(await log.batchesAfter(doc, 16)).toEqual([]);
      expect(await log.batchesAfter(doc, 99)).toEqual([]);
    });

    it("findOp: hit in any batch, miss returns undefined", async () => {
      const { log, doc, prefix } = await threeBatches();
      for (const seq of [1, 5, 6, 7, 16]) expect(await log.findOp(doc, `${prefix}-${seq}`)).toEqual({ seq });
      expect(await log.findOp(doc, `${prefix}-17`)).toBeUndefined();
      expect(await log.findOp(doc, "nope")).toBeUndefined();
    });

    it("findOp and entries work across many batches", async () => {
      const log = await factory();
      const doc = newDoc();
      const prefix = uid("op");
      const all = [];
      for (let i = 0; i < 40; i++) {
        const entries = smallEntries(i * 3 + 1, 3, prefix);
        all.push(...entries);
        expect(await log.append(batchOf(doc, entries))).toBe("ok");
      }
      for (const seq of [1, 2, 59, 60, 61, 118, 119, 120]) expect(await log.findOp(doc, `${prefix}-${seq}`)).toEqual({ seq });
      expect(await log.findOp(doc, `${prefix}-121`)).toBeUndefined();
      expect(await log.entries(doc, 0, 1000)).toEqual(all);
      expect(await log.entries(doc, 50, 40)).toEqual(all.slice(50, 90));
      expect((await log.batchesAfter(doc, 100)).map((b) => b.seqStart)).toEqual([100, 103, 106, 109, 112, 115, 118]);
    });

    it("an op id that is a prefix of another never matches it", async () => {
      const log = await factory();
      const doc = newDoc();
      const entries = smallEntries(1, 2, uid("p"));
      entries[0].id = "abc";
      entries[1].id = "abcd";
      await log.append(batchOf(doc, entries));
      expect(await log.findOp(doc, "abcd")).toEqual({ seq: 2 });
      expect(await log.findOp(doc, "ab")).toBeUndefined();
      expect(await log.findOp(doc, "bcd")).toBeUndefined();
    });
  });
}
