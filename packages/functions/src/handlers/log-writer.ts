import type { KinesisStreamBatchResponse, KinesisStreamEvent } from "aws-lambda";
import { DocLogWriter, docKey, LOG_WRITER_SKEW_MS, packItems, type DocRef, type LogBatch, type LogStore, type StreamedBatch } from "@weft/core";
import { decodeCommittedRecord } from "../adapters/kinesis/committed-records.js";
import { wiring } from "../wiring.js";
import { addToGroup, runPerDoc, UNKNOWN_TENANT, type DocGroup } from "./per-doc-stream.js";
import { logWriterModeFromEnv } from "../log-writer-mode.js";

/** At most this many bytes of entries' JSON in one item (a DynamoDB item holds 400 KB, compressed). */
export const LOG_WRITER_ITEM_BYTES = 300_000;

/** Per-container memory: documents' writers, bounded (the oldest forgotten: they reload from their tail). */
const writers = new Map<string, DocLogWriter>();
const MAX_WRITERS = 50_000;

/**
 * The log writer of docs/durable-order.md (step 2), in shadow: a consumer of the committed
 * stream that writes each document's log items from the stream, a few seconds of the document
 * at a time (one item per document per invocation, packItems), into the `streamLog` table, beside
 * the log the room tier still writes run by run. What it keeps follows core DocLogWriter: the
 * document's next batch arrived in time (Kinesis's arrival before the batch's deadline plus the
 * skew), a repeat or a late batch dropped, a conflict stopping the document. Its items are
 * compared with the log's in tests; when the stream is the durable order (step 3) it writes the
 * log itself.
 *
 * WEFT_LOG_WRITER (log-writer-mode.ts): `shadow` writes the streamLog table; `on` writes the log
 * itself (the room tier commits through the stream: step 3, being built), a document without
 * items starting at seq 1; `off` (the default on AWS) answers each batch at once without reading
 * it, so the mapping costs an invocation per batching window and nothing more.
 *
 * Per container it keeps each document's writer (Lambda gives one shard's batches to one
 * invocation at a time). A document met for the first time, or again after a failure, or whose
 * kept writer meets a gap (the document was written since by another container: its records
 * came on another shard), starts from the tail of its items (`loaded`: the stream may come again from before it); a document
 * without items starts where its first record does (a log older than the shadow is not copied).
 * A failed write drops the document's writer and reports its first record, so Lambda retries
 * from there.
 */
export async function handler(event: KinesisStreamEvent): Promise<KinesisStreamBatchResponse> {
  const mode = logWriterModeFromEnv();
  if (mode === "off") return { batchItemFailures: [] };
  const w = wiring();
  const log = mode === "on" ? w.log : w.streamLog;
  const groups = new Map<string, DocGroup<StreamedBatch>>();
  for (const r of event.Records) {
    let batches: LogBatch[];
    try {
      batches = decodeCommittedRecord(Buffer.from(r.kinesis.data, "base64"));
    } catch (err) {
      // The materializer quarantines the same record; counted here, so the shadow's gap is explained.
      w.metrics.count(UNKNOWN_TENANT, "log_writer.undecodable");
      console.error(JSON.stringify({ kind: "log_writer_undecodable", sequenceNumber: r.kinesis.sequenceNumber, message: (err as Error).message }));
      continue;
    }
    const arrivedAt = Math.round(r.kinesis.approximateArrivalTimestamp * 1000);
    for (const b of batches) {
      const streamed = { batch: b, epoch: b.lease?.epoch ?? 0, deadline: b.lease?.deadline ?? Number.POSITIVE_INFINITY, arrivedAt };
      addToGroup(groups, b.doc, streamed, r.kinesis.sequenceNumber);
    }
  }
  return runPerDoc([...groups.values()], { stage: "log_writer", concurrency: 16, run: (doc, records) => writeDoc(log, doc, records, mode === "shadow") });
}

/** One document's records of an invocation; `midLog`: a document without items starts where its first record does (the shadow). */
async function writeDoc(log: LogStore, doc: DocRef, records: StreamedBatch[], midLog: boolean): Promise<void> {
  const w = wiring();
  const key = docKey(doc);
  const load = async () => {
    const tail = await log.tail(doc);
    const head = tail ? tail.seqEnd : midLog ? records[0].batch.seqStart - 1 : 0;
    const loaded = new DocLogWriter({ head, headEpoch: 0, loaded: true }, LOG_WRITER_SKEW_MS);
    writers.delete(key);
    if (writers.size >= MAX_WRITERS) writers.delete(writers.keys().next().value!);
    writers.set(key, loaded);
    return loaded;
  };
  let writer = writers.get(key);
  // A writer kept from an earlier invocation may reload once, at this invocation's first record.
  let mayReload = writer !== undefined;
  writer ??= await load();
  for (const r of records) {
    let verdict = writer.offer(r);
    if (verdict.kind === "conflict" && verdict.gap && mayReload) {
      // This container's head is stale: the document was written since (its records came on
      // another shard, to another container). Its items say where it stands now.
      writer = await load();
      verdict = writer.offer(r);
    }
    mayReload = false;
    w.metrics.count(doc.tenant, `log_writer.${verdict.kind}`);
    if (verdict.kind === "conflict") {
      console.error(JSON.stringify({ kind: "log_writer_conflict", doc: key, seqStart: r.batch.seqStart, epoch: r.epoch, reason: verdict.reason }));
      break;
    }
  }
  try {
    for (const item of packItems(writer.takeBatches(), LOG_WRITER_ITEM_BYTES)) {
      if ((await log.append(item)) === "conflict") throw new Error(`item at seq ${item.seqStart} exists: another writer, or a retry after a lost answer`);
    }
  } catch (err) {
    writers.delete(key);
    throw err;
  }
}
