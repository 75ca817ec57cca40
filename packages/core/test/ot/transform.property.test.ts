import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { CanonicalOp } from "../../src/ops/types.js";
import { transformSeq } from "../../src/ot/index.js";
import { ALL_KINDS, applyAll, arbIntent, arbText, build, modelOf, snapshot, TEXT_KINDS } from "./model.js";

/** Fixed seeds: failures reproduce exactly; change a seed only to explore more. */
const RUNS = { numRuns: 1500 };

const arbCase = (kinds = TEXT_KINDS) =>
  fc.record({
    doc: arbText(0, 14),
    a: fc.array(arbIntent(kinds), { minLength: 1, maxLength: 5 }),
    b: fc.array(arbIntent(kinds), { minLength: 1, maxLength: 5 }),
  });

/**
 * TP1 on text and on formatting: both orders give the same text, and every code point
 * carries the same set of format labels (which format ops touched it). Format labels are a
 * set, so this checks that format ranges map to the same characters whichever order, not
 * which value wins. applyAll also asserts that each transformed op passes checkApplicable
 * on the state it applies to and that applyText agrees with the model.
 */
function converges(doc: string, a: CanonicalOp[], b: CanonicalOp[]) {
  const s = modelOf(doc);
  const ab = applyAll(applyAll(s, a, "A"), transformSeq(b, a, "right"), "B");
  const ba = applyAll(applyAll(s, b, "B"), transformSeq(a, b, "left"), "A");
  expect(snapshot(ab)).toEqual(snapshot(ba));
}

describe("transformSeq properties", () => {
  it("TP1: concurrent insert/delete/format sequences (incl. multi-range) converge", () => {
    fc.assert(
      fc.property(arbCase(), ({ doc, a, b }) => {
        const len = Array.from(doc).length;
        converges(doc, build(a, len), build(b, len));
      }),
      { seed: 20240501, ...RUNS },
    );
  });

  it("TP1 holds for ops that were already transformed (split ranges, len-0 deletes)", () => {
    fc.assert(
      fc.property(arbCase(), fc.array(arbIntent(TEXT_KINDS), { minLength: 1, maxLength: 4 }), ({ doc, a, b }, c) => {
        const len = Array.from(doc).length;
        const cOps = build(c, len);
        // A and B were made on S concurrently with C; the log holds them rebased past C.
        const after = applyAll(modelOf(doc), cOps, "C");
        const a2 = transformSeq(build(a, len), cOps, "right");
        const b2 = transformSeq(build(b, len), cOps, "right");
        converges(snapshot(after).text, a2, b2);
      }),
      { seed: 777, ...RUNS },
    );
  });

  it("transformed ops (with comments and reactions mixed in) always fit the state they apply to", () => {
    fc.assert(
      fc.property(arbCase(ALL_KINDS), ({ doc, a, b }) => {
        const len = Array.from(doc).length;
        const aOps = build(a, len);
        const bOps = build(b, len);
        for (const side of ["left", "right"] as const) {
          // applyAll asserts checkApplicable(op, current length) === null before each op.
          applyAll(applyAll(modelOf(doc), aOps, "A"), transformSeq(bOps, aOps, side), "B");
        }
        converges(doc, aOps, bOps);
      }),
      { seed: 4242, ...RUNS },
    );
  });

  it("a transformed anchor still covers every anchored character that survived", () => {
    fc.assert(
      fc.property(arbText(1, 14), fc.nat(100), fc.nat(100), fc.array(arbIntent(TEXT_KINDS), { maxLength: 5 }), (doc, p, l, b) => {
        const len = Array.from(doc).length;
        const pos = p % (len + 1);
        const anchor = { pos, len: l % (len - pos + 1) };
        const bOps = build(b, len);
        const [moved] = transformSeq([{ type: "comment", threadId: "t", body: "x", anchor }], bOps);
        if (moved.type !== "comment" || !moved.anchor) throw new Error("anchor lost");
        // Label the anchored characters with a format op, apply B, and see where they went.
        const marked = applyAll(modelOf(doc), [{ type: "format", pos, len: anchor.len, attrs: {} }], "anchor");
        const after = applyAll(marked, bOps, "B").chars;
        const at = after.flatMap((c, i) => (c.tags.includes("anchor0") ? [i] : []));
        if (at.length > 0) {
          expect(moved.anchor.pos).toBeLessThanOrEqual(at[0]);
          expect(moved.anchor.pos + moved.anchor.len).toBeGreaterThan(at[at.length - 1]);
        }
        expect(moved.anchor.pos + moved.anchor.len).toBeLessThanOrEqual(after.length);
      }),
      { seed: 99, ...RUNS },
    );
  });
});
