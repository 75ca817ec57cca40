import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { WeftError } from "../../src/errors.js";
import { matchesQuery, parseQuery } from "../../src/search/query.js";
import { SEARCH_LIMITS } from "../../src/search/search-limits.js";
import { tokenize } from "../../src/search/tokenize.js";

const SEED = Number(process.env.FUZZ_SEED ?? 20260617);

function refusal(q: string): WeftError {
  try {
    parseQuery(q);
  } catch (err) {
    return err as WeftError;
  }
  throw new Error(`parseQuery(${JSON.stringify(q)}) did not throw`);
}

describe("parseQuery", () => {
  test("the last word is a prefix while it is being typed", () => {
    expect(parseQuery("Live Docu")).toEqual({ terms: ["live"], prefix: "docu" });
    expect(parseQuery("live docu ")).toEqual({ terms: ["live", "docu"] });
    expect(parseQuery("live docu.")).toEqual({ terms: ["live", "docu"] });
    expect(parseQuery("Crème")).toEqual({ terms: [], prefix: "creme" });
  });

  test("folds and dedupes like the index, dropping non-terms", () => {
    expect(parseQuery("CAFÉ café a I , cafe!")).toEqual({ terms: ["cafe"] });
    expect(parseQuery("hello w")).toEqual({ terms: ["hello"] });
    expect(parseQuery("a")).toEqual({ terms: [] });
    expect(parseQuery("!!!")).toEqual({ terms: [] });
  });

  test("refuses empty, blank, too long and too many terms with invalid_request", () => {
    for (const q of ["", "   ", "\n\t"]) expect(refusal(q)).toMatchObject({ code: "invalid_request", message: "q must not be empty" });
    const long = refusal("é".repeat(SEARCH_LIMITS.maxQueryLength + 1));
    expect(long).toMatchObject({ code: "invalid_request", details: [{ path: "q", issue: "257 characters" }] });
    expect(parseQuery("é".repeat(SEARCH_LIMITS.maxQueryLength - 1) + " ")).toEqual({ terms: [] });
    const many = Array.from({ length: SEARCH_LIMITS.maxQueryTerms + 1 }, (_, i) => `word${i}`).join(" ");
    expect(refusal(many)).toMatchObject({ code: "invalid_request", details: [{ path: "q", issue: "9 terms" }] });
    // Repeats count once.
    expect(parseQuery(`${"same ".repeat(20)}other`).terms).toEqual(["same"]);
  });

  test("matchesQuery: whole terms exactly, the prefix as a prefix", () => {
    const q = parseQuery("live docu");
    expect(["live", "document", "docu"].map((t) => matchesQuery(t, q))).toEqual([true, true, true]);
    expect(["lives", "doc", "other"].map((t) => matchesQuery(t, q))).toEqual([false, false, false]);
  });

  test("property: a query's terms are terms of the same text indexed", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", minLength: 1, maxLength: 40 }).filter((s) => s.trim() !== ""), (q) => {
        let parsed;
        try {
          parsed = parseQuery(q);
        } catch (err) {
          expect((err as WeftError).code).toBe("invalid_request");
          return;
        }
        const indexed = tokenize(q).counts;
        for (const t of [...parsed.terms, ...(parsed.prefix ? [parsed.prefix] : [])]) expect(indexed.has(t)).toBe(true);
      }),
      { seed: SEED, numRuns: 400 },
    );
  });
});
