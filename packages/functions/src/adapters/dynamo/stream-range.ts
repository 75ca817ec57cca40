import { GetRecordsCommand, GetShardIteratorCommand, TrimmedDataAccessException, type DynamoDBStreamsClient, type _Record } from "@aws-sdk/client-dynamodb-streams";

/** The stream range a Lambda on-failure record names (its `DDBStreamBatchInfo`). */
export interface StreamBatchInfo {
  shardId: string;
  startSequenceNumber: string;
  endSequenceNumber: string;
  streamArn: string;
}

/** Empty pages in a row after which a shard that is still open counts as read to its end. */
const EMPTY_PAGES = 5;

/**
 * The records of `info`'s range, read again from the stream (which keeps them 24 hours).
 * Returns [] when the range is no longer there (trimmed past retention): the caller still
 * knows the range from `info`, only not what was in it.
 */
export async function readStreamRange(client: DynamoDBStreamsClient, info: StreamBatchInfo): Promise<_Record[]> {
  let iterator: string | undefined;
  try {
    const it = await client.send(
      new GetShardIteratorCommand({
        StreamArn: info.streamArn,
        ShardId: info.shardId,
        ShardIteratorType: "AT_SEQUENCE_NUMBER",
        SequenceNumber: info.startSequenceNumber,
      }),
    );
    iterator = it.ShardIterator;
  } catch (err) {
    if (err instanceof TrimmedDataAccessException) return [];
    throw err;
  }
  const out: _Record[] = [];
  const end = BigInt(info.endSequenceNumber);
  for (let empty = 0; iterator && empty < EMPTY_PAGES; ) {
    const page = await client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
    const records = page.Records ?? [];
    empty = records.length === 0 ? empty + 1 : 0;
    for (const rec of records) {
      if (BigInt(rec.dynamodb!.SequenceNumber!) > end) return out;
      out.push(rec);
    }
    iterator = page.NextShardIterator;
  }
  return out;
}
