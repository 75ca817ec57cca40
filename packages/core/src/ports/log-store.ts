import type { DocRef } from "../doc-ref.js";
import type { LogEntry } from "../ops/types.js";
import type { LogBatch, LogHead } from "./records.js";

/**
 * The per-document ordered log. Entries are stored in batches (one storage item per
 * batch, so write cost follows bytes, not op count) and never change once written.
 *
 * Contract:
 * - `append` commits the batch iff no batch of that document starts at `batch.seqStart`,
 *   atomically: of two appends racing for the same seqStart exactly one returns "ok",
 *   the other "conflict" and changes nothing. The caller computes seqStart = head.seq + 1
 *   from a fresh `head` read; that key fence is what keeps seqs gap-free.
 * - `tail` is strongly consistent: the last batch (deep-equal to what was appended), or
 *   undefined for an empty log. `head` is the same read reduced to the last batch's seqEnd
 *   and lenAfter, or {seq: 0, len: 0}.
 * - `entries(doc, after, limit)` returns committed entries with seq > after, ascending, at
 *   most `limit`, exactly as appended (deep-equal); fewer than `limit` only when the log
 *   holds no more (a reader of the log's end stops at the first short page).
 * - `batchesAfter(doc, after)` returns, ascending, every batch holding a seq > after.
 * - `findOp` returns the seq of the committed op with that id, or undefined.
 * - Documents are isolated, including across tenants with the same docId.
 */
export interface LogStore {
  append(batch: LogBatch): Promise<"ok" | "conflict">;
  tail(doc: DocRef): Promise<LogBatch | undefined>;
  head(doc: DocRef): Promise<LogHead>;
  entries(doc: DocRef, after: number, limit: number): Promise<LogEntry[]>;
  batchesAfter(doc: DocRef, after: number): Promise<LogBatch[]>;
  findOp(doc: DocRef, opId: string): Promise<{ seq: number } | undefined>;
}
