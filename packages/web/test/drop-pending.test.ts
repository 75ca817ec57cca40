import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { emptyState, type CanonicalOp } from "@weft/core";
import { OtEngine } from "../src/engine/ot-engine.js";

/**
 * OtEngine.dropPending (what a downgrade does to the unsent ops the new role no longer allows):
 * with inserts only, each op's characters can be told apart, so the exact outcome is known:
 * the local text is the full text without the dropped ops' characters (an insert made inside
 * a dropped insert's text lands where that text was), and the kept ops, sent in order on the
 * committed text, build exactly that text.
 */
describe("OtEngine.dropPending", () => {
  it("removes exactly the dropped inserts' characters and keeps the other ops' meaning", () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 8 }).map((s) => s.replace(/[a-z]/g, "-")),
        fc.array(fc.record({ at: fc.nat(), len: fc.integer({ min: 1, max: 3 }), drop: fc.boolean() }), { minLength: 1, maxLength: 12 }),
        (base, edits) => {
          const e = new OtEngine("c", { ...emptyState(), version: 1, text: base, spans: base ? [{ text: base }] : [] }, undefined, false);
          const dropped = new Set<string>();
          edits.forEach((x, i) => {
            const letter = String.fromCharCode(97 + i); // op i types only this letter
            e.edit({ type: "insert", pos: x.at % (e.length + 1), text: letter.repeat(x.len) });
            if (x.drop) dropped.add(letter);
          });
          const full = e.text;
          const out = e.dropPending((op) => !(op.type === "insert" && dropped.has(op.text[0])));
          const expected = [...full].filter((ch) => !dropped.has(ch)).join("");
          expect(out.map((l) => (l.op as CanonicalOp & { type: "insert" }).text[0])).toEqual([...dropped].sort());
          expect(e.text).toBe(expected);
          let replay = base;
          for (const l of e.pending) {
            const op = l.op as CanonicalOp & { type: "insert" };
            replay = [...replay].slice(0, op.pos).join("") + op.text + [...replay].slice(op.pos).join("");
          }
          expect(replay).toBe(expected);
        },
      ),
      { numRuns: 500 },
    );
  });
});
