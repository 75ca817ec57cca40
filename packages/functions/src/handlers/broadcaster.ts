import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from "aws-lambda";
import { accessBeforeBatches, broadcast, docKey, jsonLineSink, type DocRef, type FanoutDeps, type LogBatch, type LogEntry, type LogStore } from "@weft/core";
import { logBatchFromImage } from "../adapters/dynamo/log-store.js";
import type { ItemImage } from "../adapters/dynamo/codec.js";
import { liveDeps, wiring } from "../wiring.js";

/** Documents delivered at once; each runs its own bounded post fan-out (core/live/fanout.ts). */
const DOC_CONCURRENCY = 8;

/**
 * Log stream -> every connection subscribed to the document. Per invocation and document:
 * the batches' entries in seq order, ONE strongly consistent subscribers Query, the entries
 * packed once into messages of at most 32 KB (128 KB for a single huge entry), the same
 * messages posted to each connection in order, connections in parallel. A "gone" post removes
 * that connection and its subscriptions (its leaves go to the others).
 *
 * A document whose delivery fails is reported as a batch item failure from its first record,
 * so Lambda retries from there (delivery is at least once: records after it come again, and
 * clients drop what they already have). Records that are not log batches are skipped.
 *
 * Batches the room tier committed and delivered itself (`deliveredLive`) are skipped.
 *
 * Batches that change access carry the ACL before them (`aclBefore`), so each subscriber's
 * role is followed through them with no read (core/live/broadcast.ts); a batch written before
 * access control has none, and then the log is replayed up to it (once, for such documents).
 */
export function handler(event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> {
  return broadcastRecords(liveDeps(wiring()), event);
}

/** The handler's work on given adapters (tests run it on memory adapters). */
export async function broadcastRecords(deps: FanoutDeps & { log: LogStore }, event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> {
  const groups = new Map<string, { doc: DocRef; entries: LogEntry[]; first: string; batches: LogBatch[] }>();
  for (const r of event.Records) {
    const image = r.dynamodb?.NewImage;
    if (r.eventName !== "INSERT" || !image) continue;
    let batch;
    try {
      batch = logBatchFromImage(image as ItemImage);
    } catch (err) {
      // The materializer (the log stream's other reader) quarantines what cannot be decoded.
      jsonLineSink({ kind: "broadcast_undecodable", message: (err as Error).message, sequence: r.dynamodb?.SequenceNumber });
      continue;
    }
    // The room tier delivered it from memory when it committed it (docs/rooms.md); on AWS the
    // event source mapping's filter leaves such records out before they reach this function.
    if (!batch || batch.deliveredLive) continue;
    const key = docKey(batch.doc);
    const group = groups.get(key) ?? { doc: batch.doc, entries: [], first: r.dynamodb!.SequenceNumber!, batches: [] };
    group.entries.push(...batch.entries);
    group.batches.push(batch);
    groups.set(key, group);
  }

  const failed: string[] = [];
  const queue = [...groups.values()];
  const worker = async () => {
    for (let g = queue.shift(); g; g = queue.shift()) {
      g.entries.sort((a, b) => a.seq - b.seq);
      try {
        await broadcast(deps, g.doc, g.entries, await accessBeforeBatches(deps.log, g.doc, g.batches, g.entries[0]?.seq ?? 0));
      } catch (err) {
        jsonLineSink({ kind: "broadcast_error", tenant: g.doc.tenant, docId: g.doc.docId, message: (err as Error).message });
        failed.push(g.first);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(DOC_CONCURRENCY, queue.length) }, worker));
  return { batchItemFailures: failed.map((itemIdentifier) => ({ itemIdentifier })) };
}
