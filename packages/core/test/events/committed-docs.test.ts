import { describe, expect, it } from "vitest";
import {
  MAX_BATCHES_PER_ENTRY,
  MAX_INLINE_ENTRY_BYTES,
  busEntrySize,
  checkBusEntry,
  committedBatchesOf,
  committedDocsEntries,
  committedEntries,
  matches,
  validatePattern,
  type CommittedDocsDetail,
} from "../../src/events/index.js";
import { rules } from "../../../../infra/manifest.js";
import { batchOf, proseEntries, smallEntries, variedEntries } from "../conformance/fixtures.js";
import type { LogBatch } from "../../src/index.js";

const acme = (docId: string) => ({ tenant: "acme", docId });

describe("committedDocsEntries (packed weft.ops.committed)", () => {
  it("packs the batches of many documents into one entry per tenant, in order, each as the single form without the tenant", () => {
    const a = batchOf(acme("a"), smallEntries(1, 3));
    const b = batchOf({ tenant: "other", docId: "b" }, variedEntries(1));
    const c = batchOf(acme("c"), smallEntries(7, 2));
    const entries = committedDocsEntries([a, b, c]);
    expect(entries.map((e) => (e.detail as CommittedDocsDetail).tenant)).toEqual(["acme", "other"]);
    const first = entries[0].detail as CommittedDocsDetail;
    expect(first.batches).toEqual([
      { docId: "a", seqStart: 1, seqEnd: 3, committedAt: a.committedAt, ops: a.entries },
      { docId: "c", seqStart: 7, seqEnd: 8, committedAt: c.committedAt, ops: c.entries },
    ]);
    expect(entries[0]).toMatchObject({ source: "weft", detailType: "weft.ops.committed", time: Math.max(a.committedAt, c.committedAt) });
    for (const e of entries) expect(() => checkBusEntry(e, 0)).not.toThrow();
    expect(committedDocsEntries([])).toEqual([]);
    expect(committedDocsEntries([{ ...a, entries: [] }])).toEqual([]);
  });

  it("fills entries up to 64 KB each (one billing unit) and starts a new one beyond", () => {
    const batches: LogBatch[] = Array.from({ length: 60 }, (_, i) => batchOf(acme(`d${i}`), proseEntries(1, 3, 1024, i)));
    const entries = committedDocsEntries(batches);
    expect(entries.length).toBeGreaterThan(1);
    for (const e of entries) expect(busEntrySize(e)).toBeLessThanOrEqual(MAX_INLINE_ENTRY_BYTES);
    // Full: the next entry's first batch would not have fitted in the previous entry.
    for (let i = 1; i < entries.length; i++) {
      const next = (entries[i].detail as CommittedDocsDetail).batches[0];
      const prev = entries[i - 1].detail as CommittedDocsDetail;
      expect(busEntrySize({ ...entries[i - 1], detail: { ...prev, batches: [...prev.batches, next] } })).toBeGreaterThan(MAX_INLINE_ENTRY_BYTES);
    }
    const all = entries.flatMap((e) => (e.detail as CommittedDocsDetail).batches.map((b) => b.docId));
    expect(all).toEqual(batches.map((b) => b.doc.docId));
    // Far fewer events than one per document batch, for the same units of EventBridge billing or less.
    expect(entries.length).toBeLessThan(committedEntries(batches).length / 5);
  });

  it("points to the log for a batch that would not fit an entry alone, at the exact boundary", () => {
    const sized = (n: number) => batchOf(acme("big"), [{ ...smallEntries(1, 1)[0], text: "x".repeat(n) } as never]);
    const overhead = busEntrySize(committedDocsEntries([sized(0)])[0]);
    const atLimit = committedDocsEntries([sized(MAX_INLINE_ENTRY_BYTES - overhead)])[0];
    expect(busEntrySize(atLimit)).toBe(MAX_INLINE_ENTRY_BYTES);
    expect((atLimit.detail as CommittedDocsDetail).batches[0]).toHaveProperty("ops");
    const over = committedDocsEntries([sized(MAX_INLINE_ENTRY_BYTES - overhead + 1)])[0];
    expect((over.detail as CommittedDocsDetail).batches[0]).toEqual({ docId: "big", seqStart: 1, seqEnd: 1, committedAt: expect.any(Number), opsRef: { after: 0, until: 1 } });
  });

  it(`carries at most ${MAX_BATCHES_PER_ENTRY} batches per entry`, () => {
    const batches = Array.from({ length: MAX_BATCHES_PER_ENTRY + 1 }, (_, i) => batchOf(acme(`t${i}`), smallEntries(1, 1)));
    const entries = committedDocsEntries(batches);
    expect(entries.map((e) => (e.detail as CommittedDocsDetail).batches.length)).toEqual([MAX_BATCHES_PER_ENTRY, 1]);
  });

  it("is matched by every rule of the manifest", () => {
    const [entry] = committedDocsEntries([batchOf(acme("a"), smallEntries(1, 1))]);
    for (const rule of Object.values(rules)) {
      const v = validatePattern(rule.pattern);
      expect(v.ok && matches(v.pattern, { source: entry.source, "detail-type": entry.detailType, detail: entry.detail })).toBe(true);
    }
  });
});

describe("committedBatchesOf", () => {
  it("reads the packed form and the single form alike, the tenant on every batch", () => {
    const a = batchOf(acme("a"), smallEntries(1, 2));
    const c = batchOf(acme("c"), smallEntries(1, 1));
    const packed = committedDocsEntries([a, c])[0].detail;
    expect(committedBatchesOf(packed)).toEqual([
      { tenant: "acme", docId: "a", seqStart: 1, seqEnd: 2, committedAt: a.committedAt, ops: a.entries },
      { tenant: "acme", docId: "c", seqStart: 1, seqEnd: 1, committedAt: c.committedAt, ops: c.entries },
    ]);
    const single = committedEntries([a])[0].detail;
    expect(committedBatchesOf(single)).toEqual([single]);
  });

  it("refuses a bad detail with invalid_request naming each bad path", () => {
    const ok = committedDocsEntries([batchOf(acme("a"), smallEntries(1, 2))])[0].detail as CommittedDocsDetail;
    const refusal = (detail: unknown) => {
      try {
        committedBatchesOf(detail);
      } catch (err) {
        return err as { code: string; details: Array<{ path: string }> };
      }
      throw new Error("accepted");
    };
    const noBatches = refusal({ tenant: "acme", batches: [] });
    expect(noBatches.code).toBe("invalid_request");
    expect(noBatches.details.map((d) => d.path)).toEqual(["batches"]);
    const badSeq = refusal({ ...ok, batches: [ok.batches[0], { ...ok.batches[0], seqEnd: 0 }] });
    expect(badSeq.details.map((d) => d.path)).toContain("batches.1.seqEnd");
    expect(refusal({ ...ok, tenant: "bad tenant!" }).details.map((d) => d.path)).toContain("batches.0.tenant");
    expect(refusal({ ...ok, extra: 1 }).code).toBe("invalid_request");
    expect(refusal({ tenant: "acme" }).code).toBe("invalid_request");
    expect(refusal(null).code).toBe("invalid_request");
  });
});
