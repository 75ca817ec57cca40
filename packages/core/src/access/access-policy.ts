import { WeftError, type ErrorDetail } from "../errors.js";
import type { AclRole } from "../ops/types.js";
import { ACL_ROLES } from "./doc-acl.js";

/**
 * A tenant's access policy (`GET/PUT /v1/admin/access/policy`):
 * - `newDocumentEveryone`: the `everyone` entry a new document gets (committed as its second
 *   entry, right after its creator's owner entry, unless `none`);
 * - `editorsCanShare`: whether editors may change access (roles up to editor, never an entry
 *   that is owner).
 */
export interface AccessPolicy {
  newDocumentEveryone: AclRole;
  editorsCanShare: boolean;
}

export const DEFAULT_ACCESS_POLICY: AccessPolicy = { newDocumentEveryone: "none", editorsCanShare: false };

/**
 * Where tenants' access policies live. Contract: `get` is strongly consistent and returns what
 * the last `put` stored for that tenant (a copy), or undefined; tenants are isolated.
 */
export interface AccessPolicyStore {
  get(tenant: string): Promise<AccessPolicy | undefined>;
  put(tenant: string, policy: AccessPolicy): Promise<void>;
}

/** In-memory AccessPolicyStore: the reference implementation of the contract. */
export class MemoryAccessPolicyStore implements AccessPolicyStore {
  private readonly policies = new Map<string, AccessPolicy>();

  async get(tenant: string): Promise<AccessPolicy | undefined> {
    const p = this.policies.get(tenant);
    return p && { ...p };
  }

  async put(tenant: string, policy: AccessPolicy): Promise<void> {
    this.policies.set(tenant, { ...policy });
  }
}

/**
 * Applies a PUT body (either or both fields) to `current`. Throws WeftError("invalid_request")
 * with one detail per problem: a body that is not an object, an unknown key, a bad role, a
 * non-boolean `editorsCanShare`, or no field at all.
 */
export function applyAccessPolicyPatch(current: AccessPolicy, body: unknown): AccessPolicy {
  const details: ErrorDetail[] = [];
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    throw new WeftError("invalid_request", "body must be a JSON object {newDocumentEveryone?, editorsCanShare?}", [
      { path: "", issue: "expected an object" },
    ]);
  }
  const b = body as Record<string, unknown>;
  const next = { ...current };
  for (const key of Object.keys(b)) {
    if (key !== "newDocumentEveryone" && key !== "editorsCanShare") details.push({ path: key, issue: "unknown key" });
  }
  if ("newDocumentEveryone" in b) {
    if (typeof b.newDocumentEveryone === "string" && (ACL_ROLES as readonly string[]).includes(b.newDocumentEveryone)) {
      next.newDocumentEveryone = b.newDocumentEveryone as AclRole;
    } else details.push({ path: "newDocumentEveryone", issue: `must be one of ${ACL_ROLES.join(", ")}` });
  }
  if ("editorsCanShare" in b) {
    if (typeof b.editorsCanShare === "boolean") next.editorsCanShare = b.editorsCanShare;
    else details.push({ path: "editorsCanShare", issue: "must be true or false" });
  }
  if (details.length === 0 && !("newDocumentEveryone" in b) && !("editorsCanShare" in b)) {
    details.push({ path: "", issue: "give newDocumentEveryone, editorsCanShare or both" });
  }
  if (details.length > 0) throw new WeftError("invalid_request", `${details.length} problem(s) in the access policy`, details);
  return next;
}
