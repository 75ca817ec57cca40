import type { CanonicalOp, Op, Range } from "@weft/core";

/** A local op: its id (fixed when the edit is made) and its current form (rebased as remote ops arrive). */
export interface LocalOp {
  id: string;
  op: CanonicalOp;
  /** Client time of the edit (ms), sent as the op's `ts`. */
  ts?: number;
}

/** The canonical op a log entry carries: the sequencer's own mapping, so client and server agree. */
export { canonicalOfEntry } from "@weft/core/sequencer/canonical";

/**
 * The pieces of a delete/format in its current form, as plain ops a client may send (the
 * HTTP API takes neither `ranges` nor empty spans): a len-0 op becomes nothing; an op split
 * by concurrent inserts becomes one op per piece. Deletes apply in sequence, so each piece's
 * position is shifted left by the pieces deleted before it; format pieces keep theirs.
 * The first piece keeps the op's id, piece k > 0 gets `<id>_<k>` (unique: plain ids end in a
 * digit sequence after `-`).
 */
export function sendablePieces(local: LocalOp): LocalOp[] {
  const { op } = local;
  if (op.type !== "delete" && op.type !== "format") return [local];
  const spans: Range[] = op.ranges ?? (op.len > 0 ? [{ pos: op.pos, len: op.len }] : []);
  let removed = 0;
  return spans.map((r, k) => {
    const { ranges: _r, ...rest } = op;
    const pos = op.type === "delete" ? r.pos - removed : r.pos;
    if (op.type === "delete") removed += r.len;
    return { id: k === 0 ? local.id : `${local.id}_${k}`, op: { ...rest, pos, len: r.len } as CanonicalOp, ts: local.ts };
  });
}

/** The op as the HTTP API takes it. */
export function toClientOp(local: LocalOp, seq: number): Op {
  const op = { id: local.id, seq, ...local.op } as Op;
  if (local.ts !== undefined) op.ts = local.ts;
  return op;
}

/** The canonical form of a client op (drops id, seq, ts). */
export function canonicalOfOp(op: Op): CanonicalOp {
  const { id: _id, seq: _seq, ts: _ts, ...rest } = op;
  return rest as CanonicalOp;
}

/** Whether two canonical ops are the same op (field by field, as JSON). */
export function sameOp(a: CanonicalOp, b: CanonicalOp): boolean {
  return stable(a) === stable(b);
}

function stable(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stable).join(",")}]`;
  if (v && typeof v === "object") {
    const keys = Object.keys(v).filter((k) => (v as Record<string, unknown>)[k] !== undefined).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${stable((v as Record<string, unknown>)[k])}`).join(",")}}`;
  }
  return JSON.stringify(v);
}
