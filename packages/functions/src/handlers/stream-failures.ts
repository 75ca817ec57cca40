import type { SQSEvent } from "aws-lambda";
import { GetRecordsCommand, GetShardIteratorCommand, type DynamoDBStreamsClient } from "@aws-sdk/client-dynamodb-streams";
import type { _Record } from "@aws-sdk/client-dynamodb-streams";
import { REJECT_REASONS } from "@weft/core";
import { dynamoStreamsClient } from "../adapters/dynamo/client.js";
import { inboxRecordFromImage } from "../adapters/dynamo/inbox-store.js";
import { wiring } from "../wiring.js";
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
 */
export async function handler(event: SQSEvent): Promise<void> {
  for (const message of event.Records) {
    const failure = JSON.parse(message.body) as OnFailureRecord;
    for (const r of await readBatch(failure.DDBStreamBatchInfo)) await salvage(r, failure);
  }
  await wiring().metrics.flush();
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
  const record = inboxRecordFromImage(image as never);
  if (record.kind !== "change") return;
  const { sequencer } = wiring();
  try {
    injectedFault([record]);
    await sequencer.process(record.change.doc, [record]);
  } catch (err) {
    const tries = failure.requestContext?.approximateInvokeCount ?? "several";
    await sequencer.reject(
      record.change,
      REJECT_REASONS.streamRetriesExhausted,
      `sequencing failed after ${tries} attempts (${failure.requestContext?.condition ?? "retries exhausted"}): ${(err as Error).message}`,
    );
  }
}
