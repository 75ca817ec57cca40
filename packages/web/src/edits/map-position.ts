import type { CanonicalOp, Range } from "@weft/core";
import { codePointLength } from "../core.js";

/**
 * Maps a position (code points) through ops applied in sequence. An insert exactly at the
 * position pushes it along when `pushAtInsert` (a local edit: the caret follows what was
 * typed) and leaves it in front otherwise (a remote insert at a caret does not move it).
 * A position inside deleted text goes to the deletion point.
 */
export function mapThroughOps(pos: number, ops: readonly CanonicalOp[], pushAtInsert: boolean): number {
  let p = pos;
  for (const op of ops) {
    if (op.type === "insert") {
      if (p > op.pos || (p === op.pos && pushAtInsert)) p += codePointLength(op.text);
    } else if (op.type === "delete") {
      const spans: Range[] = op.ranges ?? (op.len > 0 ? [{ pos: op.pos, len: op.len }] : []);
      // Pieces are in pre-op coordinates: subtract what lies before p.
      let removed = 0;
      for (const r of spans) {
        if (p >= r.pos + r.len) removed += r.len;
        else if (p > r.pos) removed += p - r.pos;
      }
      p -= removed;
    }
  }
  return p;
}
