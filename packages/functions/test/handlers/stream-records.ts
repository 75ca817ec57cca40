import { DescribeStreamCommand, GetRecordsCommand, GetShardIteratorCommand, type DynamoDBStreamsClient } from "@aws-sdk/client-dynamodb-streams";

/** A stream record's position: what an on-failure record's DDBStreamBatchInfo names. */
export interface StreamPosition {
  shardId: string;
  seq: string;
}

/** Every record of a DynamoDB Local stream so far, in order per shard (read from TRIM_HORIZON). */
export async function streamPositions(streams: DynamoDBStreamsClient, streamArn: string): Promise<StreamPosition[]> {
  const out: StreamPosition[] = [];
  const shards = (await streams.send(new DescribeStreamCommand({ StreamArn: streamArn }))).StreamDescription!.Shards!;
  for (const s of shards) {
    let it = (await streams.send(new GetShardIteratorCommand({ StreamArn: streamArn, ShardId: s.ShardId!, ShardIteratorType: "TRIM_HORIZON" }))).ShardIterator;
    for (let empty = 0; it && empty < 3; ) {
      const page = await streams.send(new GetRecordsCommand({ ShardIterator: it }));
      empty = page.Records?.length ? 0 : empty + 1;
      for (const r of page.Records ?? []) out.push({ shardId: s.ShardId!, seq: r.dynamodb!.SequenceNumber! });
      it = page.NextShardIterator;
    }
  }
  return out;
}
