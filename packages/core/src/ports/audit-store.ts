import type { AccessCursor, AccessEvent } from "../audit/access-events.js";
import type { AuditBatch, AuditRecord } from "../audit/audit-records.js";
import type { DocRef } from "../doc-ref.js";

export interface AuditQuery {
  /** Only records with seq > after. */
  after: number;
  /** At most this many records (>= 1). */
  limit: number;
  /** Only records authored by this user. */
  userId?: string;
}

export interface AuditPage {
  records: AuditRecord[];
  /** Present iff more matching records exist: the seq to pass as the next `after`. */
  next?: number;
}

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
 * The audit trail: one stored item per committed batch (never one per op: writes are billed
 * per item), per document.
 *
 * Contract:
 * - `put` stores the batch iff the document has no batch starting at `batch.seqStart` and
 *   returns "written"; otherwise it returns "exists" and changes nothing (a replayed event
 *   writes nothing, even if its records differed). It throws, storing nothing, when the
 *   records are not exactly seqs seqStart..seqEnd ascending.
 * - `query(doc, {after, limit, userId})` returns the document's records with seq > after,
 *   ascending by seq, only those by `userId` when given, at most `limit`, and `next` (the
 *   last returned seq) iff at least one more matching record exists. Each seq appears at most
 *   once even if stored batches overlap (the batch with the lower seqStart wins).
 * - Records round-trip deep-equal. Documents are isolated, including across tenants with
 *   the same docId.
 *
 * Access events (audit/access-events.ts: refusals, access rejections, admin overrides) are
 * kept beside the records, one item per event, never mixed with them:
 * - `putAccessEvents(doc, events)` stores each event under (doc, at, id). An event whose
 *   (at, id) the document already holds is left as stored (a retried write adds nothing, even
 *   if its fields differed). It throws, storing nothing, when any event fails
 *   assertAccessEvents. No events: nothing happens.
 * - `accessEvents(doc, {since, after, limit, userId})` returns the document's events with
 *   at >= since and after `after` in the (at, id) order (ids compare as strings), ascending in
 *   that order, only `userId`'s when given, at most `limit`, and `next` (the last returned
 *   event's position) iff at least one more matching event exists.
 * - Events round-trip deep-equal; `query` never returns them and `accessEvents` never returns
 *   records; documents and tenants are isolated as for records. Kept at least
 *   ACCESS_EVENT_RETENTION_DAYS after their `at` (an adapter may drop them after that).
 */
export interface AuditStore {
  put(batch: AuditBatch): Promise<"written" | "exists">;
  query(doc: DocRef, q: AuditQuery): Promise<AuditPage>;
  putAccessEvents(doc: DocRef, events: readonly AccessEvent[]): Promise<void>;
  accessEvents(doc: DocRef, q: AccessQuery): Promise<AccessPage>;
}

/** The check `put` makes before storing anything (shared by every adapter). */
export function assertAuditBatch(batch: AuditBatch): void {
  const { seqStart, seqEnd, records } = batch;
  const ok = records.length === seqEnd - seqStart + 1 && records.every((r, k) => r.seq === seqStart + k);
  if (!ok) throw new Error(`audit batch ${seqStart}..${seqEnd} must hold exactly one record per seq, ascending`);
}
