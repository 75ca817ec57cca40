import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { CanonicalOp } from "../../src/ops/types.js";
import { applyText, checkApplicable, textLengthAfter, transformSeq } from "../../src/ot/index.js";
import { arbIntent, arbText, build, TEXT_KINDS } from "./model.js";

const un = (commentId = "c1", threadId = "t1"): CanonicalOp => ({ type: "uncomment", threadId, commentId });

describe("OT: uncomment touches no text", () => {
  it("fits any document, changes neither its text nor its length", () => {
    for (const len of [0, 1, 1000]) {
      expect(checkApplicable(un(), len)).toBeNull();
      expect(textLengthAfter(len, un())).toBe(len);
    }
    expect(applyText("a😀b", un())).toBe("a😀b");
  });

  it("passes through any committed ops unchanged (the same object), on either side", () => {
    fc.assert(
      fc.property(arbText(0, 12), fc.array(fc.constantFrom(...TEXT_KINDS).chain((k) => arbIntent([k])), { maxLength: 6 }), (doc, intents) => {
        const committed = build(intents, Array.from(doc).length);
        const mine = [un("a"), un("b", "t2")];
        for (const side of ["left", "right"] as const) {
          const out = transformSeq(mine, committed, side);
          out.forEach((op, i) => expect(op).toBe(mine[i]));
        }
      }),
      { seed: 31_337, numRuns: 500 },
    );
  });

  it("moves nothing: ops transformed past uncomments come back as the same objects", () => {
    fc.assert(
      fc.property(arbText(0, 12), fc.array(arbIntent(TEXT_KINDS), { minLength: 1, maxLength: 6 }), fc.nat(5), (doc, intents, n) => {
        const incoming = build(intents, Array.from(doc).length);
        const committed = Array.from({ length: n + 1 }, (_, k) => un(`c${k}`));
        for (const side of ["left", "right"] as const) {
          const out = transformSeq(incoming, committed, side);
          out.forEach((op, i) => expect(op).toBe(incoming[i]));
        }
      }),
      { seed: 8_088, numRuns: 500 },
    );
  });

  it("uncomments mixed into a committed sequence transform others exactly as the sequence without them", () => {
    fc.assert(
      fc.property(
        arbText(0, 12),
        fc.array(arbIntent(TEXT_KINDS), { minLength: 1, maxLength: 5 }),
        fc.array(arbIntent(TEXT_KINDS), { minLength: 1, maxLength: 5 }),
        fc.array(fc.nat(5), { maxLength: 4 }),
        (doc, a, b, at) => {
          const len = Array.from(doc).length;
          const committed = build(b, len);
          const mixed = [...committed];
          at.forEach((p, k) => mixed.splice(p % (mixed.length + 1), 0, un(`c${k}`)));
          const incoming = build(a, len);
          expect(transformSeq(incoming, mixed, "right")).toEqual(transformSeq(incoming, committed, "right"));
          expect(transformSeq(incoming, mixed, "left")).toEqual(transformSeq(incoming, committed, "left"));
        },
      ),
      { seed: 4_711, numRuns: 500 },
    );
  });
});
