import { advanceCodePoints, codePointLength } from "../ops/code-points.js";
import type { CanonicalOp, Range } from "../ops/types.js";
import { spansOf, type SpanOp } from "./text-op.js";

/**
 * Whether `op` fits a document of `docLen` code points: null when it does, else why not.
 * Insert: pos <= docLen. Delete/format: every piece inside the document, and when `ranges`
 * is present it must be well formed (non-empty, ascending, non-overlapping, each len >= 1,
 * covered exactly by pos/len). Comment: its anchor inside the document. Other ops always fit.
 */
export function checkApplicable(op: CanonicalOp, docLen: number): string | null {
  switch (op.type) {
    case "insert":
      if (!isCount(op.pos)) return `insert position ${op.pos} is not a non-negative integer`;
      return op.pos <= docLen ? null : `insert position ${op.pos} is beyond the document end (${docLen} code points)`;
    case "delete":
    case "format":
      return checkSpans(op, docLen);
    case "comment":
      return op.anchor ? checkRange("comment anchor", op.anchor, docLen) : null;
    default:
      return null;
  }
}

function isCount(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 0;
}

function checkRange(what: string, r: Range, docLen: number): string | null {
  if (!isCount(r.pos) || !isCount(r.len)) return `${what} ${r.pos}+${r.len} is not a pair of non-negative integers`;
  const end = r.pos + r.len;
  return end <= docLen ? null : `${what} ${r.pos}..${end} is beyond the document end (${docLen} code points)`;
}

function checkSpans(op: SpanOp, docLen: number): string | null {
  if (!op.ranges) return checkRange(op.type, op, docLen);
  if (op.ranges.length === 0) return `${op.type} has empty ranges (an emptied op has len 0 and no ranges)`;
  let prevEnd = -1;
  for (const r of op.ranges) {
    const problem = checkRange(`${op.type} piece`, r, docLen);
    if (problem) return problem;
    if (r.len < 1) return `${op.type} piece at ${r.pos} is empty`;
    if (r.pos < prevEnd) return `${op.type} pieces overlap or are out of order at ${r.pos}`;
    prevEnd = r.pos + r.len;
  }
  const first = op.ranges[0].pos;
  if (op.pos !== first || op.len !== prevEnd - first) {
    return `${op.type} pos/len ${op.pos}+${op.len} do not cover its ranges (${first}..${prevEnd})`;
  }
  return null;
}

/** The document length (code points) after applying `op` to a document of `docLen`. */
export function textLengthAfter(docLen: number, op: CanonicalOp): number {
  if (op.type === "insert") return docLen + codePointLength(op.text);
  if (op.type === "delete") return docLen - spansOf(op).reduce((n, r) => n + r.len, 0);
  return docLen;
}

/**
 * Applies an insert or delete to `text` (positions in code points); every other op type
 * returns `text` unchanged. Throws RangeError when the op does not fit the text (check
 * with `checkApplicable` first).
 *
 * Cost per op: locating a position scans the text up to it, in native code when that span
 * has no astral characters (O(1) for Latin-1 text) and in a JavaScript loop otherwise; the
 * result is then built by slicing and concatenating, which copies O(text length). There is
 * no per-op `Array.from`.
 */
export function applyText(text: string, op: CanonicalOp): string {
  if (op.type === "insert") {
    const at = advanceCodePoints(text, 0, op.pos);
    if (at < 0) throw new RangeError(`insert position ${op.pos} is beyond the end of the text`);
    return text.slice(0, at) + op.text + text.slice(at);
  }
  if (op.type !== "delete") return text;
  const spans = spansOf(op);
  if (spans.length === 0) return text;
  const kept: string[] = [];
  let index = 0; // UTF-16 index of code point `cp`
  let cp = 0;
  for (const { pos, len } of spans) {
    if (pos < cp) throw new RangeError(`delete pieces overlap or are out of order at ${pos}`);
    const start = advanceCodePoints(text, index, pos - cp);
    const end = start < 0 ? -1 : advanceCodePoints(text, start, len);
    if (end < 0) throw new RangeError(`delete ${pos}..${pos + len} is beyond the end of the text`);
    kept.push(text.slice(index, start));
    index = end;
    cp = pos + len;
  }
  kept.push(text.slice(index));
  return kept.join("");
}
