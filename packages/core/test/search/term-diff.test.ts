import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { applyDelta, compare, diffTerms, isEmptyDelta, termSetOf, tfBucket, touchedTerms, type TermSet } from "../../src/search/term-diff.js";

const SEED = Number(process.env.FUZZ_SEED ?? 20260616);
const termArb = fc.constantFrom("alpha", "beta", "gamma", "delta", "éclair", "世界", "zz", "𝒳𝒴", "ｚｚ");
const setArb = fc.dictionary(termArb, fc.constantFrom(1, 2, 4, 8)).map((o) => new Map(Object.entries(o)) as TermSet);
const sorted = (xs: string[]) => [...xs].sort(compare);

describe("tfBucket and termSetOf", () => {
  test("buckets counts to powers of two", () => {
    expect([0, 1, 2, 3, 4, 7, 8, 9, 1000].map(tfBucket)).toEqual([0, 1, 2, 2, 4, 4, 8, 8, 512]);
  });

  test("a text's term set holds each term's bucket", () => {
    expect([...termSetOf("one two two three three three four four four four").terms]).toEqual([
      ["one", 1],
      ["two", 2],
      ["three", 2],
      ["four", 4],
    ]);
  });
});

describe("diffTerms", () => {
  test("puts new and re-bucketed terms, removes dropped ones, lists the new ones as added", () => {
    const from: TermSet = new Map([["keep", 1], ["grow", 1], ["drop", 2]]);
    const to: TermSet = new Map([["keep", 1], ["grow", 2], ["new", 1]]);
    expect(diffTerms(from, to)).toEqual({ put: [["grow", 2], ["new", 1]], remove: ["drop"], added: ["new"] });
    expect(isEmptyDelta(diffTerms(to, to))).toBe(true);
  });

  test("forced terms are set to the target whatever the indexed set says", () => {
    const from: TermSet = new Map([["same", 1]]);
    const to: TermSet = new Map([["same", 1], ["other", 1]]);
    expect(diffTerms(from, to, ["same", "ghost"])).toEqual({ put: [["other", 1], ["same", 1]], remove: ["ghost"], added: ["other", "same"] });
  });

  test("property: applying the delta gives the target, and the delta is minimal", () => {
    fc.assert(
      fc.property(setArb, setArb, (from, to) => {
        const d = diffTerms(from, to);
        expect(applyDelta(from, d)).toEqual(to);
        for (const [t, tf] of d.put) expect(from.get(t)).not.toBe(tf);
        for (const t of d.remove) expect(from.has(t) && !to.has(t)).toBe(true);
        expect(d.added).toEqual(sorted(d.put.map(([t]) => t).filter((t) => !from.has(t))));
        const changed = new Set([...from.keys(), ...to.keys()].filter((t) => from.get(t) !== to.get(t)));
        expect(touchedTerms(d)).toEqual(sorted([...changed]));
        expect(isEmptyDelta(d)).toBe(changed.size === 0);
      }),
      { seed: SEED, numRuns: 500 },
    );
  });

  test("property: with forced terms, applying still gives the target and every forced term is written", () => {
    fc.assert(
      fc.property(setArb, setArb, fc.array(termArb, { maxLength: 5 }), (from, to, force) => {
        const d = diffTerms(from, to, force);
        expect(applyDelta(from, d)).toEqual(to);
        const written = new Set(touchedTerms(d));
        for (const t of force) expect(written.has(t)).toBe(true);
        // Outputs are sorted in code-point order (DynamoDB's key order), without duplicates.
        for (const list of [d.put.map(([t]) => t), d.remove, d.added]) expect(list).toEqual(sorted([...new Set(list)]));
      }),
      { seed: SEED, numRuns: 500 },
    );
  });

  test("compare is code-point order, unlike UTF-16 order above U+FFFF", () => {
    const a = "\u{FF5A}"; // ｚ, BMP, above the surrogate range
    const b = "\u{1D4B3}"; // 𝒳, astral
    expect(a < b).toBe(false); // UTF-16 puts the astral character (surrogate 0xD835) first
    expect(compare(a, b)).toBe(-1);
    expect(sorted(["b", "a", "ab", ""])).toEqual(["", "a", "ab", "b"]);
  });
});
