import type { AclRole, CanonicalOp } from "../ops/types.js";
import { atLeast, type AclTarget, type DocAcl, roleOfTarget } from "./doc-acl.js";

/**
 * What a role may do on a document (docs/api.md, "Access control"):
 *
 * | action                                                   | needs                     |
 * |----------------------------------------------------------|---------------------------|
 * | read state, log, receipts; subscribe; presence; search   | viewer                    |
 * | insert, delete, format, task                             | editor                    |
 * | comment, reaction, uncomment of one's own comment        | commenter                 |
 * | uncomment of someone else's comment                      | owner                     |
 * | acl                                                      | owner; or editor when the |
 * |                                                          | tenant lets editors share:|
 * |                                                          | roles up to editor, never |
 * |                                                          | an entry that is owner    |
 *
 * The one rule ingest (HTTP, from a cached ACL) and the sequencer (exact, as of the entry
 * before) both call. Facts the caller cannot know are left undefined and judged in the
 * sender's favour: ingest lets through what may turn out allowed, the sequencer (which always
 * knows them) has the last word.
 */
export interface ApplyFacts {
  /** The sender (the op's author). */
  userId: string;
  /** The author of the comment an `uncomment` names; null: there is no such comment; undefined: unknown. */
  commentAuthor?: string | null;
  /** The ACL the op is judged against (for an acl op: the target's current entry). undefined: unknown. */
  acl?: DocAcl;
  /** The tenant's `editorsCanShare` policy. */
  editorsCanShare: boolean;
}

export type ApplyVerdict = { ok: true } | { ok: false; needs: AclRole; why: string };

export const READ_ROLE: AclRole = "viewer";

/** Whether `role` may read the document (state, log, receipts, live, presence, search). */
export function mayRead(role: AclRole): boolean {
  return atLeast(role, READ_ROLE);
}

export function mayApply(role: AclRole, op: CanonicalOp, facts: ApplyFacts): ApplyVerdict {
  switch (op.type) {
    case "insert":
    case "delete":
    case "format":
    case "task":
      return need(role, "editor", `${op.type} needs the editor role`);
    case "comment":
    case "reaction":
      return need(role, "commenter", `${op.type} needs the commenter role`);
    case "uncomment": {
      const own = facts.commentAuthor === undefined || facts.commentAuthor === null || facts.commentAuthor === facts.userId;
      if (own) return need(role, "commenter", "uncomment needs the commenter role");
      return need(role, "owner", "only the comment's author or a document owner may delete a comment");
    }
    case "acl":
      return mayChangeAcl(role, op, facts);
  }
}

function mayChangeAcl(role: AclRole, op: CanonicalOp & { type: "acl" }, facts: ApplyFacts): ApplyVerdict {
  if (role === "owner") return { ok: true };
  if (role !== "editor" || !facts.editorsCanShare) {
    return { ok: false, needs: "owner", why: facts.editorsCanShare ? "changing access needs the editor role" : "only owners may change access" };
  }
  if (!atLeast("editor", op.role)) return { ok: false, needs: "owner", why: "editors may grant roles up to editor" };
  const current = facts.acl ? roleOfTarget(facts.acl, targetOf(op)) : undefined;
  if (current === "owner") return { ok: false, needs: "owner", why: "only owners may change an owner's entry" };
  return { ok: true };
}

function need(role: AclRole, needed: AclRole, why: string): ApplyVerdict {
  return atLeast(role, needed) ? { ok: true } : { ok: false, needs: needed, why };
}

/** The target a canonical acl op names. */
export function targetOf(op: CanonicalOp & { type: "acl" }): AclTarget {
  if (op.everyone === true) return { everyone: true };
  if (op.groupId !== undefined) return { groupId: op.groupId };
  return { userId: op.userId! };
}

/** How an ACL target reads in messages: `user ann`, `group eng`, `everyone`. */
export function describeTarget(t: AclTarget): string {
  return "everyone" in t ? "everyone" : "groupId" in t ? `group ${t.groupId}` : `user ${t.userId}`;
}
