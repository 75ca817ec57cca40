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
 */
export interface AuditStore {
  put(batch: AuditBatch): Promise<"written" | "exists">;
  query(doc: DocRef, q: AuditQuery): Promise<AuditPage>;
}

/** The check `put` makes before storing anything (shared by every adapter). */
export function assertAuditBatch(batch: AuditBatch): void {
  const { seqStart, seqEnd, records } = batch;
  const ok = records.length === seqEnd - seqStart + 1 && records.every((r, k) => r.seq === seqStart + k);
  if (!ok) throw new Error(`audit batch ${seqStart}..${seqEnd} must hold exactly one record per seq, ascending`);
}
