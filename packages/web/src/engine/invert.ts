import { applyText, codePointLength } from "../core.js";
import type { CanonicalOp, Range } from "@weft/core";

/**
 * The text ops that undo `ops` (applied in order to `text`), as a sequence applying to the
 * text after `ops`: an insert is undone by deleting what it inserted, a delete by inserting
 * the deleted pieces back (ascending, at their pre-delete positions: each piece goes back
 * before the text that followed it). Ops that do not change text have no inverse here (the
 * local view is text only; formatting and threads come from the committed state).
 */
export function invertText(text: string, ops: CanonicalOp[]): CanonicalOp[] {
  const undo: CanonicalOp[][] = [];
  let cur = text;
  for (const op of ops) {
    if (op.type === "insert") {
      undo.push([{ type: "delete", pos: op.pos, len: codePointLength(op.text) }]);
    } else if (op.type === "delete") {
      const spans: Range[] = op.ranges ?? (op.len > 0 ? [{ pos: op.pos, len: op.len }] : []);
      const cps = Array.from(cur);
      undo.push(spans.map((r) => ({ type: "insert", pos: r.pos, text: cps.slice(r.pos, r.pos + r.len).join("") })));
    }
    cur = applyText(cur, op);
  }
  return undo.reverse().flat();
}
