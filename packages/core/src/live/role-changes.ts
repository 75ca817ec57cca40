import { aclAfter, effectiveRole, type DocAcl } from "../access/doc-acl.js";
import { mayRead } from "../access/may-apply.js";
import type { AclRole, LogEntry } from "../ops/types.js";
import type { Subscriber } from "../ports/connection-store.js";

/** What committed entries do to one subscriber's access. */
export interface RoleChanges {
  /** Their effective role changed (still able to read) right after entry `seq`. */
  roles: Array<{ seq: number; role: AclRole }>;
  /** The entry that left them without read access: nothing from it on is theirs. */
  revokedAt?: number;
}

/**
 * For each subscriber, how the acl entries among `entries` (consecutive, ascending) change
 * their effective role, starting from `aclBefore` (the ACL right before the first entry;
 * undefined: the document did not exist, so its creation entries decide). Subscribers whose
 * role does not change are absent from the result. Pure: the broadcaster's one rule for
 * revoking live subscriptions, from access/doc-acl.ts.
 *
 * - Entries at or below a subscriber's `since` were judged when it subscribed (a stream batch
 *   can arrive after a subscription made on a later head): they only move its starting role.
 * - A document's creation entries (the sequencer's, clientSeq 0, consecutive) are one step:
 *   a subscriber waiting for the document is judged by the ACL after all of them.
 */
export function roleChanges(subscribers: readonly Subscriber[], aclBefore: DocAcl | undefined, entries: readonly LogEntry[]): Map<string, RoleChanges> {
  const out = new Map<string, RoleChanges>();
  if (!entries.some((e) => e.type === "acl" || e.seq === 1)) return out;
  const current = new Map(subscribers.map((s) => [s.connectionId, aclBefore ? effectiveRole(aclBefore, s).role : undefined]));
  let acl = aclBefore;
  for (const [i, e] of entries.entries()) {
    if (e.type !== "acl" && e.seq !== 1) continue;
    acl = aclAfter(acl, e);
    const next = entries[i + 1];
    if (e.clientSeq === 0 && next?.clientSeq === 0 && next.type === "acl") continue; // creation goes on
    for (const s of subscribers) {
      const change = out.get(s.connectionId);
      if (change?.revokedAt !== undefined) continue;
      const role = effectiveRole(acl, s).role;
      if (e.seq <= (s.since ?? 0)) {
        current.set(s.connectionId, role);
        continue;
      }
      if (role === current.get(s.connectionId)) continue;
      current.set(s.connectionId, role);
      const c = change ?? { roles: [] };
      if (mayRead(role)) c.roles.push({ seq: e.seq, role });
      else c.revokedAt = e.seq;
      out.set(s.connectionId, c);
    }
  }
  return out;
}
