import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { diffText, toCodePoint, toUtf16 } from "../../packages/web/demo/text-edit.js";

/** Strings mixing ASCII, accents and astral characters (two UTF-16 units each). */
const text = fc.array(fc.constantFrom("a", "b", " ", "\n", "é", "😀", "𝄞"), { maxLength: 24 }).map((cs) => cs.join(""));
const cps = (s: string) => Array.from(s);

describe("demo editor positions", () => {
  it("converts between code points and UTF-16 offsets", () => {
    const s = "a😀b𝄞";
    expect([0, 1, 2, 3, 4].map((cp) => toUtf16(s, cp))).toEqual([0, 1, 3, 4, 6]);
    expect([0, 1, 3, 4, 6].map((u) => toCodePoint(s, u))).toEqual([0, 1, 2, 3, 4]);
    expect(toUtf16(s, 99)).toBe(s.length);
    expect(toCodePoint(s, 99)).toBe(4);
  });

  it("round-trips every code point position", () => {
    fc.assert(fc.property(text, (s) => {
      for (let cp = 0; cp <= cps(s).length; cp++) expect(toCodePoint(s, toUtf16(s, cp))).toBe(cp);
    }));
  });
});

describe("diffText", () => {
  const apply = (before: string, e: { pos: number; deleted: number; inserted: string }) => {
    const c = cps(before);
    c.splice(e.pos, e.deleted, ...cps(e.inserted));
    return c.join("");
  };

  it("always turns before into after, whatever the caret", () => {
    fc.assert(fc.property(text, text, fc.nat(60), (before, after, caret) => {
      const e = diffText(before, after, caret);
      if (before === after) expect(e).toBeNull();
      else expect(apply(before, e!)).toBe(after);
    }));
  });

  it("finds exactly the typed text when the caret ends after it, even among equal characters", () => {
    expect(diffText("aa", "aaa", 1)).toEqual({ pos: 0, deleted: 0, inserted: "a" });
    fc.assert(fc.property(text, text, fc.nat(), (before, typed, at) => {
      fc.pre(typed.length > 0);
      const c = cps(before);
      const pos = at % (c.length + 1);
      const after = [...c.slice(0, pos), typed, ...c.slice(pos)].join("");
      const caret = toUtf16(after, pos + cps(typed).length);
      expect(diffText(before, after, caret)).toEqual({ pos, deleted: 0, inserted: typed });
    }));
  });

  it("finds exactly the deleted range when the caret stays where it was cut (Backspace, Delete)", () => {
    expect(diffText("aab", "ab", 1)).toEqual({ pos: 1, deleted: 1, inserted: "" });
    fc.assert(fc.property(text, fc.nat(), fc.nat(), (before, at, n) => {
      const c = cps(before);
      fc.pre(c.length > 0);
      const pos = at % c.length;
      const len = 1 + (n % (c.length - pos));
      const after = [...c.slice(0, pos), ...c.slice(pos + len)].join("");
      expect(diffText(before, after, toUtf16(after, pos))).toEqual({ pos, deleted: len, inserted: "" });
    }));
  });

  it("treats typing over a selection as one replace", () => {
    expect(diffText("abcd", "aXd", 2)).toEqual({ pos: 1, deleted: 2, inserted: "X" });
  });
});
