import fc from "fast-check";
import * as otText from "ot-text-unicode";
import type { TextOp } from "ot-text-unicode";
import { describe, expect, test } from "vitest";
import { codePointLength } from "../../src/ops/code-points.js";
import { transformLen, type LenOp } from "../../src/ot/len-op.js";

/** A normalized ot-text-unicode op over a document of `docLen` code points. */
const textOp = (docLen: number): fc.Arbitrary<TextOp> =>
  fc
    .array(
      fc.oneof(
        fc.record({ k: fc.constant("skip" as const), n: fc.integer({ min: 1, max: 4 }) }),
        fc.record({ k: fc.constant("ins" as const), s: fc.constantFrom("a", "bc", "🌍", "xyz", "é👍") }),
        fc.record({ k: fc.constant("del" as const), n: fc.integer({ min: 1, max: 4 }) }),
      ),
      { maxLength: 8 },
    )
    .map((parts) => {
      const op: TextOp = [];
      let left = docLen;
      for (const p of parts) {
        if (p.k === "ins") op.push(p.s);
        else {
          const n = Math.min(p.n, left);
          if (n === 0) continue;
          left -= n;
          op.push(p.k === "skip" ? n : { d: n });
        }
      }
      return otText.type.normalize(op) as TextOp;
    });

const lengths = (op: TextOp): LenOp =>
  op.map((c) => (typeof c === "number" ? c : typeof c === "string" ? { i: codePointLength(c) } : { d: c.d as number }));

describe("transformLen is ot-text-unicode's transform, on lengths", () => {
  test("same result for random op pairs on both sides", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 12 }).chain((n) => fc.tuple(textOp(n), textOp(n), fc.constantFrom("left" as const, "right" as const))),
        ([a, b, side]) => {
          expect(transformLen(lengths(a), lengths(b), side)).toEqual(lengths(otText.type.transform(a, b, side) as TextOp));
        },
      ),
      { seed: 424242, numRuns: 5000 },
    );
  });
});
