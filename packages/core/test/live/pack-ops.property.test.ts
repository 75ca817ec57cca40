import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MAX_OP_BYTES } from "../../src/limits.js";
import { MAX_MESSAGE_BYTES, OPS_MESSAGE_TARGET_BYTES } from "../../src/live/limits.js";
import { OPS_PACK_LIMITS, packOps } from "../../src/live/pack-ops.js";
import type { LogEntry } from "../../src/ops/types.js";
import { proseEntries, variedEntries } from "../conformance/fixtures.js";

const bytes = (s: string) => Buffer.byteLength(s, "utf8");

/** Insert entries whose texts have the given lengths (mixed 1-4 byte characters). */
const entriesArb = fc
  .array(
    fc.record({
      len: fc.oneof(fc.integer({ min: 0, max: 200 }), fc.integer({ min: 1000, max: 5000 })),
      ch: fc.constantFrom("a", "é", "世", "👋", '"', "\n"),
    }),
    { maxLength: 120 },
  )
  .map((specs) =>
    specs.map(
      (s, k): LogEntry => ({
        seq: k + 1,
        id: `op-${k}`,
        clientId: "c",
        clientSeq: k + 1,
        userId: "u",
        serverTs: 1_760_000_000_000,
        type: "insert",
        pos: 0,
        text: s.ch.repeat(s.len),
      }),
    ),
  );

function insertEntry(seq: number, text: string): LogEntry {
  return { seq, id: `op-${seq}`, clientId: "c", clientSeq: seq, userId: "u", serverTs: 1_760_000_000_000, type: "insert", pos: 0, text };
}

function check(docId: string, entries: LogEntry[], limits = OPS_PACK_LIMITS): string[] {
  const messages = packOps(docId, entries, limits);
  const decoded = messages.map((m) => JSON.parse(m));
  // Every entry, once, in order, exactly as given.
  expect(decoded.flatMap((m) => m.ops)).toEqual(entries);
  for (const [i, m] of decoded.entries()) {
    expect(Object.keys(m)).toEqual(["type", "docId", "ops"]);
    expect(m.type).toBe("ops");
    expect(m.docId).toBe(docId);
    expect(m.ops.length).toBeGreaterThan(0);
    const size = bytes(messages[i]);
    expect(size).toBeLessThanOrEqual(limits.max);
    // Over the target only when one entry alone does not fit.
    if (size > limits.target) expect(m.ops).toHaveLength(1);
    // Greedy: the next message's first entry would not have fitted in this one.
    if (i + 1 < decoded.length) {
      expect(size + 1 + bytes(JSON.stringify(decoded[i + 1].ops[0]))).toBeGreaterThan(limits.target);
    }
  }
  return messages;
}

describe("packOps", () => {
  it("packs in order, within the target where possible, never over the max, greedily (random entries)", () => {
    fc.assert(fc.property(fc.constantFrom("d", "doc.ünïcode-ok"), entriesArb, (docId, entries) => void check(docId, entries)), {
      numRuns: 200,
    });
  });

  it("same with small limits, so that single entries exceed the target", () => {
    fc.assert(fc.property(entriesArb, (entries) => void check("d", entries, { target: 2000, max: 30_000 })), { numRuns: 200 });
  });

  it("the limits are API Gateway's: 32 KB frames, 128 KB messages", () => {
    expect(OPS_PACK_LIMITS).toEqual({ target: OPS_MESSAGE_TARGET_BYTES, max: MAX_MESSAGE_BYTES });
    expect([OPS_MESSAGE_TARGET_BYTES, MAX_MESSAGE_BYTES]).toEqual([32768, 131072]);
  });

  it("1 KiB prose ops: about 30 per message; every op type round-trips", () => {
    const prose = proseEntries(1, 100);
    const messages = check("d", prose);
    expect(messages.length).toBe(4);
    check("d", variedEntries(1));
  });

  it("a largest allowed op fits one message under the target; a small one joins it", () => {
    const big = (seq: number) => insertEntry(seq, "x".repeat(MAX_OP_BYTES - 60));
    const messages = check("d", [big(1), big(2), insertEntry(3, "y".repeat(100))]);
    expect(messages.map((m) => JSON.parse(m).ops.length)).toEqual([1, 2]);
    for (const m of messages) expect(bytes(m)).toBeLessThanOrEqual(OPS_MESSAGE_TARGET_BYTES);
  });

  it("no entries, no messages; an entry over the max throws", () => {
    expect(packOps("d", [])).toEqual([]);
    expect(() => packOps("d", [insertEntry(1, "x".repeat(MAX_MESSAGE_BYTES))])).toThrow(RangeError);
  });
});
