import { describe, expect, test } from "vitest";
import { auditRecordOf, type AuditRecord } from "../../src/audit/audit-records.js";
import { AUDIT_SCAN_ENTRIES, auditPage, type AuditQuery } from "../../src/audit/audit-trail.js";
import type { DocRef } from "../../src/doc-ref.js";
import type { LogEntry } from "../../src/ops/types.js";
import { MemoryLogStore } from "../../src/ports/memory/log-store.js";
import type { LogStore } from "../../src/ports/log-store.js";
import { batchOf, newDoc, smallEntries, uid, variedEntries } from "../conformance/fixtures.js";

/** A log of `authors.length` small entries (seq k+1 by authors[k]), cut into batches of `per`. */
async function logOf(doc: DocRef, authors: string[], per = 50, log = new MemoryLogStore()): Promise<{ log: MemoryLogStore; entries: LogEntry[] }> {
  const entries = smallEntries(1, authors.length).map((e, k) => ({ ...e, userId: authors[k] }));
  for (let i = 0; i < entries.length; i += per) expect(await log.append(batchOf(doc, entries.slice(i, i + per)))).toBe("ok");
  return { log, entries };
}

/** The log with a count of the entries each call read. */
function counted(log: LogStore): { log: Pick<LogStore, "entries">; read: () => number } {
  let read = 0;
  const entries: LogStore["entries"] = async (doc, after, limit) => {
    const es = await log.entries(doc, after, limit);
    read += es.length;
    return es;
  };
  const taken = () => {
    const n = read;
    read = 0;
    return n;
  };
  return { log: { entries }, read: taken };
}

/** Every page from `after` 0, following `next`. */
async function pages(log: Pick<LogStore, "entries">, doc: DocRef, q: Omit<AuditQuery, "after">): Promise<Array<{ records: AuditRecord[]; next?: number }>> {
  const out = [];
  let after = 0;
  for (;;) {
    const page = await auditPage(log, doc, { ...q, after });
    out.push(page);
    if (page.next === undefined || out.length > 500) return out;
    expect(page.next).toBeGreaterThan(after);
    after = page.next;
  }
}

describe("auditPage: the records derived from the log", () => {
  test("a document with no log, or of another tenant, has no records and no next", async () => {
    const doc = newDoc();
    const { log } = await logOf(doc, ["ann", "bob"]);
    expect(await auditPage(log, newDoc(), { after: 0, limit: 10 })).toEqual({ records: [] });
    expect(await auditPage(log, { tenant: uid("t"), docId: doc.docId }, { after: 0, limit: 10 })).toEqual({ records: [] });
    expect(await auditPage(log, { tenant: uid("t"), docId: doc.docId }, { after: 0, limit: 10, userId: "ann" })).toEqual({ records: [] });
  });

  test("every record is auditRecordOf its entry, override included, in seq order across batches", async () => {
    const doc = newDoc();
    const log = new MemoryLogStore();
    const entries = [...variedEntries(1), ...variedEntries(11).map((e) => ({ ...e, userId: "root", override: true as const }))];
    await log.append(batchOf(doc, entries.slice(0, 4)));
    await log.append(batchOf(doc, entries.slice(4)));
    const { records } = await auditPage(log, doc, { after: 0, limit: 100 });
    expect(records).toEqual(entries.map(auditRecordOf));
    expect(records[10].override).toBe(true);
    expect("override" in records[0]).toBe(false);
  });

  test("pages by after and limit, with next exactly while more records exist", async () => {
    const doc = newDoc();
    const { log, entries } = await logOf(doc, Array.from({ length: 12 }, (_, k) => `u${k % 3}`), 5);
    const all = entries.map(auditRecordOf);
    for (const after of [0, 3, 5, 6, 11, 12, 99]) {
      const page = await auditPage(log, doc, { after, limit: 4 });
      const expected = all.filter((r) => r.seq > after);
      expect(page.records).toEqual(expected.slice(0, 4));
      expect(page.next).toBe(expected.length > 4 ? expected[3].seq : undefined);
    }
    expect((await pages(log, doc, { limit: 5 })).map((p) => p.records.length)).toEqual([5, 5, 2]);
    // A page that ends exactly on the last record carries no next.
    expect(await auditPage(log, doc, { after: 6, limit: 6 })).toEqual({ records: all.slice(6) });
  });

  test("filters by userId: whole ids only, next while more of that user's records exist", async () => {
    const doc = newDoc();
    const { log } = await logOf(doc, ["ann", "bob", "ann", "ann", "cy,comma", "bob"], 2);
    const seqs = async (q: AuditQuery) => (await auditPage(log, doc, q)).records.map((r) => r.seq);
    expect(await seqs({ after: 0, limit: 10, userId: "ann" })).toEqual([1, 3, 4]);
    expect(await seqs({ after: 0, limit: 10, userId: "cy,comma" })).toEqual([5]);
    expect((await pages(log, doc, { limit: 1, userId: "bob" })).map((p) => [p.records.map((r) => r.seq), p.next])).toEqual([
      [[2], 2],
      [[6], undefined],
    ]);
    for (const userId of ["an", "cy", "comma", "nobody"]) expect(await auditPage(log, doc, { after: 0, limit: 10, userId })).toEqual({ records: [] });
    expect(await auditPage(log, doc, { after: 4, limit: 1, userId: "ann" })).toEqual({ records: [] });
  });

  test("a rare user over a long log: each page reads at most AUDIT_SCAN_ENTRIES entries, next moves past what was read, nothing is missed", async () => {
    const doc = newDoc();
    const n = 2 * AUDIT_SCAN_ENTRIES + 1000;
    const rare = new Set([7, AUDIT_SCAN_ENTRIES + 500, AUDIT_SCAN_ENTRIES + 501, n - 1]);
    const { log, entries } = await logOf(doc, Array.from({ length: n }, (_, k) => (rare.has(k + 1) ? "rare" : `busy${k % 7}`)), 64);
    const c = counted(log);

    // limit 1: after seq 7, no second match within the bound, so next is the last seq read.
    const first = await auditPage(c.log, doc, { after: 0, limit: 1, userId: "rare" });
    expect(first).toEqual({ records: [auditRecordOf(entries[6])], next: AUDIT_SCAN_ENTRIES });
    expect(c.read()).toBeLessThanOrEqual(AUDIT_SCAN_ENTRIES + 1);
    // A page of the log with no match: no records, next past the scanned entries; the page after it finds the last.
    const empty = await auditPage(c.log, doc, { after: AUDIT_SCAN_ENTRIES + 501, limit: 10, userId: "rare" });
    expect(empty).toEqual({ records: [], next: 2 * AUDIT_SCAN_ENTRIES + 501 });
    expect(c.read()).toBeLessThanOrEqual(AUDIT_SCAN_ENTRIES + 1);
    expect(await auditPage(c.log, doc, { after: empty.next!, limit: 10, userId: "rare" })).toEqual({ records: [auditRecordOf(entries[n - 2])] });
    c.read();
    // Two matches close together: the second is the (limit+1)-th, so next is the first's seq.
    expect(await auditPage(c.log, doc, { after: AUDIT_SCAN_ENTRIES, limit: 1, userId: "rare" })).toEqual({
      records: [auditRecordOf(entries[AUDIT_SCAN_ENTRIES + 499])],
      next: AUDIT_SCAN_ENTRIES + 500,
    });
    expect(c.read()).toBeLessThan(AUDIT_SCAN_ENTRIES);

    // Following next from 0 finds exactly the user's records, for any limit, in bounded pages.
    const expected = entries.filter((e) => e.userId === "rare").map(auditRecordOf);
    for (const limit of [1, 2, 3, 1000]) {
      const paged = await pages(c.log, doc, { limit, userId: "rare" });
      expect(paged.flatMap((p) => p.records)).toEqual(expected);
      expect(paged.every((p) => p.records.length <= limit)).toBe(true);
      expect(c.read()).toBeLessThanOrEqual(paged.length * (AUDIT_SCAN_ENTRIES + 1));
      expect(paged.at(-1)!.next).toBeUndefined();
    }
    // Without the filter, a page reads limit + 1 entries.
    expect((await auditPage(c.log, doc, { after: 0, limit: 1000 })).next).toBe(1000);
    expect(c.read()).toBe(1001);
  });

  test("a page that reads exactly up to the head at the bound has no next; a dense user's page stops early", async () => {
    const doc = newDoc();
    const { log } = await logOf(doc, Array.from({ length: AUDIT_SCAN_ENTRIES }, (_, k) => (k < 30 ? "dense" : "other")), 100);
    const c = counted(log);
    expect(await auditPage(c.log, doc, { after: 0, limit: 40, userId: "dense" })).toEqual({
      records: expect.objectContaining({ length: 30 }),
    });
    expect(await auditPage(c.log, doc, { after: 0, limit: 10, userId: "nobody" })).toEqual({ records: [] });
    c.read();
    const dense = await auditPage(c.log, doc, { after: 0, limit: 10, userId: "dense" });
    expect([dense.records.length, dense.next]).toEqual([10, 10]);
    expect(c.read()).toBe(11);
  });
});
