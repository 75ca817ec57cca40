import { REJECT_REASONS } from "../errors.js";
import { MAX_TIMESTAMP_MS } from "../limits.js";
import type { QuarantineRecord, Rejection } from "../ports/records.js";

/**
 * Access events: what the audit trail keeps besides committed entries. Who was refused or
 * rejected on a document, and which tenant admin read a document they hold no role on.
 * Like audit records they hold no document content.
 */

/** The sequencer's rejection reasons that are access decisions (each rejected change is one event). */
export const ACCESS_REJECT_REASONS = [REJECT_REASONS.forbidden, REJECT_REASONS.lastOwner, REJECT_REASONS.aclTooLarge] as const;
export type AccessRejectReason = (typeof ACCESS_REJECT_REASONS)[number];

/** How long the audit table keeps an access event at least (committed records are kept for good). */
export const ACCESS_EVENT_RETENTION_DAYS = 400;

/** An event id: unique within its document; `.` separates its parts (kind first). */
export const ACCESS_EVENT_ID_PATTERN = /^[A-Za-z0-9_.~-]{1,200}$/;

interface AccessEventBase {
  /** Unique within the document (ACCESS_EVENT_ID_PATTERN); a retried write of the same event has the same id and at. */
  id: string;
  /** Epoch ms (for `rejected`: when ingest accepted the change, so a retried run writes the same event). */
  at: number;
  /** Who (the token's `sub`). */
  userId: string;
}

/** The sequencer rejected a whole change for an access reason. */
export interface RejectedAccessEvent extends AccessEventBase {
  kind: "rejected";
  reason: AccessRejectReason;
  /** The change's first rejected op, its client and how many of its ops were rejected. */
  opId: string;
  clientId: string;
  ops: number;
  /** The rejection's message (as in the receipts). */
  message: string;
}

/**
 * The document route a refusal or override happened on: `submit ops` (POST
 * /v1/docs/{docId}/ops), `read state` (GET /v1/docs/{docId}), `read log` (GET
 * /v1/docs/{docId}/ops), `read receipt` (GET /v1/docs/{docId}/ops/{opId}).
 */
export type AccessAction = string;

/** A document route answered 403 `forbidden`. */
export interface RefusedAccessEvent extends AccessEventBase {
  kind: "refused";
  action: AccessAction;
  /** `no access` (no role on the document) or `role too low, needs <role>` (an op of a submit). */
  reason: string;
  /** The first op the caller's role does not allow (submits refused for their role only). */
  opId?: string;
  /** The 403's message, as the caller got it. */
  message: string;
}

/** A tenant admin read a document they hold no role on. */
export interface OverrideAccessEvent extends AccessEventBase {
  kind: "override";
  action: AccessAction;
}

export type AccessEvent = RejectedAccessEvent | RefusedAccessEvent | OverrideAccessEvent;

/** A position in the (at, id) order of a document's access events: the last event of a page. */
export interface AccessCursor {
  at: number;
  id: string;
}

/**
 * The access events of one sequencing run's rejections: one per rejected change whose reason
 * is an access reason. `quarantined` holds one record per rejected change (the sequencer
 * quarantines each, with a deterministic id and the change's acceptedAt); `rejections` one per
 * op, which name the ops. The event id is `rejected.<clientId>.<first op id>` and its time the
 * change's acceptedAt, so a retried run yields the same events. Pure.
 */
export function rejectionAccessEvents(rejections: readonly Rejection[], quarantined: readonly QuarantineRecord[]): RejectedAccessEvent[] {
  const out: RejectedAccessEvent[] = [];
  for (const q of quarantined) {
    if (q.source !== "sequencer" || !isAccessReason(q.reason) || q.clientId === undefined || q.userId === undefined) continue;
    const ops = rejections
      .filter((r) => r.clientId === q.clientId && r.reason === q.reason && r.message === q.message)
      .sort((a, b) => a.clientSeq - b.clientSeq);
    if (ops.length === 0) continue;
    out.push({
      id: `rejected.${q.clientId}.${ops[0].opId}`,
      at: q.at,
      userId: q.userId,
      kind: "rejected",
      reason: q.reason,
      opId: ops[0].opId,
      clientId: q.clientId,
      ops: ops.length,
      message: q.message,
    });
  }
  return out;
}

function isAccessReason(reason: string): reason is AccessRejectReason {
  return (ACCESS_REJECT_REASONS as readonly string[]).includes(reason);
}

/** The check every AccessStore adapter makes before storing anything: throws naming the first bad event. */
export function assertAccessEvents(events: readonly AccessEvent[]): void {
  for (const e of events) {
    if (typeof e.id !== "string" || !ACCESS_EVENT_ID_PATTERN.test(e.id)) throw new Error(`access event id must match ${ACCESS_EVENT_ID_PATTERN}: ${JSON.stringify(e.id)}`);
    if (!Number.isSafeInteger(e.at) || e.at < 0 || e.at > MAX_TIMESTAMP_MS) throw new Error(`access event ${e.id}: at must be an integer epoch ms, got ${e.at}`);
  }
}

/** The string form of a cursor (`<at>-<id>`, URL-safe): the route's `accessNext` / `accessAfter`. */
export function formatAccessCursor(c: AccessCursor): string {
  return `${c.at}-${c.id}`;
}

/** Inverse of formatAccessCursor; undefined for anything else. */
export function parseAccessCursor(s: string): AccessCursor | undefined {
  const m = /^(\d{1,16})-(.+)$/.exec(s);
  if (!m || !ACCESS_EVENT_ID_PATTERN.test(m[2])) return undefined;
  const at = Number(m[1]);
  return at <= MAX_TIMESTAMP_MS ? { at, id: m[2] } : undefined;
}

/** Whether event position a comes before b in the (at, id) order (ids compare as strings: ASCII). */
export function accessBefore(a: AccessCursor, b: AccessCursor): boolean {
  return a.at < b.at || (a.at === b.at && a.id < b.id);
}
