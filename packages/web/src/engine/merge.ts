import { codePointLength, MAX_OP_BYTES } from "../core.js";
import type { CanonicalOp } from "@weft/core";
import { utf8Length as utf8Bytes } from "@weft/core/live/utf8";

/** Largest text a merged insert may reach, leaving room for the op's other fields within MAX_OP_BYTES. */
const MAX_MERGED_BYTES = MAX_OP_BYTES - 512;

/**
 * `last` (the newest pending op) and `op` (made right after it) as one op, or null when they
 * do not combine: an insert typed inside or right after the pending insert's text, a delete
 * right before (backspace) or at (forward delete) the pending delete. The merged op has the
 * same effect on the text as the two in sequence, and rebases identically: `op` was made on
 * a state no remote op has seen, so no remote op can fall between the two.
 */
export function mergeInto(last: CanonicalOp, op: CanonicalOp): CanonicalOp | null {
  if (last.type === "insert" && op.type === "insert") {
    const len = codePointLength(last.text);
    if (op.pos < last.pos || op.pos > last.pos + len) return null;
    const cps = Array.from(last.text);
    const text = cps.slice(0, op.pos - last.pos).join("") + op.text + cps.slice(op.pos - last.pos).join("");
    if (utf8Bytes(JSON.stringify(text)) > MAX_MERGED_BYTES) return null;
    return { type: "insert", pos: last.pos, text };
  }
  if (last.type === "delete" && op.type === "delete" && !last.ranges && !op.ranges && last.len > 0 && op.len > 0) {
    if (op.pos + op.len === last.pos) return { type: "delete", pos: op.pos, len: op.len + last.len };
    if (op.pos === last.pos) return { type: "delete", pos: last.pos, len: last.len + op.len };
  }
  return null;
}
