import { ACL_ROLES, mayApply, WeftError } from "../core.js";
import type { AclRole, CanonicalOp, DocState } from "@weft/core";

/**
 * The caller's effective role on one document, as the server last reported it, and the local
 * check of edits against it with core's `mayApply` (the rule the server applies).
 *
 * Sources, each with the log position it is true as of: `GET /v1/docs/{docId}` (its version),
 * `subscribed` (its version), `role` messages (the acl entry's seq). A report older than the
 * one held is ignored (a `role` message that crossed a resubscribe). Until the server reports
 * one the role is `owner`: a document with no committed entry is created by its first change,
 * whose author becomes its owner (and a server without access control restricts nothing).
 *
 * The local check knows less than the sequencer: not the tenant's `editorsCanShare` policy nor
 * who wrote a comment being deleted. Those are judged in the caller's favour (as ingest does),
 * so the check refuses only what the server would certainly refuse; the rest is the server's
 * call (a `rejected` event).
 */
export class RoleState {
  role: AclRole = "owner";
  private asOf = 0;

  constructor(private readonly docId: string) {}

  /** Takes a reported role; returns whether it changed the role. */
  report(role: unknown, asOf: number): boolean {
    if (typeof role !== "string" || !(ACL_ROLES as readonly string[]).includes(role) || asOf < this.asOf) return false;
    this.asOf = asOf;
    if (role === this.role) return false;
    this.role = role as AclRole;
    return true;
  }

  /** Whether the role allows `op` on a document whose committed state is `state`. */
  allows(op: CanonicalOp, state: DocState): boolean {
    return this.verdict(op, state).ok;
  }

  /** Throws a WeftError `forbidden` naming the first of `ops` the role does not allow. */
  check(ops: readonly CanonicalOp[], state: DocState): void {
    for (const op of ops) {
      const v = this.verdict(op, state);
      if (!v.ok) {
        const message = this.role === "none" ? `you have no access to document ${this.docId}` : `${v.why}; you have the ${this.role} role on document ${this.docId}`;
        throw new WeftError("forbidden", message, [{ path: op.type, issue: `needs the ${v.needs} role; you have ${this.role}` }]);
      }
    }
  }

  private verdict(op: CanonicalOp, state: DocState) {
    return mayApply(this.role, op, { userId: "", acl: state.version > 0 ? state.acl : undefined, editorsCanShare: true });
  }
}

/**
 * Whether `err` is the server's "you have no access to this document" (403 `forbidden` with no
 * op named), as every document route answers a caller with no role on an existing document.
 * A 403 naming an op (a role too low for it) is a refusal of that change, not of the document.
 */
export function isNoAccess(err: unknown): boolean {
  return err instanceof WeftError && err.code === "forbidden" && !err.details.some((d) => d.id !== undefined || d.index !== undefined);
}
