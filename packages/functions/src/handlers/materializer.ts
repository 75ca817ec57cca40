import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from "aws-lambda";
import { docKey, quarantineRecord, REJECT_REASONS, timeId, type DocRef, type LogBatch } from "@weft/core";
import { logBatchFromImage } from "../adapters/dynamo/log-store.js";
import { publishCommitted } from "../events/publish-committed.js";
import { wiring } from "../wiring.js";

const DOC_CONCURRENCY = 16;

/**
 * Log stream -> materialized document state -> event bus.
 *
 * Records are decoded into log batches and grouped per document (stream order kept inside a
 * document); documents run in parallel. Per document: DocStates.apply (one head write, a
 * snapshot only when due; a gap left by a lost stream batch is filled from the log), then one
 * bus entry per batch (publishCommitted); the commit -> materialized lag of each batch goes to
 * the metrics (a batch redelivered with a retried stream batch is observed again). A document that fails is reported as a batch item failure from its
 * first record, so Lambda retries from there: records after it come again, apply skips what
 * is already materialized, and the bus consumers are idempotent to a re-published batch.
 * A record that cannot be decoded is quarantined at once instead of blocking the shard.
 */
export async function handler(event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> {
  const w = wiring();
  const groups = new Map<string, { doc: DocRef; batches: LogBatch[]; first: string }>();
  for (const r of event.Records) {
    const image = r.dynamodb?.NewImage;
    if (r.eventName !== "INSERT" || !image) continue;
    let batch: LogBatch | undefined;
    try {
      batch = logBatchFromImage(image as never);
    } catch (err) {
      await quarantineUndecodable(image, (err as Error).message);
      continue;
    }
    if (!batch) continue;
    const key = docKey(batch.doc);
    const group = groups.get(key) ?? { doc: batch.doc, batches: [], first: r.dynamodb!.SequenceNumber! };
    group.batches.push(batch);
    groups.set(key, group);
  }

  const failed: string[] = [];
  const queue = [...groups.values()];
  const worker = async () => {
    for (let g = queue.shift(); g; g = queue.shift()) {
      try {
        await w.docStates.apply(g.doc, g.batches);
        const now = w.clock.now();
        for (const b of g.batches) w.metrics.observeMaterializerLag(g.doc.tenant, now - b.committedAt);
        await publishCommitted(w.bus, g.batches);
      } catch (err) {
        console.error(JSON.stringify({ kind: "materializer_error", doc: docKey(g.doc), message: (err as Error).message }));
        failed.push(g.first);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(DOC_CONCURRENCY, queue.length) }, worker));
  await w.metrics.flush().catch((err) => console.error(JSON.stringify({ kind: "metrics_error", message: String(err) })));
  return { batchItemFailures: failed.map((itemIdentifier) => ({ itemIdentifier })) };
}

async function quarantineUndecodable(image: Record<string, unknown>, message: string): Promise<void> {
  const w = wiring();
  const pk = (image.pk as { S?: string } | undefined)?.S ?? "";
  const tenant = pk.includes("#") ? pk.slice(0, pk.indexOf("#")) : "_unknown";
  const at = w.clock.now();
  await w.quarantine.put(
    quarantineRecord({
      id: timeId(at),
      tenant,
      at,
      source: "stream",
      reason: REJECT_REASONS.invalidRecord,
      message: `log record could not be decoded by the materializer: ${message}`,
      docId: pk.slice(pk.indexOf("#") + 1) || undefined,
      payload: JSON.stringify(image),
    }),
  );
  w.metrics.count(tenant, "refused.invalid_record");
}
