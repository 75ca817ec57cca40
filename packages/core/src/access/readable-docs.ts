import type { AclReader } from "./acl-reader.js";
import { effectiveRole, type AccessSubject } from "./doc-acl.js";
import { mayRead } from "./may-apply.js";

/**
 * Which of `docIds` (documents of `tenant`) `who` may read now: those whose current ACL gives
 * them a role `mayRead` allows (`effectiveRole`: their user entry, their groups' entries, the
 * everyone entry; a tenant admin acts as owner). A document with no ACL (it does not exist) is
 * never readable. ACLs come from `reader.readMany` (cached for its TTL, the rest in one batched
 * read), so a grant or a revocation applies here within the reader's TTL (2 s). No fresh
 * re-read before leaving a document out: this filters lists, where one read per refusal would
 * cost as much as the list.
 */
export async function readableDocIds(
  reader: AclReader,
  who: AccessSubject,
  tenant: string,
  docIds: readonly string[],
): Promise<Set<string>> {
  const acls = await reader.readMany(docIds.map((docId) => ({ tenant, docId })));
  const out = new Set<string>();
  docIds.forEach((docId, i) => {
    const acl = acls[i];
    if (acl && mayRead(effectiveRole(acl, who).role)) out.add(docId);
  });
  return out;
}
