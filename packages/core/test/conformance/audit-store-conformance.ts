import { describe, expect, it } from "vitest";
import { auditBatchOf, type AuditBatch, type AuditRecord } from "../../src/audit/audit-records.js";
import type { DocRef } from "../../src/doc-ref.js";
import type { LogEntry } from "../../src/ops/types.js";
import type { AuditStore } from "../../src/ports/audit-store.js";
import { newDoc, proseEntries, uid, variedEntries } from "./fixtures.js";

/** Entries seqStart.. with authors cycling through `users`. */
function entriesBy(seqStart: number, users: string[], count = users.length): LogEntry[] {
  return proseEntries(seqStart, count, 40).map((e, k) => ({ ...e, userId: users[k % users.length] }));
}

function batch(doc: DocRef, entries: LogEntry[]): AuditBatch {
  return auditBatchOf(doc, entries[0].seq, entries[entries.length - 1].seq, 1_760_000_000_000 + entries[0].seq, entries);
}

/** Every page, following `next`. */
async function pages(store: AuditStore, doc: DocRef, limit: number, userId?: string): Promise<AuditRecord[][]> {
  const out: AuditRecord[][] = [];
  let after = 0;
  for (;;) {
    const page = await store.query(doc, { after, limit, userId });
    out.push(page.records);
    if (page.next === undefined || out.length > 200) return out;
    after = page.next;
  }
}

/**
 * AuditStore contract suite. `factory` may return stores sharing one backing table: tests
 * use fresh documents and tenants.
 */
export function runAuditStoreConformance(name: string, factory: () => Promise<AuditStore>): void {
  describe(`AuditStore conformance: ${name}`, () => {
    it("an unknown document has no records and no next", async () => {
      const store = await factory();
      expect(await store.query(newDoc(), { after: 0, limit: 10 })).toEqual({ records: [] });
    });

    it("round-trips every action's record deep-equal, Unicode included", async () => {
      const store = await factory();
      const doc = newDoc();
      const b = batch(doc, variedEntries(1));
      expect(await store.put(b)).toBe("written");
      expect(await store.query(doc, { after: 0, limit: 100 })).toEqual({ records: b.records });
    });

    it("put is idempotent per seqStart: a replay, even with other records, changes nothing", async () => {
      const store = await factory();
      const doc = newDoc();
      const b = batch(doc, entriesBy(1, ["u1", "u2"], 4));
      expect(await store.put(b)).toBe("written");
      expect(await store.put(structuredClone(b))).toBe("exists");
      const altered = structuredClone(b);
      altered.records[0].summary = "changed";
      altered.records[0].userId = "mallory";
      expect(await store.put(altered)).toBe("exists");
      expect((await store.query(doc, { after: 0, limit: 100 })).records).toEqual(b.records);
    });

    it("refuses a batch whose records are not exactly seqStart..seqEnd, storing nothing", async () => {
      const store = await factory();
      const doc = newDoc();
      const b = batch(doc, entriesBy(1, ["u1"], 3));
      await expect(store.put({ ...b, seqEnd: 4 })).rejects.toThrow(/exactly one record per seq/);
      await expect(store.put({ ...b, records: [b.records[0], b.records[2], b.records[1]] })).rejects.toThrow();
      await expect(store.put({ ...b, records: [] })).rejects.toThrow();
      expect(await store.query(doc, { after: 0, limit: 10 })).toEqual({ records: [] });
    });

    it("queries by seq range across batches stored in any order, paging with next until exhausted", async () => {
      const store = await factory();
      const doc = newDoc();
      const batches = [batch(doc, entriesBy(1, ["a"], 5)), batch(doc, entriesBy(6, ["b"], 1)), batch(doc, entriesBy(7, ["a", "c"], 6))];
      for (const b of [batches[2], batches[0], batches[1]]) await store.put(b);
      const all = batches.flatMap((b) => b.records);
      expect((await store.query(doc, { after: 0, limit: 100 })).records).toEqual(all);
      for (const after of [0, 3, 5, 6, 11, 12, 99]) {
        const page = await store.query(doc, { after, limit: 4 });
        const expected = all.filter((r) => r.seq > after);
        expect(page.records).toEqual(expected.slice(0, 4));
        expect(page.next).toBe(expected.length > 4 ? expected[3].seq : undefined);
      }
      const paged = await pages(store, doc, 5);
      expect(paged.map((p) => p.length)).toEqual([5, 5, 2]);
      expect(paged.flat()).toEqual(all);
      // A page that ends exactly on the last record carries no next.
      expect(await store.query(doc, { after: 6, limit: 6 })).toEqual({ records: all.slice(6) });
    });

    it("filters by userId, with next only while more of that user's records exist", async () => {
      const store = await factory();
      const doc = newDoc();
      const users = ["ann", "bob", "ann", "ann", "cy,comma", "bob"];
      await store.put(batch(doc, entriesBy(1, users.slice(0, 2))));
      await store.put(batch(doc, entriesBy(3, users.slice(2))));
      const seqsOf = (rs: AuditRecord[]) => rs.map((r) => r.seq);
      expect(seqsOf((await store.query(doc, { after: 0, limit: 10, userId: "ann" })).records)).toEqual([1, 3, 4]);
      expect(await pages(store, doc, 1, "bob")).toEqual([
        [expect.objectContaining({ seq: 2, userId: "bob" })],
        [expect.objectContaining({ seq: 6, userId: "bob" })],
      ]);
      expect(seqsOf((await store.query(doc, { after: 0, limit: 10, userId: "cy,comma" })).records)).toEqual([5]);
      // A prefix, a part of a comma-joined list or a stranger matches nothing.
      for (const userId of ["an", "cy", "comma", "nobody"]) expect(await store.query(doc, { after: 0, limit: 10, userId })).toEqual({ records: [] });
      expect(await store.query(doc, { after: 4, limit: 1, userId: "ann" })).toEqual({ records: [] });
    });

    it("returns each seq once when stored batches overlap", async () => {
      const store = await factory();
      const doc = newDoc();
      const entries = entriesBy(1, ["u1", "u2", "u3"], 9);
      const first = batch(doc, entries.slice(0, 6));
      await store.put(first);
      await store.put(batch(doc, entries.slice(3, 9)));
      const { records } = await store.query(doc, { after: 0, limit: 100 });
      expect(records.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
      expect(records.slice(0, 6)).toEqual(first.records);
    });

    it("isolates documents and tenants with the same docId", async () => {
      const store = await factory();
      const docId = uid("d");
      const a: DocRef = { tenant: uid("t"), docId };
      const b: DocRef = { tenant: uid("t"), docId };
      const other = newDoc(a.tenant);
      await store.put(batch(a, entriesBy(1, ["alice"], 2)));
      await store.put(batch(b, entriesBy(1, ["bert"], 3)));
      expect((await store.query(a, { after: 0, limit: 10 })).records.map((r) => r.userId)).toEqual(["alice", "alice"]);
      expect((await store.query(b, { after: 0, limit: 10 })).records.map((r) => r.userId)).toEqual(["bert", "bert", "bert"]);
      expect(await store.query(other, { after: 0, limit: 10 })).toEqual({ records: [] });
    });

    it("keeps a large batch (500 records of 1 KiB inserts) in one put", async () => {
      const store = await factory();
      const doc = newDoc();
      const b = batch(doc, proseEntries(1, 500, 1024));
      expect(await store.put(b)).toBe("written");
      const paged = await pages(store, doc, 200);
      expect(paged.flat()).toEqual(b.records);
    });
  });
}
