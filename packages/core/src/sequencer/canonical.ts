import type { CanonicalOp, LogEntry, Op } from "../ops/types.js";

/** The op's canonical fields: what transforms act on (no id, seq or client timestamp). */
export function canonicalOf(op: Op): CanonicalOp {
  const { id: _id, seq: _seq, ts: _ts, ...rest } = op;
  return rest as CanonicalOp;
}

/** The canonical op a log entry carries. */
export function canonicalOfEntry(entry: LogEntry): CanonicalOp {
  const { seq: _s, id: _i, clientId: _c, clientSeq: _cs, userId: _u, serverTs: _st, ts: _ts, ...rest } =
    entry as LogEntry & { ts?: number };
  return rest as CanonicalOp;
}
