import { describe, expect, it } from "vitest";
import type { AccessEvent } from "../../src/audit/access-events.js";
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

const T0 = 1_760_000_000_000;

/** One event of each kind, at T0 + dt, with the given id suffix and user. */
function events(dt: number, n: string, userId = "ann"): AccessEvent[] {
  const at = T0 + dt;
  return [
    {
      id: `rejected.c-${n}.op-${n}`,
      at,
      userId,
      kind: "rejected",
      reason: "forbidden",
      opId: `op-${n}`,
      clientId: `c-${n}`,
      ops: 2,
      message: `op op-${n}: insert needs the editor role; ${userId} has the viewer role, it needs editor`,
    },
    {
      id: `refused.${n}`,
      at,
      userId,
      kind: "refused",
      action: "submit ops",
      reason: "role too low, needs editor",
      opId: `o-${n}`,
      message: "op o: insert needs the editor role; you have the viewer role",
    },
    { id: `override.${n}`, at, userId, kind: "override", action: "read log" },
  ];
}

/** Every access event page, following `next`. */
async function accessPages(store: AuditStore, doc: DocRef, limit: number, q: { since?: number; userId?: string } = {}): Promise<AccessEvent[][]> {
  const out: AccessEvent[][] = [];
  let after: { at: number; id: string } | undefined;
  for (;;) {
    const page = await store.accessEvents(doc, { ...q, after, limit });
    out.push(page.events);
    if (page.next === undefined || out.length > 200) return out;
    after = page.next;
  }
}

/** Sorted by (at, id), as accessEvents answers. */
function ordered(es: AccessEvent[]): AccessEvent[] {
  return [...es].sort((a, b) => a.at - b.at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
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

    it("round-trips a record with override: true", async () => {
      const store = await factory();
      const doc = newDoc();
      const entries = entriesBy(1, ["root"], 2).map((e, k) => (k === 1 ? { ...e, override: true as const } : e));
      const b = batch(doc, entries);
      expect(b.records[1].override).toBe(true);
      expect("override" in b.records[0]).toBe(false);
      await store.put(b);
      expect((await store.query(doc, { after: 0, limit: 10 })).records).toEqual(b.records);
    });

    it("access events: an unknown document has none; every kind round-trips deep-equal in (at, id) order", async () => {
      const store = await factory();
      const doc = newDoc();
      expect(await store.accessEvents(doc, { limit: 10 })).toEqual({ events: [] });
      const later = events(5, "b", "bob");
      const earlier = events(0, "a");
      await store.putAccessEvents(doc, later);
      await store.putAccessEvents(doc, earlier);
      await store.putAccessEvents(doc, []);
      expect(await store.accessEvents(doc, { limit: 100 })).toEqual({ events: ordered([...earlier, ...later]) });
    });

    it("access events and records never mix: each query returns only its own kind", async () => {
      const store = await factory();
      const doc = newDoc();
      const b = batch(doc, entriesBy(1, ["ann"], 3));
      await store.put(b);
      await store.putAccessEvents(doc, events(0, "a"));
      expect(await store.query(doc, { after: 0, limit: 100 })).toEqual({ records: b.records });
      expect((await store.accessEvents(doc, { limit: 100 })).events).toEqual(ordered(events(0, "a")));
      expect(await store.query(doc, { after: 3, limit: 100 })).toEqual({ records: [] });
    });

    it("putAccessEvents is idempotent per (at, id): a retried write, even with other fields, adds nothing", async () => {
      const store = await factory();
      const doc = newDoc();
      const first = events(0, "a");
      await store.putAccessEvents(doc, first);
      await store.putAccessEvents(doc, structuredClone(first));
      const altered = structuredClone(first).map((e) => ({ ...e, userId: "mallory" }));
      await store.putAccessEvents(doc, altered);
      // The same id at another time is another event.
      const moved = { ...first[2], at: first[2].at + 1 };
      await store.putAccessEvents(doc, [moved]);
      expect((await store.accessEvents(doc, { limit: 100 })).events).toEqual(ordered([...first, moved]));
    });

    it("refuses events with a bad id or time, storing nothing of the call", async () => {
      const store = await factory();
      const doc = newDoc();
      const good = events(0, "a");
      for (const bad of [{ ...good[2], id: "has space" }, { ...good[2], id: "" }, { ...good[2], id: "x#y" }, { ...good[2], at: -1 }, { ...good[2], at: 1.5 }]) {
        await expect(store.putAccessEvents(doc, [...good, bad])).rejects.toThrow(/access event/);
      }
      expect(await store.accessEvents(doc, { limit: 10 })).toEqual({ events: [] });
    });

    it("pages access events by since, after and limit, with next only while more exist", async () => {
      const store = await factory();
      const doc = newDoc();
      // 4 instants x 3 kinds; ids at one instant order as strings.
      const all = ordered([...events(30, "d"), ...events(10, "b"), ...events(0, "a"), ...events(20, "c")]);
      await store.putAccessEvents(doc, all.slice(6));
      await store.putAccessEvents(doc, all.slice(0, 6));
      const paged = await accessPages(store, doc, 5);
      expect(paged.map((p) => p.length)).toEqual([5, 5, 2]);
      expect(paged.flat()).toEqual(all);
      for (const since of [0, T0, T0 + 10, T0 + 11, T0 + 30, T0 + 31]) {
        const expected = all.filter((e) => e.at >= since);
        const page = await store.accessEvents(doc, { since, limit: 4 });
        expect(page.events).toEqual(expected.slice(0, 4));
        expect(page.next).toEqual(expected.length > 4 ? { at: expected[3].at, id: expected[3].id } : undefined);
        expect((await accessPages(store, doc, 2, { since })).flat()).toEqual(expected);
      }
      // after wins over an earlier since; since wins over an earlier after; a page ending on the last event has no next.
      expect((await store.accessEvents(doc, { since: 0, after: { at: all[7].at, id: all[7].id }, limit: 100 })).events).toEqual(all.slice(8));
      expect((await store.accessEvents(doc, { since: T0 + 30, after: { at: all[1].at, id: all[1].id }, limit: 100 })).events).toEqual(all.slice(9));
      expect(await store.accessEvents(doc, { after: { at: all[8].at, id: all[8].id }, limit: 3 })).toEqual({ events: all.slice(9) });
      // A cursor that names no stored event still orders ("override.b" < "q.none" < "refused.b").
      const between = await store.accessEvents(doc, { after: { at: T0 + 10, id: "q.none" }, limit: 100 });
      expect(between.events).toEqual(all.filter((e) => e.at > T0 + 10 || (e.at === T0 + 10 && e.id > "q.none")));
      expect(between.events[0].id).toBe("refused.b");
    });

    it("filters access events by userId, paging only that user's", async () => {
      const store = await factory();
      const doc = newDoc();
      await store.putAccessEvents(doc, [...events(0, "a", "ann"), ...events(1, "b", "bob"), ...events(2, "c", "ann"), ...events(3, "d", "an")]);
      const anns = await accessPages(store, doc, 2, { userId: "ann" });
      expect(anns.map((p) => p.length)).toEqual([2, 2, 2]);
      expect(anns.flat().every((e) => e.userId === "ann")).toBe(true);
      expect(await store.accessEvents(doc, { limit: 10, userId: "nobody" })).toEqual({ events: [] });
      expect((await store.accessEvents(doc, { limit: 10, userId: "bob" })).events).toEqual(ordered(events(1, "b", "bob")));
    });

    it("isolates access events by document and tenant", async () => {
      const store = await factory();
      const docId = uid("d");
      const a: DocRef = { tenant: uid("t"), docId };
      const b: DocRef = { tenant: uid("t"), docId };
      await store.putAccessEvents(a, events(0, "a", "alice"));
      await store.putAccessEvents(b, events(0, "a", "bert"));
      expect((await store.accessEvents(a, { limit: 10 })).events.map((e) => e.userId)).toEqual(["alice", "alice", "alice"]);
      expect((await store.accessEvents(b, { limit: 10 })).events.map((e) => e.userId)).toEqual(["bert", "bert", "bert"]);
      expect(await store.accessEvents(newDoc(a.tenant), { limit: 10 })).toEqual({ events: [] });
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
