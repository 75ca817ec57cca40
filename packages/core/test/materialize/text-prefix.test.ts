import { describe, expect, test } from "vitest";
import { applyEntries, emptyState, textPrefix } from "../../src/materialize/state.js";

const env = (seq: number) => ({ seq, id: `o${seq}`, clientId: "c", clientSeq: seq, userId: "u", serverTs: seq });

describe("textPrefix", () => {
  test("equals text.slice over many chunks, for short and astral texts, without the whole text", () => {
    let state = emptyState();
    const parts = ["Roadmap 🚀\n", "x".repeat(5000), "tail"];
    let seq = 0;
    let pos = 0;
    for (const text of parts) {
      state = applyEntries(state, [{ ...env(++seq), type: "insert", pos, text }]);
      pos += Array.from(text).length;
    }
    for (const n of [0, 1, 9, 10, 240, 4096, 10_000]) expect(textPrefix(state, n)).toBe(state.text.slice(0, n));
    expect(textPrefix(emptyState(), 10)).toBe("");
  });
});
