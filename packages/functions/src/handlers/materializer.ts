import type { DynamoDBBatchResponse, DynamoDBStreamEvent, KinesisStreamEvent } from "aws-lambda";
import type { DocRef, LogBatch } from "@weft/core";
import { logBatchFromImage } from "../adapters/dynamo/log-store.js";
import { decodeCommittedRecord } from "../adapters/kinesis/committed-records.js";
import { publishCommitted } from "../events/publish-committed.js";
import { wiring } from "../wiring.js";
import { addToGroup, perDocStream, quarantineStreamRecord, runPerDoc, UNKNOWN_TENANT, type DocGroup } from "./per-doc-stream.js";

/**
 * Log stream (the sequencer function's batches) or committed stream (the room tier's) ->
 * materialized document state -> event bus, per document in stream order,
 * documents in parallel (perDocStream). Per document: DocStates.apply (one head write, a
 * snapshot only when due; a gap left by a lost stream batch is filled from the log, and
 * published with the batch that revealed it); the
 * commit -> materialized lag of each batch goes to the metrics (a batch redelivered with a
 * retried stream batch is observed again). Then the batches of every document materialized
 * are published at once (publishCommitted: packed entries, one per tenant per 64 KB). A
 * document that fails, or all of them when the publish fails, is retried by Lambda from its
 * first record: apply skips what is already materialized, and the bus consumers are
 * idempotent to a re-published batch.
 */
export async function handler(event: DynamoDBStreamEvent | KinesisStreamEvent): Promise<DynamoDBBatchResponse> {
  if (isKinesis(event)) return fromCommittedStream(event);
  return perDocStream<LogBatch>(event, { ...stages(), decode: (image) => logBatchFromImage(image as never), docOf: (batch) => batch.doc });
}

/**
 * The committed stream (the room tier's batches, group-committed: a record holds many
 * documents' batches; committed-records.ts). Each document's batches, in record order, run as
 * from the log stream; a failed document is retried from the first record that held it. A
 * record that cannot be decoded is quarantined (tenant `_unknown`: a record names none) and
 * skipped, so it never blocks the shard; its documents are filled from the log at their next
 * batch (DocStates.apply).
 */
async function fromCommittedStream(event: KinesisStreamEvent): Promise<DynamoDBBatchResponse> {
  const groups = new Map<string, DocGroup<LogBatch>>();
  for (const r of event.Records) {
    let batches: LogBatch[];
    try {
      batches = decodeCommittedRecord(Buffer.from(r.kinesis.data, "base64"));
    } catch (err) {
      const message = `${(err as Error).message} (sequence number ${r.kinesis.sequenceNumber})`;
      await quarantineStreamRecord("materializer", { tenant: UNKNOWN_TENANT, payload: r.kinesis.data, message });
      continue;
    }
    for (const b of batches) addToGroup(groups, b.doc, b, r.kinesis.sequenceNumber);
  }
  return runPerDoc([...groups.values()], stages());
}

function stages() {
  const w = wiring();
  return {
    stage: "materializer",
    concurrency: 16,
    run: async (doc: DocRef, batches: LogBatch[]) => {
      const { filled } = await w.docStates.apply(doc, batches);
      const now = w.clock.now();
      for (const b of batches) w.metrics.observeMaterializerLag(doc.tenant, now - b.committedAt);
      // A gap filled from the log (a batch that never came on the stream) is published with the rest.
      if (filled.length > 0) batches.push(...filled);
    },
    // One publish for every document materialized: packed entries, one per tenant and 64 KB.
    afterAll: (done: Array<{ doc: DocRef; records: LogBatch[] }>) => publishCommitted(w.bus, done.flatMap((d) => d.records)),
  };
}

function isKinesis(event: DynamoDBStreamEvent | KinesisStreamEvent): event is KinesisStreamEvent {
  return (event.Records[0] as { eventSource?: string } | undefined)?.eventSource === "aws:kinesis";
}
