import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { encodeState, hasLoneSurrogate, joinChunks, materialize, snapshotChunks } from "../../src/index.js";

const bytes = (s: string) => Buffer.byteLength(s, "utf8");

describe("snapshot chunks", () => {
  it("round-trips a 2+ MiB state in chunks of at most 300 KB, multi-byte characters intact", () => {
    const unit = "héllo wörld 🌍 日本語 𝄞 ";
    const text = unit.repeat(Math.ceil((2.2 * 1024 * 1024) / bytes(unit)));
    const entries = [];
    for (let i = 0, pos = 0; i < text.length; i += 16_000) {
      let end = Math.min(text.length, i + 16_000);
      if (/[\uD800-\uDBFF]/.test(text[end - 1] ?? "")) end++;
      const piece = text.slice(i, end);
      i = end - 16_000;
      entries.push({ seq: entries.length + 1, id: `o${entries.length + 1}`, clientId: "c", clientSeq: entries.length + 1, userId: "u", serverTs: 1, type: "insert" as const, pos, text: piece });
      pos += Array.from(piece).length;
    }
    const encoded = encodeState(materialize(entries));
    expect(bytes(encoded)).toBeGreaterThan(2 * 1024 * 1024);
    const chunks = snapshotChunks(encoded);
    expect(chunks.length).toBeGreaterThanOrEqual(8);
    for (const c of chunks) {
      expect(bytes(c)).toBeLessThanOrEqual(300_000);
      expect(hasLoneSurrogate(c)).toBe(false);
    }
    // Each chunk survives a UTF-8 round trip on its own (as separate items would).
    const viaBytes = chunks.map((c) => Buffer.from(c, "utf8").toString("utf8"));
    expect(joinChunks(viaBytes)).toBe(encoded);
  });

  it("property: pieces are full, within the limit, on code point boundaries, and join back", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 200 }), fc.integer({ min: 4, max: 40 }), (s, max) => {
        const chunks = snapshotChunks(s, max);
        expect(joinChunks(chunks)).toBe(s);
        chunks.forEach((c, i) => {
          expect(bytes(c)).toBeLessThanOrEqual(max);
          if (i < chunks.length - 1) expect(bytes(c)).toBeGreaterThan(max - 4);
          expect(/^[\uDC00-\uDFFF]/.test(c)).toBe(false);
        });
      }),
      { seed: 99, numRuns: 1000 },
    );
  });

  it("edge cases", () => {
    expect(snapshotChunks("")).toEqual([""]);
    expect(snapshotChunks("😀😀", 4)).toEqual(["😀", "😀"]);
    expect(snapshotChunks("a😀", 4)).toEqual(["a", "😀"]);
    expect(() => snapshotChunks("x", 3)).toThrow(RangeError);
  });
});
