import type { AccessCursor, AccessEvent } from "../audit/access-events.js";
import type { DocRef } from "../doc-ref.js";

export interface AccessQuery {
  /** Only events with at >= since (epoch ms; default 0). */
  since?: number;
  /** Only events after this position in the (at, id) order: the `next` of the previous page. */
  after?: AccessCursor;
  /** At most this many events (>= 1). */
  limit: number;
  /** Only events of this user. */
  userId?: string;
}

export interface AccessPage {
  events: AccessEvent[];
  /** Present iff more matching events exist: the last returned event's position, to pass as `after`. */
  next?: AccessCursor;
}

/**
 * The stored part of the audit trail: access events (audit/access-events.ts: refusals, access
 * rejections, admin overrides), one item per event, per document. The per-op records are not
 * stored: they are a pure function of the immutable log, derived on read (audit/audit-trail.ts).
 *
 * Contract:
 * - `putAccessEvents(doc, events)` stores each event under (doc, at, id). An event whose
 *   (at, id) the document already holds is left as stored (a retried write adds nothing, even
 *   if its fields differed). It throws, storing nothing, when any event fails
 *   assertAccessEvents. No events: nothing happens.
 * - `accessEvents(doc, {since, after, limit, userId})` returns the document's events with
 *   at >= since and after `after` in the (at, id) order (ids compare as strings), ascending in
 *   that order, only `userId`'s when given, at most `limit`, and `next` (the last returned
 *   event's position) iff at least one more matching event exists.
 * - Events round-trip deep-equal. Documents are isolated, including across tenants with the
 *   same docId. Kept at least ACCESS_EVENT_RETENTION_DAYS after their `at` (an adapter may drop
 *   them after that).
 */
export interface AuditStore {
  putAccessEvents(doc: DocRef, events: readonly AccessEvent[]): Promise<void>;
  accessEvents(doc: DocRef, q: AccessQuery): Promise<AccessPage>;
}
