import { describe, expect, it } from "vitest";
import type { LogEntry } from "../../src/ops/types.js";
import { applyEntries, materialize } from "../../src/index.js";

/**
 * Applying small batches to a 2+ MiB document is meant not to cost O(document) per call (no
 * whole-text string is built unless `text`/`spans` are read). This test checks the result and
 * prints the time per call; it asserts no speed, since this host's speed varies several-fold.
 */
describe("large documents", () => {
  it("single-entry applyEntries calls on a 2.2 MiB document keep text and spans consistent", () => {
    const piece = "lorem ipsum dolor sit amet 🌍 ".repeat(500); // ~15k code units
    const entries: LogEntry[] = [];
    let len = 0;
    while (len < 2.2 * 2 ** 20) {
      const n = entries.length + 1;
      entries.push({ seq: n, id: `o${n}`, clientId: "c", clientSeq: n, userId: "u", serverTs: n, type: "insert", pos: len, text: piece });
      len += Array.from(piece).length;
    }
    let s = materialize(entries);
    const calls = 3000;
    const t0 = performance.now();
    for (let i = 0; i < calls; i++) {
      const seq = s.version + 1;
      const pos = (i * 7919) % (len - 10);
      const env = { seq, id: `e${seq}`, clientId: "c", clientSeq: seq, userId: "u", serverTs: seq };
      const entry: LogEntry =
        i % 3 === 0 ? { ...env, type: "insert", pos, text: "x" }
        : i % 3 === 1 ? { ...env, type: "delete", pos, len: 1 }
        : { ...env, type: "format", pos, len: 5, attrs: { bold: true } };
      s = applyEntries(s, [entry]);
    }
    const ms = performance.now() - t0;
    console.log(`2.2 MiB document: ${calls} single-entry applyEntries calls in ${ms.toFixed(0)} ms (${((ms / calls) * 1000).toFixed(0)} µs per call)`);
    // Speed is the materialize bench's to judge (`npm run bench -- materialize`); the figure is printed here only.
    expect(s.spans.length).toBeGreaterThan(100);
    expect(s.spans.map((x) => x.text).join("")).toBe(s.text);
  });
});
