import fc from "fast-check";
import { expect } from "vitest";
import type { CanonicalOp, Range } from "../../src/ops/types.js";
import { applyText, checkApplicable, textLengthAfter } from "../../src/ot/index.js";

/**
 * A reference document for property tests: one entry per code point, with the labels of
 * the format ops that touched it. It is deliberately naive (arrays, splice) so it can
 * serve as the oracle for both transformSeq and applyText.
 */
export interface ModelDoc {
  chars: Array<{ ch: string; tags: string[] }>;
}

export const modelOf = (text: string): ModelDoc => ({ chars: Array.from(text, (ch) => ({ ch, tags: [] })) });
export const textOf = (doc: ModelDoc): string => doc.chars.map((c) => c.ch).join("");

/** Comparable form: text plus, per code point, its sorted format labels. */
export const snapshot = (doc: ModelDoc) => ({ text: textOf(doc), tags: doc.chars.map((c) => [...c.tags].sort().join(",")) });

export function pieces(op: { pos: number; len: number; ranges?: Range[] }): Range[] {
  return op.ranges ?? (op.len > 0 ? [{ pos: op.pos, len: op.len }] : []);
}

/**
 * Applies `ops` in order, labelling format op i as `${label}${i}`. Before each op it asserts
 * the op is applicable (checkApplicable), and after it that applyText and textLengthAfter
 * agree with the model.
 */
export function applyAll(doc: ModelDoc, ops: CanonicalOp[], label: string): ModelDoc {
  let chars = doc.chars.map((c) => ({ ch: c.ch, tags: [...c.tags] }));
  ops.forEach((op, i) => {
    expect(checkApplicable(op, chars.length), JSON.stringify(op)).toBeNull();
    const before = chars.map((c) => c.ch).join("");
    if (op.type === "insert") {
      chars.splice(op.pos, 0, ...Array.from(op.text, (ch) => ({ ch, tags: [] as string[] })));
    } else if (op.type === "delete") {
      for (const r of [...pieces(op)].reverse()) chars.splice(r.pos, r.len);
    } else if (op.type === "format") {
      for (const r of pieces(op)) for (let k = r.pos; k < r.pos + r.len; k++) chars[k].tags.push(`${label}${i}`);
    }
    chars = [...chars];
    expect(applyText(before, op)).toBe(chars.map((c) => c.ch).join(""));
    expect(textLengthAfter(Array.from(before).length, op)).toBe(chars.length);
  });
  return { chars };
}

/** Code points used for random text: ASCII, Latin-1, BMP CJK and astral emoji/maths. */
export const CHARS = ["a", "b", "c", " ", "é", "中", "😀", "𝒳", "🇫", "\n"];
export const arbText = (min: number, max: number) =>
  fc.array(fc.constantFrom(...CHARS), { minLength: min, maxLength: max }).map((a) => a.join(""));

/** An op intent, fitted to the document length when a sequence is built (so every op is valid). */
export interface Intent {
  kind: "insert" | "delete" | "format" | "multiDelete" | "multiFormat" | "comment" | "reaction" | "uncomment";
  a: number;
  b: number;
  points: number[];
  text: string;
}

export const arbIntent = (kinds: Intent["kind"][]): fc.Arbitrary<Intent> =>
  fc.record({
    kind: fc.constantFrom(...kinds),
    a: fc.nat(1000),
    b: fc.nat(1000),
    points: fc.array(fc.nat(1000), { minLength: 4, maxLength: 6 }),
    text: arbText(1, 4),
  });

export const TEXT_KINDS: Intent["kind"][] = ["insert", "delete", "format", "multiDelete", "multiFormat"];
export const ALL_KINDS: Intent["kind"][] = [...TEXT_KINDS, "comment", "reaction", "uncomment"];

/** Turns intents into a valid op sequence on a document of `len` code points. */
export function build(intents: Intent[], len: number): CanonicalOp[] {
  const ops: CanonicalOp[] = [];
  for (const it of intents) {
    const op = fit(it, len);
    ops.push(op);
    len = textLengthAfter(len, op);
  }
  return ops;
}

function fit(it: Intent, len: number): CanonicalOp {
  const pos = it.a % (len + 1);
  const spanLen = len - pos > 0 ? 1 + (it.b % (len - pos)) : 0;
  switch (it.kind) {
    case "insert":
      return { type: "insert", pos, text: it.text };
    case "comment":
      return { type: "comment", threadId: "t", body: "b", anchor: { pos, len: it.b % (len - pos + 1) } };
    case "reaction":
      return { type: "reaction", threadId: "t", commentId: "c", emoji: "👍" };
    case "uncomment":
      return { type: "uncomment", threadId: "t", commentId: "c" };
    case "multiDelete":
    case "multiFormat": {
      const cuts = [...new Set(it.points.map((p) => p % (len + 1)))].sort((x, y) => x - y);
      const ranges: Range[] = [];
      for (let k = 0; k + 1 < cuts.length; k += 2) ranges.push({ pos: cuts[k], len: cuts[k + 1] - cuts[k] });
      if (ranges.length < 2) return fit({ ...it, kind: it.kind === "multiDelete" ? "delete" : "format" }, len);
      const last = ranges[ranges.length - 1];
      const cover = { pos: ranges[0].pos, len: last.pos + last.len - ranges[0].pos, ranges };
      return it.kind === "multiDelete" ? { type: "delete", ...cover } : { type: "format", ...cover, attrs: { b: true } };
    }
    case "delete":
    case "format":
      if (spanLen === 0) return { type: "insert", pos, text: it.text };
      return it.kind === "delete"
        ? { type: "delete", pos, len: spanLen }
        : { type: "format", pos, len: spanLen, attrs: { i: true } };
  }
}
