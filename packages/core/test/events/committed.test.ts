import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  COMMITTED_DETAIL_TYPE,
  COMMITTED_SOURCE,
  MAX_BUS_ENTRY_BYTES,
  MAX_INLINE_ENTRY_BYTES,
  busEntrySize,
  checkBusEntry,
  committedEntries,
  parseCommittedDetail,
  resolveCommittedOps,
  type CommittedDetail,
} from "../../src/events/index.js";
import { matches, validatePattern } from "../../src/events/index.js";
import { MemoryLogStore } from "../../src/ports/memory/log-store.js";
import { COMMITTED_EVENT, rules } from "../../../../infra/manifest.js";
import { batchOf, newDoc, proseEntries, smallEntries, variedEntries } from "../conformance/fixtures.js";

const doc = { tenant: "acme", docId: "doc-1" };

describe("committedEntries", () => {
  it("makes one entry per batch, never one per op, with the documented detail", () => {
    const a = batchOf(doc, smallEntries(1, 40));
    const b = batchOf({ tenant: "acme", docId: "doc-2" }, variedEntries(1));
    const entries = committedEntries([a, b]);
    expect(entries).toHaveLength(2);
    expect(entries[0]).toEqual({
      source: "weft",
      detailType: "weft.ops.committed",
      time: a.committedAt,
      detail: { tenant: "acme", docId: "doc-1", seqStart: 1, seqEnd: 40, committedAt: a.committedAt, ops: a.entries },
    });
    expect((entries[1].detail as CommittedDetail & { ops: unknown[] }).ops).toEqual(b.entries);
    for (const e of entries) expect(() => checkBusEntry(e, 0)).not.toThrow();
  });

  it("uses the manifest's source and detail type, which the manifest's rules match", () => {
    expect({ source: COMMITTED_SOURCE, detailType: COMMITTED_DETAIL_TYPE }).toEqual(COMMITTED_EVENT);
    const [entry] = committedEntries([batchOf(doc, smallEntries(1, 1))]);
    const event = { source: entry.source, "detail-type": entry.detailType, detail: entry.detail };
    for (const rule of Object.values(rules)) {
      const v = validatePattern(rule.pattern);
      expect(v.ok && matches(v.pattern, event)).toBe(true);
    }
  });

  it("keeps ops inline up to 64 KB per entry and points to the log above, at the exact boundary", () => {
    // Grow one insert's text byte by byte around the boundary: the switch happens exactly at 64 KB + 1.
    const sized = (n: number) => committedEntries([batchOf(doc, [{ ...smallEntries(1, 1)[0], text: "x".repeat(n) } as never])])[0];
    const overhead = busEntrySize(sized(0));
    const atLimit = sized(MAX_INLINE_ENTRY_BYTES - overhead);
    expect(busEntrySize(atLimit)).toBe(MAX_INLINE_ENTRY_BYTES);
    expect(atLimit.detail).toHaveProperty("ops");
    const over = sized(MAX_INLINE_ENTRY_BYTES - overhead + 1);
    expect(over.detail).toEqual({ tenant: "acme", docId: "doc-1", seqStart: 1, seqEnd: 1, committedAt: expect.any(Number), opsRef: { after: 0, until: 1 } });
    expect(busEntrySize(over)).toBeLessThan(300);
  });

  it("counts UTF-8 bytes, not characters, toward the threshold", () => {
    // 20,000 emoji are 20,000 * 2 UTF-16 units but 80,000 UTF-8 bytes: over 64 KB.
    const entry = committedEntries([batchOf(doc, [{ ...smallEntries(1, 1)[0], text: "👋".repeat(20_000) } as never])])[0];
    expect(entry.detail).toHaveProperty("opsRef");
  });

  it("skips batches without entries", () => {
    expect(committedEntries([{ ...batchOf(doc, smallEntries(1, 1)), entries: [] }])).toEqual([]);
  });

  it("property: every entry is valid, within 64 KB, one per batch, and its ops are the batch's or a pointer to exactly them", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 1, max: 60 }), fc.integer({ min: 1, max: 3000 }), fc.integer({ min: 1, max: 500 })), { minLength: 1, maxLength: 6 }), (specs) => {
        const batches = specs.map(([count, bytes, seqStart], i) => batchOf({ tenant: "t1", docId: `d${i}` }, proseEntries(seqStart, count, bytes, i)));
        const entries = committedEntries(batches);
        expect(entries).toHaveLength(batches.length);
        entries.forEach((entry, i) => {
          const detail = parseCommittedDetail(entry.detail);
          expect(busEntrySize(entry)).toBeLessThanOrEqual(MAX_INLINE_ENTRY_BYTES);
          expect(busEntrySize(entry)).toBeLessThanOrEqual(MAX_BUS_ENTRY_BYTES);
          expect([detail.seqStart, detail.seqEnd, detail.docId]).toEqual([batches[i].seqStart, batches[i].seqEnd, `d${i}`]);
          const inlineSize = busEntrySize({ ...entry, detail: { ...detail, ops: batches[i].entries, opsRef: undefined } });
          if ("ops" in detail) expect(detail.ops).toEqual(batches[i].entries);
          else expect(inlineSize).toBeGreaterThan(MAX_INLINE_ENTRY_BYTES);
        });
      }),
      { numRuns: 60 },
    );
  });
});

describe("parseCommittedDetail", () => {
  const good = committedEntries([batchOf(doc, smallEntries(5, 3))])[0].detail as Record<string, unknown>;

  it("accepts what committedEntries makes, inline or pointer", () => {
    expect(parseCommittedDetail(good)).toEqual(good);
    const pointer = { ...good, ops: undefined, opsRef: { after: 4, until: 7 } };
    delete pointer.ops;
    expect(parseCommittedDetail(pointer)).toEqual(pointer);
  });

  it.each([
    ["a detail that is not an object", "nope", ""],
    ["a bad tenant", { ...good, tenant: "a#b" }, "tenant"],
    ["seqEnd below seqStart", { ...good, seqStart: 9, seqEnd: 8, ops: [] }, ""],
    ["ops that are not the seq range", { ...good, ops: (good.ops as unknown[]).slice(1) }, "ops"],
    ["ops and opsRef together", { ...good, opsRef: { after: 4, until: 7 } }, ""],
    ["a pointer to another range", (() => { const { ops, ...rest } = good; void ops; return { ...rest, opsRef: { after: 3, until: 7 } }; })(), "opsRef"],
    ["an unknown field", { ...good, extra: 1 }, ""],
  ])("refuses %s with invalid_request naming the path", (_what, detail, path) => {
    try {
      parseCommittedDetail(detail);
      expect.unreachable();
    } catch (err) {
      expect(err).toMatchObject({ code: "invalid_request" });
      if (path) expect((err as { details: Array<{ path: string }> }).details.map((d) => d.path).join(" ")).toContain(path);
    }
  });
});

describe("resolveCommittedOps", () => {
  it("returns inline ops as they are, and reads a pointed range from the log (across pages)", async () => {
    const log = new MemoryLogStore();
    const d = newDoc();
    const first = batchOf(d, proseEntries(1, 5, 100));
    const big = batchOf(d, proseEntries(6, 1500, 200));
    await log.append(first);
    await log.append(big);
    const [inline, pointer] = committedEntries([first, big]).map((e) => parseCommittedDetail(e.detail));
    expect("ops" in inline).toBe(true);
    expect("opsRef" in pointer).toBe(true);
    expect(await resolveCommittedOps(inline, log)).toEqual(first.entries);
    expect(await resolveCommittedOps(pointer, log)).toEqual(big.entries);
  });

  it("fails with internal when the log does not hold the range", async () => {
    const d = newDoc();
    const detail = parseCommittedDetail({ tenant: d.tenant, docId: d.docId, seqStart: 1, seqEnd: 3, committedAt: 1, opsRef: { after: 0, until: 3 } });
    await expect(resolveCommittedOps(detail, new MemoryLogStore())).rejects.toMatchObject({ code: "internal" });
  });
});
