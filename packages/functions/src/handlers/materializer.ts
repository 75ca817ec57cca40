import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from "aws-lambda";
import type { LogBatch } from "@weft/core";
import { logBatchFromImage } from "../adapters/dynamo/log-store.js";
import { publishCommitted } from "../events/publish-committed.js";
import { wiring } from "../wiring.js";
import { perDocStream } from "./per-doc-stream.js";

/**
 * Log stream -> materialized document state -> event bus, per document in stream order,
 * documents in parallel (perDocStream). Per document: DocStates.apply (one head write, a
 * snapshot only when due; a gap left by a lost stream batch is filled from the log); the
 * commit -> materialized lag of each batch goes to the metrics (a batch redelivered with a
 * retried stream batch is observed again). Then the batches of every document materialized
 * are published at once (publishCommitted: packed entries, one per tenant per 64 KB). A
 * document that fails, or all of them when the publish fails, is retried by Lambda from its
 * first record: apply skips what is already materialized, and the bus consumers are
 * idempotent to a re-published batch.
 */
export async function handler(event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> {
  const w = wiring();
  return perDocStream<LogBatch>(event, {
    stage: "materializer",
    concurrency: 16,
    decode: (image) => logBatchFromImage(image as never),
    docOf: (batch) => batch.doc,
    run: async (doc, batches) => {
      await w.docStates.apply(doc, batches);
      const now = w.clock.now();
      for (const b of batches) w.metrics.observeMaterializerLag(doc.tenant, now - b.committedAt);
    },
    // One publish for every document materialized: packed entries, one per tenant and 64 KB.
    afterAll: (done) => publishCommitted(w.bus, done.flatMap((d) => d.records)),
  });
}
