import type { DocRef } from "../doc-ref.js";
import type { LogStore } from "../ports/log-store.js";
import { auditRecordOf, type AuditRecord } from "./audit-records.js";

export interface AuditQuery {
  /** Only records with seq > after. */
  after: number;
  /** At most this many records (>= 1). */
  limit: number;
  /** Only records authored by this user (the entry's userId). */
  userId?: string;
}

export interface AuditPage {
  records: AuditRecord[];
  /**
   * The seq to pass as the next `after`, present iff the log may hold more matching records:
   * without `userId` exactly iff more records exist; with it, also when the scan stopped at
   * AUDIT_SCAN_ENTRIES with the log going on (see auditPage).
   */
  next?: number;
}

/**
 * How many log entries past `after` one filtered page reads at most (2x the largest page): the
 * bound on a request's work when the filtered user authored few of them. Entries are at most
 * MAX_OP_BYTES each, so a page reads at most ~32 MiB of entries, typically a few hundred KB.
 */
export const AUDIT_SCAN_ENTRIES = 2_000;

/**
 * The audit records of a document, derived from its log on read: every record is
 * auditRecordOf(entry) and the log is immutable, so nothing is stored a second time and a
 * record is readable as soon as its entry is committed (the log's reads are strongly consistent).
 *
 * - Without `userId`: the entries with seq > after, at most `limit`, read as limit + 1 entries;
 *   `next` (the last returned seq) iff more exist.
 * - With `userId`: entries are read in chunks (limit + 1, then doubling) and only that user's
 *   become records, until limit + 1 of them were found (then `next` = the limit-th record's seq),
 *   the head was reached (no `next`), or AUDIT_SCAN_ENTRIES entries were read. At that bound the
 *   page holds what it found (possibly nothing) and, iff the log goes on, `next` = the last seq
 *   read: the entries up to it hold no further match, so a client passing it as `after` misses
 *   nothing and every request makes progress. Such a `next` does not promise another match.
 *
 * A document with no log (or of another tenant: the LogStore isolates them) gives no records.
 */
export async function auditPage(log: Pick<LogStore, "entries">, doc: DocRef, q: AuditQuery): Promise<AuditPage> {
  const limit = Math.max(1, Math.floor(q.limit));
  if (q.userId === undefined) {
    const entries = await log.entries(doc, q.after, limit + 1);
    const records = entries.slice(0, limit).map(auditRecordOf);
    return entries.length > limit ? { records, next: records[limit - 1].seq } : { records };
  }
  const records: AuditRecord[] = [];
  let cursor = q.after;
  let scanned = 0;
  let chunk = limit + 1;
  for (;;) {
    const want = Math.min(chunk, AUDIT_SCAN_ENTRIES - scanned);
    const atBound = scanned + want >= AUDIT_SCAN_ENTRIES;
    // At the bound, one entry more says whether the log goes on (it is not scanned).
    const got = await log.entries(doc, cursor, atBound ? want + 1 : want);
    for (const e of got.slice(0, want)) {
      scanned++;
      cursor = e.seq;
      if (e.userId !== q.userId) continue;
      if (records.length === limit) return { records, next: records[limit - 1].seq };
      records.push(auditRecordOf(e));
    }
    if (got.length < want) return { records };
    if (atBound) return got.length > want ? { records, next: cursor } : { records };
    chunk *= 2;
  }
}
