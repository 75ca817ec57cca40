import type { CanonicalOp, LogEntry, Op } from "../ops/types.js";

/** The op's canonical fields: what transforms act on (no id, seq or client timestamp). */
export function canonicalOf(op: Op): CanonicalOp {
  const { id: _id, seq: _seq, ts: _ts, ...rest } = op;
  return rest as CanonicalOp;
}

/**
 * The fields a canonical op puts on its log entry (an acl op's `userId` becomes `targetUserId`,
 * its `groupId` `targetGroupId`).
 */
export function entryFieldsOf(op: CanonicalOp): Record<string, unknown> {
  if (op.type !== "acl") return op;
  const { userId, groupId, ...rest } = op;
  if (userId !== undefined) return { ...rest, targetUserId: userId };
  if (groupId !== undefined) return { ...rest, targetGroupId: groupId };
  return rest;
}

/** The canonical op a log entry carries. */
export function canonicalOfEntry(entry: LogEntry): CanonicalOp {
  const { seq: _s, id: _i, clientId: _c, clientSeq: _cs, userId: _u, serverTs: _st, ts: _ts, ...rest } =
    entry as LogEntry & { ts?: number };
  if (rest.type === "acl") {
    const { targetUserId, targetGroupId, ...acl } = rest as typeof rest & { targetUserId?: string; targetGroupId?: string };
    if (targetUserId !== undefined) return { ...acl, userId: targetUserId } as CanonicalOp;
    if (targetGroupId !== undefined) return { ...acl, groupId: targetGroupId } as CanonicalOp;
    return acl as CanonicalOp;
  }
  return rest as CanonicalOp;
}
