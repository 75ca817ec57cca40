import type { AclReader } from "./acl-reader.js";
import { effectiveRole, type AccessSubject } from "./doc-acl.js";
import { mayRead } from "./may-apply.js";

/**
 * How a document stands for a reader: `readable` (its current ACL gives them a role `mayRead`
 * allows), `unreadable` (it does not), or `no-acl` (no ACL: the document does not exist).
 */
export type DocReadability = "readable" | "unreadable" | "no-acl";

/**
 * The readability of each of `docIds` (documents of `tenant`) for `who`, one result per element
 * in order, judged with `effectiveRole` (their user entry, their groups' entries, the everyone
 * entry; a tenant admin acts as owner) against the current ACL from `reader.readMany` (cached
 * for its TTL, the rest in one batched read), so a grant or a revocation applies here within
 * the reader's TTL (2 s). No fresh re-read before calling a document unreadable: this filters
 * lists, where one read per refusal would cost as much as the list. The one judgement shared
 * by search (readableDocIds) and the notification feed and explain.
 */
export async function docReadability(
  reader: Pick<AclReader, "readMany">,
  who: AccessSubject,
  tenant: string,
  docIds: readonly string[],
): Promise<DocReadability[]> {
  if (docIds.length === 0) return [];
  const acls = await reader.readMany(docIds.map((docId) => ({ tenant, docId })));
  return acls.map((acl) => (acl === undefined ? "no-acl" : mayRead(effectiveRole(acl, who).role) ? "readable" : "unreadable"));
}

/**
 * Which of `docIds` (documents of `tenant`) `who` may read now: those docReadability calls
 * `readable`. A document with no ACL (it does not exist) is never readable.
 */
export async function readableDocIds(
  reader: Pick<AclReader, "readMany">,
  who: AccessSubject,
  tenant: string,
  docIds: readonly string[],
): Promise<Set<string>> {
  const found = await docReadability(reader, who, tenant, docIds);
  const out = new Set<string>();
  docIds.forEach((docId, i) => {
    if (found[i] === "readable") out.add(docId);
  });
  return out;
}
