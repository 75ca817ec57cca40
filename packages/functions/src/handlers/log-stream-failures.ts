import { createHash } from "node:crypto";
import type { SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import type { DynamoDBStreamsClient } from "@aws-sdk/client-dynamodb-streams";
import { docKey, quarantineRecord, REJECT_REASONS, type DocRef } from "@weft/core";
import { dynamoStreamsClient } from "../adapters/dynamo/client.js";
import { logBatchFromImage } from "../adapters/dynamo/log-store.js";
import { readStreamRange, type StreamBatchInfo } from "../adapters/dynamo/stream-range.js";
import { wiring } from "../wiring.js";

/** The part of Lambda's on-failure invocation record for a stream batch that we use. */
interface OnFailureRecord {
  timestamp?: string;
  requestContext?: { functionArn?: string; condition?: string; approximateInvokeCount?: number };
  DDBStreamBatchInfo: StreamBatchInfo;
}

/** Tenant of the quarantine record when the lost range can no longer be read (an operator's view). */
export const SYSTEM_TENANT = "_system";

let streams: DynamoDBStreamsClient | undefined;

/**
 * On-failure destination of both log stream subscriptions (materializer and broadcaster):
 * Lambda gave up on a range of log records after its retries (or their age limit). The
 * record only names the range, so it is read again from the stream, and one quarantine
 * record per document (source "stream", reason stream_retries_exhausted) names the lost seq
 * range and the function, so a tenant admin sees it in GET /v1/admin/quarantine.
 *
 * Nothing committed is lost by this: the log is the truth and is never changed.
 * - materializer: the document's next batch fills the gap from the log (DocStates.apply reads
 *   the missing seqs), and POST /v1/admin/docs/{docId}/rebuild replays the whole log at once.
 *   The bus events of the lost batches are not re-published: consumers that need every batch
 *   can read that range from the log.
 * - broadcaster: live delivery of those ops was skipped; clients resume from their last seq
 *   (subscribe with `after`), which the catch-up serves from the log.
 *
 * Record ids are derived from the failure and the range, so a redelivered message writes the
 * same records again (QuarantineStore.put is idempotent per id). A message that could not be
 * handled is reported in `batchItemFailures` (partial batch response), so SQS delivers only it
 * again and parks it in the queue's dead-letter queue after its last receive (infra/queues.ts);
 * a body that is not an on-failure record is logged and dropped (receiving it again cannot fix it).
 */
export async function handler(event: SQSEvent): Promise<SQSBatchResponse> {
  const batchItemFailures: SQSBatchResponse["batchItemFailures"] = [];
  for (const message of event.Records) {
    const failure = parseFailure(message);
    if (!failure) continue;
    try {
      await recordLoss(failure);
    } catch (err) {
      console.error(JSON.stringify({ level: "error", msg: "log stream failure message not handled; SQS delivers it again", messageId: message.messageId, error: (err as Error).message }));
      batchItemFailures.push({ itemIdentifier: message.messageId });
    }
  }
  return { batchItemFailures };
}

function parseFailure(message: SQSRecord): OnFailureRecord | undefined {
  try {
    const record = JSON.parse(message.body) as Partial<OnFailureRecord>;
    if (record.DDBStreamBatchInfo && typeof record.DDBStreamBatchInfo.streamArn === "string") return record as OnFailureRecord;
  } catch {
    // logged below
  }
  console.error(JSON.stringify({ level: "error", msg: "log stream failure message is not an on-failure record; dropped", messageId: message.messageId, body: message.body.slice(0, 2000) }));
  return undefined;
}

/** One quarantine record per document (or one system record) for the lost range of `failure`. */
async function recordLoss(failure: OnFailureRecord): Promise<void> {
  const w = wiring();
  const info = failure.DDBStreamBatchInfo;
  const at = failure.timestamp ? Date.parse(failure.timestamp) : w.clock.now();
  const fn = failure.requestContext?.functionArn?.split(":").at(-1) ?? "a log stream consumer";
  const why = `${failure.requestContext?.condition ?? "retries exhausted"} after ${failure.requestContext?.approximateInvokeCount ?? "several"} attempts`;
  const ranges = await lostRanges((streams ??= dynamoStreamsClient()), info);
  if (ranges.size === 0) {
    await w.quarantine.put(
      quarantineRecord({
        id: recordId(at, `${fn}#${info.startSequenceNumber}`),
        tenant: SYSTEM_TENANT,
        at,
        source: "stream",
        reason: REJECT_REASONS.streamRetriesExhausted,
        message: `${fn} gave up on log stream records ${info.startSequenceNumber}..${info.endSequenceNumber} (${why}); no log batch could be read from them (trimmed past the stream's 24 h retention, or not batches)`,
        payload: JSON.stringify({ function: fn, batch: info }),
      }),
    );
    return;
  }
  for (const r of ranges.values()) {
    await w.quarantine.put(
      quarantineRecord({
        id: recordId(at, `${fn}#${info.startSequenceNumber}#${docKey(r.doc)}`),
        tenant: r.doc.tenant,
        at,
        source: "stream",
        reason: REJECT_REASONS.streamRetriesExhausted,
        message:
          `${fn} gave up on log seqs ${r.seqStart}..${r.seqEnd} of ${r.doc.docId} (${why}). The log keeps them: ` +
          `the materialized state fills the gap with the document's next commit (or a rebuild); WebSocket clients resume from their last seq`,
        docId: r.doc.docId,
        payload: JSON.stringify({ function: fn, docId: r.doc.docId, seqStart: r.seqStart, seqEnd: r.seqEnd, batches: r.batches, batch: info }),
      }),
    );
  }
}

interface LostRange {
  doc: DocRef;
  seqStart: number;
  seqEnd: number;
  batches: number;
}

/** Per document, the seq range of the log batches in the stream range (records that are not batches are skipped). */
async function lostRanges(client: DynamoDBStreamsClient, info: StreamBatchInfo): Promise<Map<string, LostRange>> {
  const out = new Map<string, LostRange>();
  for (const rec of await readStreamRange(client, info)) {
    const image = rec.dynamodb?.NewImage;
    if (rec.eventName !== "INSERT" || !image) continue;
    let batch;
    try {
      batch = logBatchFromImage(image as never);
    } catch {
      continue; // undecodable: the consumer quarantined it already when it first saw it
    }
    if (!batch) continue;
    const key = docKey(batch.doc);
    const r = out.get(key);
    if (r) out.set(key, { ...r, seqStart: Math.min(r.seqStart, batch.seqStart), seqEnd: Math.max(r.seqEnd, batch.seqEnd), batches: r.batches + 1 });
    else out.set(key, { doc: batch.doc, seqStart: batch.seqStart, seqEnd: batch.seqEnd, batches: 1 });
  }
  return out;
}

/** A quarantine id that is the same for the same failure and range (time-sortable prefix, as timeId). */
function recordId(at: number, what: string): string {
  return `${at.toString(36).padStart(9, "0")}${createHash("sha256").update(what).digest("hex").slice(0, 8)}`;
}
