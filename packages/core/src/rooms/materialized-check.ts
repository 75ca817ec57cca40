import type { DocRef } from "../doc-ref.js";
import type { LogStore } from "../ports/log-store.js";
import type { LogBatch } from "../ports/records.js";

export interface MaterializedCheckDeps {
  /** The document's materialized version (0 when it has none). */
  materializedVersion(doc: DocRef): Promise<number>;
  log: Pick<LogStore, "batchesAfter">;
  /** Puts batches on the committed stream (the materializer skips what it has). */
  publish(batches: LogBatch[]): Promise<void>;
}

/**
 * The committed stream's repair on open. A room task killed within a flush leaves its last
 * batches in the log but off the stream (docs/rooms.md), and a document edited no more stays
 * materialized behind its log. A subscription sees the log's head; some time later (long enough
 * for the stream to have carried anything then in flight) the room task asks this: when the
 * materialized version is still below that head, the batches after it are read from the log and
 * published again. Returns what it did. Reads one document head per subscription; publishes
 * only for a document that is really behind.
 */
export async function republishIfBehind(deps: MaterializedCheckDeps, doc: DocRef, head: number): Promise<{ republished: number }> {
  const version = await deps.materializedVersion(doc);
  if (version >= head) return { republished: 0 };
  const batches = (await deps.log.batchesAfter(doc, version)).filter((b) => b.seqStart <= head);
  if (batches.length > 0) await deps.publish(batches);
  return { republished: batches.length };
}
