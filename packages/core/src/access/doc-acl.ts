import type { AclRole, LogEntry } from "../ops/types.js";

/** A role a document ACL entry can hold (`none` removes the entry). */
export type Role = Exclude<AclRole, "none">;

/**
 * A document's access control list: entries for users, for groups (matched against a token's
 * `groups` claim) and one for everyone in the tenant (`none` when there is none).
 *
 * `undefined` where a DocAcl is expected means "the document does not exist yet" (no committed
 * entry): its first committed change creates it (see creationEntries).
 */
export interface DocAcl {
  users: Record<string, Role>;
  groups: Record<string, Role>;
  everyone: AclRole;
}

/** Who is asking: the token's user, its groups, and whether it is a tenant admin. */
export interface AccessSubject {
  userId: string;
  groups?: readonly string[];
  admin?: boolean;
}

/** The most entries (users + groups) one document's ACL may hold; more is rejected `acl_too_large`. */
export const MAX_ACL_ENTRIES = 1000;

const RANK: Record<AclRole, number> = { none: 0, viewer: 1, commenter: 2, editor: 3, owner: 4 };

export const ACL_ROLES: readonly AclRole[] = ["owner", "editor", "commenter", "viewer", "none"];

/** Whether `role` is at least `needed` (owner > editor > commenter > viewer > none). */
export function atLeast(role: AclRole, needed: AclRole): boolean {
  return RANK[role] >= RANK[needed];
}

export function higher(a: AclRole, b: AclRole): AclRole {
  return RANK[a] >= RANK[b] ? a : b;
}

export function emptyAcl(): DocAcl {
  return { users: {}, groups: {}, everyone: "none" };
}

export function copyAcl(acl: DocAcl): DocAcl {
  return { users: plainCopy(acl.users), groups: plainCopy(acl.groups), everyone: acl.everyone };
}

/** A copy whose keys stay own data properties whatever they are named (`__proto__` included). */
function plainCopy(map: Record<string, Role>): Record<string, Role> {
  const out: Record<string, Role> = {};
  for (const [k, v] of Object.entries(map)) Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  return out;
}

/**
 * The caller's own role: the highest of their user entry, their groups' entries and the
 * everyone entry (`none` for a document that does not exist yet). Admin status is NOT folded in
 * here: see effectiveRole.
 */
export function memberRole(acl: DocAcl | undefined, who: AccessSubject): AclRole {
  if (!acl) return "none";
  let role: AclRole = acl.everyone;
  const own = entryOf(acl.users, who.userId);
  if (own) role = higher(role, own);
  if (who.groups) for (const g of who.groups) {
    const r = entryOf(acl.groups, g);
    if (r) role = higher(role, r);
  }
  return role;
}

/**
 * The role `map` holds for `key` as its own property (ids such as `__proto__` or
 * `constructor` are ordinary ids here, never inherited members).
 */
function entryOf(map: Record<string, Role>, key: string): Role | undefined {
  return Object.hasOwn(map, key) ? map[key] : undefined;
}

/**
 * The role the caller acts with: their member role, or `owner` for a tenant admin. `override`
 * is true when an admin acts on a document they hold no role on (the audit trail records it).
 */
export function effectiveRole(acl: DocAcl | undefined, who: AccessSubject): { role: AclRole; override: boolean } {
  const own = memberRole(acl, who);
  if (who.admin && own !== "owner") return { role: "owner", override: own === "none" };
  return { role: own, override: false };
}

/** The target an acl op or entry names. */
export type AclTarget = { userId: string } | { groupId: string } | { everyone: true };

/** The target of an acl entry (legacy entries carry only `targetUserId`). */
export function entryTarget(e: LogEntry & { type: "acl" }): AclTarget {
  if (e.everyone === true) return { everyone: true };
  if (e.targetGroupId !== undefined) return { groupId: e.targetGroupId };
  return { userId: e.targetUserId! };
}

/** The role the ACL's own entry for `target` holds (not the effective role of anyone). */
export function roleOfTarget(acl: DocAcl | undefined, target: AclTarget): AclRole {
  if (!acl) return "none";
  if ("everyone" in target) return acl.everyone;
  if ("groupId" in target) return entryOf(acl.groups, target.groupId) ?? "none";
  return entryOf(acl.users, target.userId) ?? "none";
}

/** `acl` with `target`'s entry set to `role` (`none` removes it). Returns a new value. */
export function withRole(acl: DocAcl | undefined, target: AclTarget, role: AclRole): DocAcl {
  const next = acl ? copyAcl(acl) : emptyAcl();
  if ("everyone" in target) next.everyone = role;
  else {
    const map = "groupId" in target ? next.groups : next.users;
    const key = "groupId" in target ? target.groupId : target.userId;
    if (role === "none") delete map[key];
    else Object.defineProperty(map, key, { value: role, enumerable: true, writable: true, configurable: true });
  }
  return next;
}

/** Whether any entry (user, group or everyone) holds the owner role. */
export function hasOwner(acl: DocAcl | undefined): boolean {
  if (!acl) return false;
  if (acl.everyone === "owner") return true;
  for (const r of Object.values(acl.users)) if (r === "owner") return true;
  for (const r of Object.values(acl.groups)) if (r === "owner") return true;
  return false;
}

export function aclEntries(acl: DocAcl | undefined): number {
  return acl ? Object.keys(acl.users).length + Object.keys(acl.groups).length : 0;
}

/**
 * The ACL after log entry `e`, given the ACL before it (`undefined` before seq 1). The one
 * definition of how the log decides access, used by the materializer, the sequencer and every
 * reader, so replay stays a pure function of the log:
 * - an `acl` entry sets its target's entry to its role (`none` removes it);
 * - a document whose first entry (seq 1) is not an `acl` entry was created before access
 *   control existed: it starts as `{everyone: "editor"}` with the author of seq 1 as owner,
 *   so it keeps working as it did (docs/api.md, "Documents from before access control");
 * - every other entry leaves the ACL as it is (a document exists from seq 1 on, so the result
 *   is never undefined once an entry was applied).
 */
export function aclAfter(acl: DocAcl | undefined, e: LogEntry): DocAcl {
  let base = acl;
  if (e.seq === 1 && e.type !== "acl") {
    base = { users: { [e.userId]: "owner" }, groups: {}, everyone: "editor" };
  }
  if (e.type !== "acl") return base ?? emptyAcl();
  return withRole(base, entryTarget(e), e.role);
}

/** Folds `entries` (consecutive, in seq order) into `acl`. */
export function foldAcl(acl: DocAcl | undefined, entries: readonly LogEntry[]): DocAcl | undefined {
  let out = acl;
  for (const e of entries) if (e.type === "acl" || e.seq === 1) out = aclAfter(out, e);
  return out;
}

/** A canonical string of an ACL (sorted keys), to compare two ACLs or store one. */
export function aclKey(acl: DocAcl | undefined): string {
  if (!acl) return "";
  const sort = (m: Record<string, Role>) => Object.fromEntries(Object.entries(m).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return JSON.stringify({ everyone: acl.everyone, groups: sort(acl.groups), users: sort(acl.users) });
}

/** Parses what aclKey wrote (a stored ACL); throws on anything else. */
export function parseAcl(json: string): DocAcl {
  const v = JSON.parse(json) as Partial<DocAcl>;
  if (!v || typeof v !== "object" || typeof v.users !== "object" || typeof v.groups !== "object" || typeof v.everyone !== "string") {
    throw new Error("parseAcl: not a stored ACL");
  }
  return { users: plainCopy(v.users as Record<string, Role>), groups: plainCopy(v.groups as Record<string, Role>), everyone: v.everyone };
}
