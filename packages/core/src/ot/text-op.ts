import type { CanonicalOp, Range } from "../ops/types.js";
import type { LenOp } from "./len-op.js";

/**
 * Bridges Weft ops and length-only text ops (len-op.ts). Such an op walks the document it
 * applies to: a number skips that many code points, `{i: n}` inserts n, `{d: n}` deletes n.
 * Positions in the walk are coordinates of the pre-op state, exactly what Weft `ranges`
 * use, so converting is a linear walk either way.
 */

export type SpanOp = Extract<CanonicalOp, { type: "delete" | "format" }>;

/** The pieces a delete/format acts on: its `ranges`, else its one span, else none (len 0). */
export function spansOf(op: SpanOp): Range[] {
  if (op.ranges) return op.ranges;
  return op.len > 0 ? [{ pos: op.pos, len: op.len }] : [];
}

/** An op deleting exactly `spans` (ascending, non-overlapping). */
export function spansToLenOp(spans: Range[]): LenOp {
  const out: LenOp = [];
  let at = 0;
  for (const { pos, len } of spans) {
    if (pos > at) out.push(pos - at);
    const last = out[out.length - 1];
    // Adjacent pieces merge, so ops stay normalized.
    if (pos === at && typeof last === "object" && "d" in last) out[out.length - 1] = { d: last.d + len };
    else out.push({ d: len });
    at = pos + len;
  }
  return out;
}

/** The pieces a text op deletes, in pre-op coordinates. */
export function textOpToSpans(op: LenOp): Range[] {
  const spans: Range[] = [];
  let at = 0;
  for (const c of op) {
    if (typeof c === "number") at += c;
    else if ("d" in c) {
      spans.push({ pos: at, len: c.d });
      at += c.d;
    } else throw new Error("internal: a transformed delete gained an insert");
  }
  return spans;
}

/** An op inserting `length` (> 0) code points at `pos`. */
export function insertToLenOp(pos: number, length: number): LenOp {
  return pos > 0 ? [pos, { i: length }] : [{ i: length }];
}

/**
 * Maps position `p` of the pre-op state to the post-op state. A position inside deleted
 * text goes to the deletion point. An insert exactly at `p` pushes `p` past it with
 * `assoc: "after"` and leaves it in front with `assoc: "before"`.
 */
export function mapPosition(p: number, op: LenOp, assoc: "before" | "after"): number {
  let pre = 0;
  let post = 0;
  for (const c of op) {
    if (typeof c === "number") {
      if (p < pre + c) return post + (p - pre);
      pre += c;
      post += c;
    } else if ("i" in c) {
      if (p === pre && assoc === "before") return post;
      post += c.i;
    } else {
      if (p < pre + c.d) return post;
      pre += c.d;
    }
  }
  return post + (p - pre);
}
