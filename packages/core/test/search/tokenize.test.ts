import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { SEARCH_LIMITS } from "../../src/search/search-limits.js";
import { fold, termHits, tokenize, tokenizeAsync } from "../../src/search/tokenize.js";

const SEED = Number(process.env.FUZZ_SEED ?? 20260615);
const terms = (text: string) => [...tokenize(text).counts.keys()];

describe("tokenize", () => {
  test("segments words Unicode-aware, lowercases and folds diacritics", () => {
    expect(terms("Grüße, naïve CAFÉ Ärger İstanbul ＡＢＣ ﬁle")).toEqual(["gruße", "naive", "cafe", "arger", "istanbul", "abc", "file"]);
    // Scripts without spaces are split by dictionary; 1-character words are not terms.
    expect(terms("我们是中国人")).toEqual(["我们", "中国人"]);
    expect(terms("한국어 텍스트")).toEqual(["한국어", "텍스트"]);
    expect(terms("Привет, МИР")).toEqual(["привет", "мир"]);
  });

  test("keeps letter/digit runs of 2..64 code points", () => {
    expect(terms("a I x_y can't 3.14 e-mail 2024 v2")).toEqual(["can", "14", "mail", "2024", "v2"]);
    const long = "x".repeat(SEARCH_LIMITS.maxTermLength);
    expect(terms(`${long} ${long}y ok`)).toEqual([long, "ok"]);
    // Emoji, punctuation and symbols are not terms.
    expect(terms("👋🏽 !!! ... — © 👨‍👩‍👧")).toEqual([]);
  });

  test("counts occurrences per distinct term in order of first occurrence", () => {
    expect([...tokenize("The cat, the CAT, thé cat! dog").counts]).toEqual([
      ["the", 3],
      ["cat", 3],
      ["dog", 1],
    ]);
  });

  test("stops taking new terms at the per-document caps and says so", () => {
    const text = Array.from({ length: 50 }, (_, i) => `w${i}`).join(" ") + " w0 w1";
    const capped = tokenize(text, { maxDocTerms: 10, maxDocTermBytes: 1_000_000 });
    expect(capped.truncated).toBe(true);
    expect([...capped.counts.keys()]).toEqual(Array.from({ length: 10 }, (_, i) => `w${i}`));
    expect(capped.counts.get("w0")).toBe(2);
    const byBytes = tokenize("aaaa bbbb cccc aaaa", { maxDocTerms: 100, maxDocTermBytes: 10 });
    expect([...byBytes.counts]).toEqual([["aaaa", 2], ["bbbb", 1]]);
    expect(byBytes.truncated).toBe(true);
    expect(tokenize(text).truncated).toBe(false);
  });

  test("the default caps hold on a large document", () => {
    const text = Array.from({ length: 30_000 }, (_, i) => `term${i.toString(36)}`).join(" ");
    const { counts, truncated } = tokenize(text);
    expect(truncated).toBe(true);
    expect(counts.size).toBe(SEARCH_LIMITS.maxDocTerms);
  });

  test("term hits point at their words in the original text", () => {
    const text = "Alpha  Ünïcode\n世界 naïve";
    expect([...termHits(text)].map((h) => [h.term, text.slice(h.index, h.end)])).toEqual([
      ["alpha", "Alpha"],
      ["unicode", "Ünïcode"],
      ["世界", "世界"],
      ["naive", "naïve"],
    ]);
  });
});

describe("scripts without spaces", () => {
  test("sentences cut by punctuation, mixed with Latin words, give the same words as each piece alone", () => {
    expect(terms("我们是中国人，我们爱和平。Hello 世界 and 東京タワー！")).toEqual(["我们", "中国人", "和平", "hello", "世界", "and", "東京タワー"]);
    // Marks that spell the word (Thai vowels and tones, Devanagari vowel signs) are kept.
    expect(terms("ภาษาไทยง่ายนิดเดียว")).toEqual(["ภาษา", "ไทย", "ง่าย", "นิด", "เดียว"]);
    expect(terms("हिन्दी भाषा")).toEqual(["हिन्दी", "भाषा"]);
  });

  test("a run longer than one segmenter piece is cut without splitting surrogate pairs", () => {
    const text = "𠀀".repeat(300) + "中国人";
    const hits = [...termHits(text)];
    for (const h of hits) expect(text.slice(h.index, h.end)).not.toMatch(/^[\uDC00-\uDFFF]|[\uD800-\uDBFF]$/);
    expect(hits.at(-1)?.term).toBe("中国人");
  });

  test("property: joining CJK sentences with punctuation keeps each sentence's hits", () => {
    const cjk = fc.array(fc.constantFrom("我们", "是", "中国人", "爱", "和平", "今天", "天气", "很好", "𠀀𠀁", "東京", "タワー"), { maxLength: 30 }).map((a) => a.join(""));
    fc.assert(
      fc.property(fc.array(cjk, { minLength: 1, maxLength: 20 }), (sentences) => {
        const text = sentences.join("。");
        let offset = 0;
        const expected = sentences.flatMap((s) => {
          const hits = [...termHits(s)].map((h) => ({ ...h, index: h.index + offset, end: h.end + offset }));
          offset += s.length + 1;
          return hits;
        });
        expect([...termHits(text)]).toEqual(expected);
      }),
      { seed: SEED, numRuns: 200 },
    );
  });
});

describe("tokenize properties", () => {
  const word = fc.stringMatching(/^[A-Za-zÀ-ÿ0-9]{1,10}$/);
  const textArb = fc.array(fc.oneof(word, fc.constantFrom(" ", ", ", ".\n", "—", "  ")), { maxLength: 40 }).map((a) => a.join(""));
  const anyText = fc.oneof(textArb, fc.string({ unit: "grapheme", maxLength: 60 }));

  test("every term is folded, 2..64 code points of letters and digits", () => {
    fc.assert(
      fc.property(anyText, (text) => {
        for (const t of tokenize(text).counts.keys()) {
          const n = Array.from(t).length;
          expect(n >= 2 && n <= 64).toBe(true);
          expect(/^[\p{L}\p{N}\p{M}]+$/u.test(t)).toBe(true);
          expect(fold(t)).toBe(t);
        }
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  test("texts joined by a space have the summed counts", () => {
    fc.assert(
      fc.property(textArb, textArb, (a, b) => {
        const joined = tokenize(`${a} ${b}`).counts;
        const sum = new Map(tokenize(a).counts);
        for (const [t, n] of tokenize(b).counts) sum.set(t, (sum.get(t) ?? 0) + n);
        expect(new Map([...joined].sort())).toEqual(new Map([...sum].sort()));
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  test("case and diacritics do not change the terms", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z ]{0,40}$/), (text) => {
        const accented = text.replace(/a/g, "á").replace(/e/g, "È").replace(/o/g, "ö").toUpperCase();
        expect(terms(accented)).toEqual(terms(text));
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  test("under any caps: at most maxDocTerms terms, truncated iff some term was left out", () => {
    fc.assert(
      fc.property(textArb, fc.integer({ min: 0, max: 12 }), fc.integer({ min: 0, max: 80 }), (text, maxDocTerms, maxDocTermBytes) => {
        const full = tokenize(text).counts;
        const capped = tokenize(text, { maxDocTerms, maxDocTermBytes });
        expect(capped.counts.size).toBeLessThanOrEqual(maxDocTerms);
        expect(capped.truncated).toBe(capped.counts.size < full.size);
        for (const [t, n] of capped.counts) expect(full.get(t)).toBe(n);
        // First come, first served.
        expect([...capped.counts.keys()]).toEqual([...full.keys()].filter((t) => capped.counts.has(t)));
      }),
      { seed: SEED, numRuns: 300 },
    );
  });
});

describe("tokenizeAsync", () => {
  test("gives exactly tokenize's counts and truncation, yielding on large texts", async () => {
    const text = "Grüße aus Köln, naïve café 3.14 ＡＢＣ 我们是中国人 ".repeat(3000);
    expect(await tokenizeAsync(text)).toEqual(tokenize(text));
    const capped = { maxDocTerms: 3, maxDocTermBytes: 1000 };
    expect(await tokenizeAsync(text, capped)).toEqual(tokenize(text, capped));
    let ticks = 0;
    const timer = setInterval(() => ticks++, 0);
    await tokenizeAsync(text.repeat(4));
    clearInterval(timer);
    expect(ticks).toBeGreaterThan(0);
  });
});
