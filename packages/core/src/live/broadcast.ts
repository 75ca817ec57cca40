import { docKey, type DocRef } from "../doc-ref.js";
import type { LogEntry } from "../ops/types.js";
import type { Rejection } from "../ports/records.js";
import type { Subscriber } from "../ports/connection-store.js";
import type { DocAcl } from "../access/doc-acl.js";
import { dropGone, postAll, sendLeaves, type FanoutDeps } from "./fanout.js";
import { packOps } from "./pack-ops.js";
import { roleChanges, type RoleChanges } from "./role-changes.js";
import { rejectedMessage, revokedMessage, roleMessage } from "./server-messages.js";

export interface BroadcastResult {
  subscribers: number;
  /** Ops messages per subscriber. */
  messages: number;
  gone: number;
  /** Subscriptions ended because an acl entry took their read access. */
  revoked: number;
}

/**
 * Delivers committed entries of one document (consecutive, ascending) to every connection
 * subscribed to it: one strongly consistent subscribers read, the entries packed once
 * (packOps), the same messages posted to each connection in order, connections in parallel.
 * Connections found gone are removed with all their subscriptions, and the others see their
 * leaves. Rejects if a post fails for another reason (the caller retries the whole document:
 * delivery is at least once).
 *
 * Entries at or below a subscriber's `since` (the log head when it subscribed) are not posted to
 * it: its subscribe's catch-up sends them, after `subscribed`, so a stream batch that was in
 * flight while it subscribed never reaches it ahead of its `subscribed` message (and is not
 * paid for twice).
 *
 * Access, checked per delivered batch: when `entries` hold acl entries (or start the
 * document), `access.aclBefore` is the ACL right before the first entry, and each subscriber's
 * effective role is followed through them (role-changes.ts). A subscriber whose role changes
 * gets `{"type":"role",...}` right after that entry; one who loses read access gets the
 * entries before the revoking one, then `{"type":"unsubscribed","reason":"forbidden","seq"}`,
 * and nothing after: their subscription is removed and the others get their presence leave.
 */
export async function broadcast(
  deps: FanoutDeps,
  doc: DocRef,
  entries: readonly LogEntry[],
  access?: { aclBefore: DocAcl | undefined },
): Promise<BroadcastResult> {
  if (entries.length === 0) return { subscribers: 0, messages: 0, gone: 0, revoked: 0 };
  const subs = await deps.connections.subscribers(doc);
  if (subs.length === 0) return { subscribers: 0, messages: 0, gone: 0, revoked: 0 };
  const messages = packOps(doc.docId, entries);
  const changes = access ? roleChanges(subs, access.aclBefore, entries) : new Map<string, RoleChanges>();
  const targets = subs.map((s) => {
    const c = changes.get(s.connectionId);
    const since = s.since ?? 0;
    const fresh = since < entries[0].seq ? entries : entries.filter((e) => e.seq > since);
    if (fresh.length === 0) return { connectionId: s.connectionId, messages: [] };
    if (c) return { connectionId: s.connectionId, messages: messagesWith(doc.docId, fresh, c) };
    return { connectionId: s.connectionId, messages: fresh === entries ? messages : packOps(doc.docId, fresh) };
  });
  const gone = await postAll(deps.gateway, targets);
  const goneIds = new Set(gone);
  const isRevoked = (s: Subscriber) => changes.get(s.connectionId)?.revokedAt !== undefined;
  // Revoked connections hear nothing more of the document, not even others' leaves.
  const stay = subs.filter((s) => !isRevoked(s));
  await dropGone(deps, gone, doc, new Map([[docKey(doc), stay]]));
  const revoked = subs.filter((s) => isRevoked(s) && !goneIds.has(s.connectionId));
  if (revoked.length > 0) {
    const removed = await Promise.all(revoked.map((s) => deps.connections.unsubscribe(s.connectionId, doc)));
    const leaving = removed.flatMap((r) => (r ? [{ ...r, doc }] : []));
    await sendLeaves(deps, leaving, new Map([[docKey(doc), stay.filter((s) => !goneIds.has(s.connectionId))]]));
    deps.logSink({ kind: "ws_revoked", tenant: doc.tenant, docId: doc.docId, connections: revoked.length });
  }
  return { subscribers: subs.length, messages: messages.length, gone: gone.length, revoked: revoked.length };
}

/** One subscriber's messages: the entries cut at their role changes, each followed by its `role` message; nothing past a revocation. */
function messagesWith(docId: string, entries: readonly LogEntry[], c: RoleChanges): string[] {
  const out: string[] = [];
  let from = 0;
  for (const { seq, role } of c.roles) {
    const upTo = entries.findIndex((e) => e.seq === seq) + 1;
    out.push(...packOps(docId, entries.slice(from, upTo)), roleMessage(docId, role, seq));
    from = upTo;
  }
  if (c.revokedAt === undefined) return [...out, ...packOps(docId, entries.slice(from))];
  const cut = entries.findIndex((e) => e.seq === c.revokedAt);
  return [...out, ...packOps(docId, entries.slice(from, cut)), revokedMessage(docId, c.revokedAt)];
}

/**
 * Tells each rejected op's submitter, on that user's connections subscribed to the document,
 * `{"type":"rejected","docId","id","reason"}`. Best effort by design (the receipt API is the
 * authority); the sequencer calls it after the rejections are stored.
 */
export async function notifyRejected(deps: FanoutDeps, doc: DocRef, rejections: readonly Rejection[]): Promise<number> {
  if (rejections.length === 0) return 0;
  const byUser = new Map<string, string[]>();
  for (const r of rejections) {
    const list = byUser.get(r.userId) ?? [];
    list.push(rejectedMessage(doc.docId, r.opId, r.reason));
    byUser.set(r.userId, list);
  }
  const targets = (await deps.connections.subscribers(doc))
    .filter((s) => byUser.has(s.userId))
    .map((s) => ({ connectionId: s.connectionId, messages: byUser.get(s.userId)! }));
  const gone = await postAll(deps.gateway, targets);
  await dropGone(deps, gone, doc);
  return targets.length;
}
