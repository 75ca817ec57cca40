import { describe, expect, it } from "vitest";
import { advanceCodePoints, codePointLength, hasLoneSurrogate, toWellFormed } from "../../src/ops/code-points.js";
import type { CanonicalOp } from "../../src/ops/types.js";
import { applyText, checkApplicable, textLengthAfter } from "../../src/ot/index.js";

const split = (pos: number, len: number, ranges: Array<[number, number]>) =>
  ({ type: "delete", pos, len, ranges: ranges.map(([p, l]) => ({ pos: p, len: l })) }) as const;

describe("applyText", () => {
  it("inserts and deletes by code point", () => {
    expect(applyText("a😀b", { type: "insert", pos: 2, text: "𝒳" })).toBe("a😀𝒳b");
    expect(applyText("a😀b", { type: "insert", pos: 3, text: "!" })).toBe("a😀b!");
    expect(applyText("a😀b🇫🇷", { type: "delete", pos: 1, len: 3 })).toBe("a🇷");
    expect(applyText("", { type: "insert", pos: 0, text: "hi" })).toBe("hi");
  });

  it("deletes every piece of a split delete, keeping the text between", () => {
    expect(applyText("0123456789", split(1, 7, [[1, 2], [5, 1], [7, 1]]))).toBe("034689");
    expect(applyText("😀a😀b😀c", split(0, 5, [[0, 1], [2, 1], [4, 1]]))).toBe("abc");
  });

  it("leaves text alone for len-0 deletes and non-text ops", () => {
    const text = "abc";
    const others: CanonicalOp[] = [
      { type: "delete", pos: 1, len: 0 },
      { type: "format", pos: 0, len: 2, attrs: { b: true } },
      { type: "comment", threadId: "t", body: "x", anchor: { pos: 0, len: 1 } },
      { type: "reaction", threadId: "t", commentId: "c", emoji: "👍" },
      { type: "task", taskId: "k", assignee: "u", title: "T" },
      { type: "acl", userId: "u", role: "owner" },
    ];
    for (const op of others) expect(applyText(text, op)).toBe(text);
  });

  it("throws RangeError for ops that do not fit", () => {
    expect(() => applyText("a😀", { type: "insert", pos: 3, text: "x" })).toThrow(RangeError);
    expect(() => applyText("a😀", { type: "delete", pos: 1, len: 2 })).toThrow(RangeError);
    expect(() => applyText("abcdef", split(0, 4, [[2, 2], [0, 1]]))).toThrow(/out of order/);
  });

  it("keeps a 100 KB text with astral characters consistent through thousands of ops", () => {
    let text = "lorem ipsum 😀 dolor ".repeat(5000); // ~100k code units with astral characters
    let len = codePointLength(text);
    for (let i = 0; i < 4000; i++) {
      const pos = (i * 7919) % len;
      const op: CanonicalOp = i % 2 ? { type: "delete", pos, len: 1 } : { type: "insert", pos, text: "é😀" };
      text = applyText(text, op);
      len = textLengthAfter(len, op);
    }
    expect(codePointLength(text)).toBe(len);
    expect(hasLoneSurrogate(text)).toBe(false);
  });
});

describe("checkApplicable", () => {
  it.each<[string, CanonicalOp, number, RegExp | null]>([
    ["insert at the end", { type: "insert", pos: 5, text: "x" }, 5, null],
    ["insert past the end", { type: "insert", pos: 6, text: "x" }, 5, /insert position 6 is beyond the document end \(5/],
    ["delete to the end", { type: "delete", pos: 2, len: 3 }, 5, null],
    ["delete past the end", { type: "delete", pos: 2, len: 4 }, 5, /delete 2\.\.6 is beyond/],
    ["len-0 delete at the end", { type: "delete", pos: 5, len: 0 }, 5, null],
    ["len-0 delete past the end", { type: "delete", pos: 6, len: 0 }, 5, /beyond/],
    ["format past the end", { type: "format", pos: 0, len: 9, attrs: {} }, 5, /format 0\.\.9/],
    ["split delete inside", split(0, 5, [[0, 1], [3, 2]]), 5, null],
    ["split delete past the end", split(0, 6, [[0, 1], [3, 3]]), 5, /piece 3\.\.6 is beyond/],
    ["split delete with overlapping pieces", split(0, 4, [[0, 3], [2, 2]]), 9, /overlap/],
    ["split delete with an empty piece", split(0, 4, [[0, 0], [2, 2]]), 9, /empty/],
    ["split delete not covered by pos/len", split(0, 9, [[1, 1], [3, 2]]), 9, /do not cover/],
    ["split delete with no pieces", split(0, 0, []), 9, /empty ranges/],
    ["anchor inside", { type: "comment", threadId: "t", body: "b", anchor: { pos: 2, len: 3 } }, 5, null],
    ["anchor past the end", { type: "comment", threadId: "t", body: "b", anchor: { pos: 2, len: 4 } }, 5, /comment anchor 2\.\.6/],
    ["acl", { type: "acl", userId: "u", role: "none" }, 0, null],
    ["negative position", { type: "insert", pos: -1, text: "x" }, 5, /not a non-negative integer/],
  ])("%s", (_what, op, docLen, expected) => {
    const got = checkApplicable(op, docLen);
    if (expected === null) expect(got).toBeNull();
    else expect(got).toMatch(expected);
  });
});

describe("textLengthAfter", () => {
  it("counts code points", () => {
    expect(textLengthAfter(3, { type: "insert", pos: 0, text: "a😀👩‍👩‍👧" })).toBe(10);
    expect(textLengthAfter(10, { type: "delete", pos: 0, len: 4 })).toBe(6);
    expect(textLengthAfter(10, split(0, 6, [[0, 2], [4, 2]]))).toBe(6);
    expect(textLengthAfter(10, { type: "format", pos: 0, len: 4, attrs: {} })).toBe(10);
  });
});

describe("code points", () => {
  it("codePointLength counts pairs once and lone surrogates once", () => {
    expect(codePointLength("abc")).toBe(3);
    expect(codePointLength("a😀🇫🇷")).toBe(4);
    expect(codePointLength("\ud800x\udc00")).toBe(3);
  });

  it("advanceCodePoints steps over pairs and reports running off the end", () => {
    expect(advanceCodePoints("a😀b", 0, 2)).toBe(3);
    expect(advanceCodePoints("a😀b", 1, 2)).toBe(4);
    expect(advanceCodePoints("a😀b", 0, 4)).toBe(-1);
    expect(advanceCodePoints("😀😀", 0, 3)).toBe(-1);
  });

  it("hasLoneSurrogate and toWellFormed", () => {
    expect(hasLoneSurrogate("😀")).toBe(false);
    expect(hasLoneSurrogate("a\ud83d")).toBe(true);
    expect(hasLoneSurrogate("\ude00a")).toBe(true);
    expect(toWellFormed("a\ud83d😀\ude00")).toBe("a\ufffd😀\ufffd");
  });
});
