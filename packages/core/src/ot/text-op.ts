import type { TextOp } from "ot-text-unicode";
import { codePointLength } from "../ops/code-points.js";
import type { CanonicalOp, Range } from "../ops/types.js";

/**
 * Bridges Weft ops and ot-text-unicode ops. An ot-text-unicode op walks the document it
 * applies to: a number skips that many code points, a string inserts it, `{d: n}` deletes
 * n code points. Positions in the walk are coordinates of the pre-op state, exactly what
 * Weft `ranges` use, so converting is a linear walk either way.
 */

export type SpanOp = Extract<CanonicalOp, { type: "delete" | "format" }>;

/** The pieces a delete/format acts on: its `ranges`, else its one span, else none (len 0). */
export function spansOf(op: SpanOp): Range[] {
  if (op.ranges) return op.ranges;
  return op.len > 0 ? [{ pos: op.pos, len: op.len }] : [];
}

/** An op deleting exactly `spans` (ascending, non-overlapping). */
export function spansToTextOp(spans: Range[]): TextOp {
  const out: TextOp = [];
  let at = 0;
  for (const { pos, len } of spans) {
    if (pos > at) out.push(pos - at);
    const last = out[out.length - 1];
    // Adjacent pieces merge: ot-text-unicode wants normalized ops.
    if (pos === at && typeof last === "object") last.d = (last.d as number) + len;
    else out.push({ d: len });
    at = pos + len;
  }
  return out;
}

/** The pieces an ot-text-unicode op deletes, in pre-op coordinates. */
export function textOpToSpans(op: TextOp): Range[] {
  const spans: Range[] = [];
  let at = 0;
  for (const c of op) {
    if (typeof c === "number") at += c;
    else if (typeof c === "object") {
      const len = c.d as number;
      spans.push({ pos: at, len });
      at += len;
    } else throw new Error("internal: a transformed delete gained an insert");
  }
  return spans;
}

/** An op inserting `text` (non-empty) at code point `pos`. */
export function insertToTextOp(pos: number, text: string): TextOp {
  return pos > 0 ? [pos, text] : [text];
}

/** Where the (single) insert of an ot-text-unicode op lands. */
export function insertPosOf(op: TextOp): number {
  return typeof op[0] === "number" ? op[0] : 0;
}

/**
 * Maps position `p` of the pre-op state to the post-op state. A position inside deleted
 * text goes to the deletion point. An insert exactly at `p` pushes `p` past it with
 * `assoc: "after"` and leaves it in front with `assoc: "before"`.
 */
export function mapPosition(p: number, op: TextOp, assoc: "before" | "after"): number {
  let pre = 0;
  let post = 0;
  for (const c of op) {
    if (typeof c === "number") {
      if (p < pre + c) return post + (p - pre);
      pre += c;
      post += c;
    } else if (typeof c === "string") {
      if (p === pre && assoc === "before") return post;
      post += codePointLength(c);
    } else {
      const len = c.d as number;
      if (p < pre + len) return post;
      pre += len;
    }
  }
  return post + (p - pre);
}
