import type { DocRef } from "../doc-ref.js";
import type { LogEntry } from "../ops/types.js";
import type { ClientProgress, LogBatch } from "../ports/records.js";
import type { SequencerConfig } from "./sequencer.js";
import { utf8Length } from "../live/utf8.js";

/** An entry a sequencing run has decided to commit. */
export interface PendingEntry {
  entry: LogEntry;
  /** Document text length (code points) right after this entry. */
  lenAfter: number;
}

/**
 * A client's progress right after one decision (a change committed or rejected, a gap given
 * up), taken when `at` entries were pending. It travels with the log batch holding entry
 * `at - 1` (the first batch when `at` is 0), so that after a crash between the log write and
 * the state write, rolling forward restores every decision the written batches depend on.
 */
export interface ProgressEvent {
  at: number;
  progress: ClientProgress;
}

/**
 * Cuts a run's pending entries into log batches within the size limits, each carrying the
 * progress of every client decided up to its last entry (see ProgressEvent).
 */
export function logBatches(
  doc: DocRef,
  pending: PendingEntry[],
  events: ProgressEvent[],
  config: Pick<SequencerConfig, "maxBatchBytes" | "maxBatchEntries">,
  committedAt: number,
): LogBatch[] {
  const out: LogBatch[] = [];
  let from = 0;
  for (const [b, batch] of split(pending, config.maxBatchBytes, config.maxBatchEntries).entries()) {
    const to = from + batch.length;
    const progress = new Map<string, ClientProgress>();
    for (const e of events) {
      if ((e.at > from || (b === 0 && e.at === 0)) && e.at <= to) progress.set(e.progress.clientId, e.progress);
    }
    from = to;
    out.push({
      doc,
      seqStart: batch[0].entry.seq,
      seqEnd: batch[batch.length - 1].entry.seq,
      entries: batch.map((p) => p.entry),
      lenAfter: batch[batch.length - 1].lenAfter,
      clients: [...progress.values()],
      committedAt,
    });
  }
  return out;
}

/**
 * Greedy cut by encoded size (UTF-8 bytes of the JSON) and entry count. Measuring an entry
 * means serialising it, so a run that is clearly small (by an upper bound from its strings'
 * lengths) is one batch without measuring.
 */
function split(pending: PendingEntry[], maxBytes: number, maxEntries: number): PendingEntry[][] {
  if (pending.length <= maxEntries && pending.reduce((n, p) => n + bytesAtMost(p.entry), 0) <= maxBytes) {
    return pending.length > 0 ? [pending] : [];
  }
  const out: PendingEntry[][] = [];
  let cur: PendingEntry[] = [];
  let bytes = 0;
  for (const p of pending) {
    const size = utf8Length(JSON.stringify(p.entry));
    if (cur.length > 0 && (cur.length >= maxEntries || bytes + size > maxBytes)) {
      out.push(cur);
      cur = [];
      bytes = 0;
    }
    cur.push(p);
    bytes += size;
  }
  if (cur.length > 0) out.push(cur);
  return out;
}

/** Characters JSON writes as more than themselves (`\"`, `\\`, `\u0000`-style escapes). */
const ESCAPED = /["\\\u0000-\u001f\u2028\u2029]/;

/**
 * An upper bound of an entry's JSON size in UTF-8 bytes: a string without characters JSON
 * escapes is its UTF-8 length plus quotes, one with them at most 6 bytes a unit; nested values
 * are bounded from their own JSON.
 */
function bytesAtMost(entry: LogEntry): number {
  let n = 2;
  for (const [k, v] of Object.entries(entry)) {
    n += k.length + 4;
    if (typeof v === "string") n += (ESCAPED.test(v) ? 6 * v.length : utf8Length(v)) + 2;
    else if (typeof v === "number") n += 24;
    else if (v !== undefined) n += 3 * JSON.stringify(v).length;
  }
  return n;
}
