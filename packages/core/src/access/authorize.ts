import { WeftError } from "../errors.js";
import type { AclRole, Op } from "../ops/types.js";
import type { DocRef } from "../doc-ref.js";
import { canonicalOf } from "../sequencer/canonical.js";
import type { AclReader } from "./acl-reader.js";
import { atLeast, effectiveRole, type AccessSubject, type DocAcl } from "./doc-acl.js";
import { mayApply, mayRead } from "./may-apply.js";

/** What a caller may do on a document right now, as the request path sees it. */
export interface DocAccess {
  /** The ACL (undefined: the document does not exist yet). */
  acl: DocAcl | undefined;
  exists: boolean;
  role: AclRole;
  /** A tenant admin acting on a document they hold no role on. */
  override: boolean;
}

/**
 * The caller's access to `doc` from the cached ACL. A cached "no document" or a role too low
 * for `need` is read again fresh before it is believed, so a document created or a grant made
 * a moment ago is seen at once; only a revocation can be served stale (for the reader's TTL).
 */
export async function docAccess(reader: AclReader, who: AccessSubject, doc: DocRef, need: AclRole = "viewer"): Promise<DocAccess> {
  let acl = await reader.read(doc);
  let { role, override } = effectiveRole(acl, who);
  if (!acl || !atLeast(role, need)) {
    acl = await reader.read(doc, { fresh: true });
    ({ role, override } = effectiveRole(acl, who));
  }
  return { acl, exists: acl !== undefined, role, override };
}

/** The refusal every document route gives a caller without read access to an existing document. */
export function noAccess(doc: DocRef): WeftError {
  return new WeftError("forbidden", `you have no access to document ${doc.docId}`);
}

/** Throws 403 `forbidden` unless the caller may read `doc` (a document that does not exist yet passes). */
export function assertMayRead(access: DocAccess, doc: DocRef): void {
  if (access.exists && !mayRead(access.role)) throw noAccess(doc);
}

/**
 * The 403 for the first op of a change the caller's role does not allow (judged as ingest can:
 * facts only the sequencer knows are given the benefit of the doubt), or undefined.
 */
export function changeRefusal(access: DocAccess, who: AccessSubject, ops: readonly Op[], editorsCanShare: boolean): WeftError | undefined {
  if (!access.exists) return undefined; // the change creates the document: its author becomes owner
  for (let i = 0; i < ops.length; i++) {
    const verdict = mayApply(access.role, canonicalOf(ops[i]), { userId: who.userId, acl: access.acl, editorsCanShare });
    if (!verdict.ok) {
      return new WeftError("forbidden", `op ${ops[i].id}: ${verdict.why}; you have the ${access.role} role`, [
        { index: i, id: ops[i].id, path: `ops[${i}]`, issue: `needs the ${verdict.needs} role; you have ${access.role}` },
      ]);
    }
  }
  return undefined;
}

