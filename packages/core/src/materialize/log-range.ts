import type { DocRef } from "../doc-ref.js";
import type { LogEntry } from "../ops/types.js";
import type { LogStore } from "../ports/log-store.js";

/** A finite range asked of a log that ends before it. */
export class LogEndsEarly extends Error {}

/** Entries per LogStore.entries call when reading a long range. */
const PAGE = 10_000;

/**
 * The committed entries with seq in (after, upTo], ascending. With a finite `upTo` every one
 * of them must exist: a log that ends early throws (the caller's version bookkeeping and the
 * log disagree, and a state built from a short read would be wrong). `upTo =
 * Number.MAX_SAFE_INTEGER` reads to the end of the log.
 */
export async function logRange(log: LogStore, doc: DocRef, after: number, upTo: number): Promise<LogEntry[]> {
  const out: LogEntry[] = [];
  let at = after;
  while (at < upTo) {
    const want = Math.min(PAGE, upTo - at);
    const page = await log.entries(doc, at, want);
    for (const e of page) {
      if (e.seq !== at + 1) throw new Error(`log of ${doc.tenant}/${doc.docId}: expected seq ${at + 1}, read ${e.seq}`);
      out.push(e);
      at = e.seq;
    }
    // A short page is the log's end (LogStore contract): no second query to find it empty.
    if (page.length < want) break;
  }
  if (upTo !== Number.MAX_SAFE_INTEGER && at < upTo) {
    throw new LogEndsEarly(`log of ${doc.tenant}/${doc.docId} ends at seq ${at}, before ${upTo}`);
  }
  return out;
}
