import { codePointLength } from "../ops/code-points.js";
import type { CanonicalOp, Range } from "../ops/types.js";
import { transformLen, type LenOp } from "./len-op.js";
import {
  insertToLenOp,
  mapPosition,
  type SpanOp,
  spansOf,
  spansToLenOp,
  textOpToSpans,
} from "./text-op.js";

/** Who wins an insert tie: "left" = the incoming op's insert goes first, "right" = the committed op's. */
export type Side = "left" | "right";

/**
 * Rebases `incoming` past `committed`. Both are sequences (each op applies after the one
 * before it) made on the same document state; the result is `incoming`, op for op (same
 * length and order), rewritten to apply after all of `committed`. Satisfies TP1 on text:
 *
 *   apply(S, A ++ transformSeq(B, A, "right")) == apply(S, B ++ transformSeq(A, B, "left"))
 *
 * Semantics (positions are code points):
 * - insert/insert at the same position: `side` decides (default "right": committed first).
 * - delete/format: the span maps like text OT deletes do; text inserted inside it
 *   concurrently is kept out of it, splitting it into `ranges` (see CanonicalOp). A delete
 *   or format whose text was all deleted concurrently becomes `{pos, len: 0}`.
 * - format never changes text: transforming anything against a format leaves it unchanged.
 * - comment anchors map as a range: inserts strictly inside grow it, inserts at its start or
 *   end fall outside; deletes shrink it, to len 0 at the deletion point if all of it goes.
 * - comment/reaction/uncomment/task/acl are otherwise returned unchanged (uncomment names a
 *   comment by id and touches no text, so nothing moves it).
 *
 * Ops that need no change are returned as the same objects; changed ones are new objects
 * that keep every other field. Inputs may carry `ranges` (log entries) and len-0 spans.
 *
 * Cost: O(|incoming| x |committed|) pairwise transforms, each linear in the two ops' pieces
 * and independent of text length (len-op.ts).
 */
export function transformSeq(incoming: CanonicalOp[], committed: CanonicalOp[], side: Side = "right"): CanonicalOp[] {
  // The committed ops' effects on text, rebased past each incoming op in turn (the OT grid):
  // the i-th incoming op is transformed against effects that already include ops 0..i-1.
  const effects = committed.map(textEffect).filter((e): e is LenOp => e !== null && e.length > 0);
  const otherSide: Side = side === "left" ? "right" : "left";
  return incoming.map((op) => {
    let cur = op;
    for (let j = 0; j < effects.length; j++) {
      const mine = textEffect(cur);
      const next = transformAgainst(cur, effects[j], side);
      if (mine && mine.length > 0) effects[j] = transformLen(effects[j], mine, otherSide);
      cur = next;
    }
    return cur;
  });
}

/** What `op` does to the text, as a length-only op; null for ops that leave text alone. */
function textEffect(op: CanonicalOp): LenOp | null {
  if (op.type === "insert") return op.text.length > 0 ? insertToLenOp(op.pos, codePointLength(op.text)) : [];
  if (op.type === "delete") return spansToLenOp(spansOf(op));
  return null;
}

/** `op` rewritten to apply after the text change `other` (made on the same state). */
function transformAgainst(op: CanonicalOp, other: LenOp, side: Side): CanonicalOp {
  switch (op.type) {
    case "insert": {
      // Where an insert lands is its position mapped through `other`, ties going by side
      // (the same as transforming a one-insert op, without building one).
      const assoc = op.text.length === 0 || side === "left" ? "before" : "after";
      return { ...op, pos: mapPosition(op.pos, other, assoc) };
    }
    case "delete":
    case "format":
      return transformSpans(op, other, side);
    case "comment": {
      if (!op.anchor) return op;
      return { ...op, anchor: mapAnchor(op.anchor, other) };
    }
    default:
      return op;
  }
}

function transformSpans(op: SpanOp, other: LenOp, side: Side): SpanOp {
  const spans = spansOf(op);
  if (spans.length === 0) return withSpans(op, [], mapPosition(op.pos, other, "before"));
  const moved = textOpToSpans(transformLen(spansToLenOp(spans), other, side));
  return withSpans(op, moved, mapPosition(spans[0].pos, other, "before"));
}

/**
 * `op` acting on `spans`: one span -> plain pos/len; several -> `ranges` plus the covering
 * pos/len; none -> `{pos: emptyPos, len: 0}`.
 */
function withSpans(op: SpanOp, spans: Range[], emptyPos: number): SpanOp {
  const { ranges: _dropped, ...rest } = op;
  if (spans.length === 0) return { ...rest, pos: emptyPos, len: 0 };
  const first = spans[0];
  const last = spans[spans.length - 1];
  const cover = { ...rest, pos: first.pos, len: last.pos + last.len - first.pos };
  return spans.length > 1 ? { ...cover, ranges: spans } : cover;
}

function mapAnchor(anchor: Range, other: LenOp): Range {
  const pos = mapPosition(anchor.pos, other, "after");
  if (anchor.len === 0) return { pos, len: 0 };
  const end = mapPosition(anchor.pos + anchor.len, other, "before");
  return { pos, len: Math.max(0, end - pos) };
}
