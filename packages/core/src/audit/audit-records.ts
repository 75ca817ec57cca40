import type { AclRole, LogEntry, OpType } from "../ops/types.js";

/**
 * What an audit record says an entry did, per action. Only ids, positions, lengths and
 * roles: the audit trail answers "who did what, when", it is not a second copy of the
 * document (inserted text, comment bodies and task titles stay in the log).
 */
export type AuditDetails =
  | { pos: number; len: number } // insert, delete (len = code points actually deleted)
  | { pos: number; len: number; set: string[]; cleared: string[] } // format
  | { threadId: string; mentions: string[]; anchored: boolean } // comment
  | { threadId: string; commentId: string; emoji: string } // reaction
  | { threadId: string; commentId: string } // uncomment
  | { taskId: string; assignee: string; status?: string } // task
  | ({ role: AclRole } & ({ targetUserId: string } | { targetGroupId: string } | { everyone: true })); // acl

/** One committed entry as the audit trail shows it: derived from the entry on read (audit-trail.ts), never stored. */
export interface AuditRecord {
  seq: number;
  opId: string;
  /** The author (from the token that submitted the op). */
  userId: string;
  clientId: string;
  /** The entry type. */
  action: OpType;
  /** Server commit time of the entry (its serverTs, epoch ms). */
  at: number;
  /** One short human-readable line, at most AUDIT_SUMMARY_MAX code points. */
  summary: string;
  details: AuditDetails;
  /** Present iff the author was a tenant admin holding no role on the document (the entry's `override`). */
  override?: true;
}

/** Longest summary line, in code points (longer ones are cut with "…"). */
export const AUDIT_SUMMARY_MAX = 160;
/** How many mentioned users a comment summary names before "+N more" (details keep all). */
const SUMMARY_MENTIONS = 5;

/** The audit record of one committed entry. Pure. */
export function auditRecordOf(e: LogEntry): AuditRecord {
  const base = {
    seq: e.seq,
    opId: e.id,
    userId: e.userId,
    clientId: e.clientId,
    action: e.type,
    at: e.serverTs,
    ...(e.override ? { override: true as const } : {}),
  };
  const record = (summary: string, details: AuditDetails): AuditRecord => ({ ...base, summary: cut(summary), details });
  switch (e.type) {
    case "insert": {
      const len = codePoints(e.text);
      return record(`inserted ${plural(len, "char")} at ${e.pos}`, { pos: e.pos, len });
    }
    case "delete": {
      const len = e.ranges ? e.ranges.reduce((n, r) => n + r.len, 0) : e.len;
      const pieces = e.ranges && e.ranges.length > 1 ? ` in ${e.ranges.length} pieces` : "";
      return record(`deleted ${plural(len, "char")} at ${e.pos}${pieces}`, { pos: e.pos, len });
    }
    case "format": {
      const len = e.ranges ? e.ranges.reduce((n, r) => n + r.len, 0) : e.len;
      const keys = Object.keys(e.attrs).sort();
      const set = keys.filter((k) => e.attrs[k] !== null);
      const cleared = keys.filter((k) => e.attrs[k] === null);
      const what = [set.length > 0 ? set.join(", ") : "", cleared.length > 0 ? `cleared ${cleared.join(", ")}` : ""]
        .filter(Boolean)
        .join("; ");
      return record(`formatted ${plural(len, "char")} at ${e.pos} (${what || "no attrs"})`, { pos: e.pos, len, set, cleared });
    }
    case "comment": {
      const mentions = e.mentions ?? [];
      const named = mentions.slice(0, SUMMARY_MENTIONS).join(", ");
      const more = mentions.length > SUMMARY_MENTIONS ? ` +${mentions.length - SUMMARY_MENTIONS} more` : "";
      const tail = mentions.length > 0 ? ` (mentions ${named}${more})` : "";
      return record(`commented in thread ${e.threadId}${tail}`, { threadId: e.threadId, mentions, anchored: e.anchor !== undefined });
    }
    case "reaction":
      return record(`reacted ${e.emoji} to comment ${e.commentId} in thread ${e.threadId}`, {
        threadId: e.threadId,
        commentId: e.commentId,
        emoji: e.emoji,
      });
    case "uncomment":
      return record(`deleted comment ${e.commentId} in thread ${e.threadId}`, { threadId: e.threadId, commentId: e.commentId });
    case "task": {
      const status = e.status === undefined ? "" : `, status ${e.status}`;
      return record(`task ${e.taskId} upserted (assignee ${e.assignee}${status})`, {
        taskId: e.taskId,
        assignee: e.assignee,
        ...(e.status === undefined ? {} : { status: e.status }),
      });
    }
    case "acl": {
      const target = e.everyone ? { everyone: true as const } : e.targetGroupId !== undefined ? { targetGroupId: e.targetGroupId } : { targetUserId: e.targetUserId! };
      const name = "everyone" in target ? "everyone" : "targetGroupId" in target ? `group ${target.targetGroupId}` : target.targetUserId;
      return record(`acl change: ${name} -> ${e.role}`, { ...target, role: e.role });
    }
  }
}

function codePoints(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

function cut(s: string): string {
  const cps = Array.from(s);
  return cps.length <= AUDIT_SUMMARY_MAX ? s : `${cps.slice(0, AUDIT_SUMMARY_MAX - 1).join("")}…`;
}
