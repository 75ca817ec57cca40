import type { SQSBatchResponse, SQSEvent } from "aws-lambda";
import { GetRecordsCommand, GetShardIteratorCommand, type DynamoDBStreamsClient } from "@aws-sdk/client-dynamodb-streams";
import type { _Record } from "@aws-sdk/client-dynamodb-streams";
import { REJECT_REASONS } from "@weft/core";
import { dynamoStreamsClient } from "../adapters/dynamo/client.js";
import { inboxRecordFromImage } from "../adapters/dynamo/inbox-store.js";
import { wiring } from "../wiring.js";
import { sequenceOrHandOff } from "./sequence-or-hand-off.js";
import { injectedFault } from "./faults.js";

/** The part of Lambda's on-failure invocation record for a stream batch that we use. */
interface OnFailureRecord {
  requestContext?: { condition?: string; approximateInvokeCount?: number };
  responseContext?: { functionError?: string };
  DDBStreamBatchInfo: { shardId: string; startSequenceNumber: string; endSequenceNumber: string; streamArn: string };
}

let streams: DynamoDBStreamsClient | undefined;

function streamsClient(): DynamoDBStreamsClient {
  return (streams ??= dynamoStreamsClient());
}

/**
 * On-failure destination of the inbox stream (an SQS queue on AWS; called directly by the
 * local poller). The record only names the batch, so the batch is re-read from the stream.
 * Each record is then tried once more on its own: what succeeds is committed, and only a
 * change that still fails is rejected (receipts say why) and quarantined, so one poison
 * record never takes good records down with it and never blocks the stream.
 *
 * Partial batch response: a message that could not be handled (the stream could not be read,
 * a rejection could not be written) is reported in `batchItemFailures`, so SQS delivers only it
 * again, and parks it in the queue's dead-letter queue after its last receive (infra/queues.ts);
 * the other messages of the batch are done. A body that is not an on-failure record is logged
 * and dropped: receiving it again cannot fix it.
 */
export async function handler(event: SQSEvent): Promise<SQSBatchResponse> {
  const batchItemFailures: SQSBatchResponse["batchItemFailures"] = [];
  for (const message of event.Records) {
    const failure = parseFailure(message.body);
    if (!failure) {
      console.error(JSON.stringify({ level: "error", msg: "stream failure message is not an on-failure record; dropped", messageId: message.messageId, body: message.body.slice(0, 2000) }));
      continue;
    }
    try {
      for (const r of await readBatch(failure.DDBStreamBatchInfo)) await salvage(r, failure);
    } catch (err) {
      console.error(JSON.stringify({ level: "error", msg: "stream failure message not handled; SQS delivers it again", messageId: message.messageId, error: (err as Error).message }));
      batchItemFailures.push({ itemIdentifier: message.messageId });
    }
  }
  // Best effort, as in per-doc-stream: the messages are handled, and throwing here would fail the
  // whole batch (SQS would deliver every message again, and park them all if metrics stay down).
  // The recorder keeps the counts for the next flush.
  await wiring().metrics.flush().catch((err) => console.error(JSON.stringify({ kind: "metrics_error", message: String(err) })));
  return { batchItemFailures };
}

function parseFailure(body: string): OnFailureRecord | undefined {
  try {
    const record = JSON.parse(body) as Partial<OnFailureRecord>;
    const info = record.DDBStreamBatchInfo;
    return info && typeof info.streamArn === "string" && typeof info.shardId === "string" ? (record as OnFailureRecord) : undefined;
  } catch {
    return undefined;
  }
}

async function readBatch(info: OnFailureRecord["DDBStreamBatchInfo"]): Promise<_Record[]> {
  const client = streamsClient();
  const it = await client.send(
    new GetShardIteratorCommand({
      StreamArn: info.streamArn,
      ShardId: info.shardId,
      ShardIteratorType: "AT_SEQUENCE_NUMBER",
      SequenceNumber: info.startSequenceNumber,
    }),
  );
  const out: _Record[] = [];
  const end = BigInt(info.endSequenceNumber);
  let iterator = it.ShardIterator;
  for (let empty = 0; iterator && empty < 5; ) {
    const page = await client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
    const records = page.Records ?? [];
    if (records.length === 0) empty++;
    for (const rec of records) {
      if (BigInt(rec.dynamodb!.SequenceNumber!) > end) return out;
      out.push(rec);
    }
    iterator = page.NextShardIterator;
  }
  return out;
}

async function salvage(r: _Record, failure: OnFailureRecord): Promise<void> {
  const image = r.dynamodb?.NewImage;
  if (r.eventName !== "INSERT" || !image) return;
  let record: ReturnType<typeof inboxRecordFromImage>;
  try {
    record = inboxRecordFromImage(image as never);
  } catch (err) {
    // The sequencer quarantined it when it first saw it (per-doc-stream); no delivery of this
    // message can decode it, so skip it rather than block the batch's other records for good.
    console.error(JSON.stringify({ level: "error", msg: "undecodable inbox stream record skipped", seq: r.dynamodb?.SequenceNumber, error: (err as Error).message }));
    return;
  }
  if (record.kind !== "change") return;
  const change = record.change;
  const tries = failure.requestContext?.approximateInvokeCount ?? "several";
  const why = `sequencing failed after ${tries} attempts (${failure.requestContext?.condition ?? "retries exhausted"})`;
  // A document a room task holds is its to give up on: the holder rejects the change (its
  // retries were hand-offs that failed). Otherwise it is tried once more here, then rejected.
  await sequenceOrHandOff(
    wiring(),
    change.doc,
    [record],
    async (sequencer) => {
      try {
        injectedFault([record]);
        await sequencer.process(change.doc, [record]);
      } catch (err) {
        await sequencer.reject(change, REJECT_REASONS.streamRetriesExhausted, `${why}: ${(err as Error).message}`);
      }
    },
    { reject: { reason: REJECT_REASONS.streamRetriesExhausted, message: why } },
  );
}
