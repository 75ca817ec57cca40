import { DescribeStreamCommand, GetRecordsCommand, GetShardIteratorCommand, type DynamoDBStreamsClient } from "@aws-sdk/client-dynamodb-streams";

/** A stream record's position: what an on-failure record's DDBStreamBatchInfo names. */
export interface StreamPosition {
  shardId: string;
  seq: string;
  /** The record's item key, "pk|sk". */
  key: string;
}

/** Every record of a DynamoDB Local stream so far, in order per shard (read from TRIM_HORIZON). */
export async function streamPositions(streams: DynamoDBStreamsClient, streamArn: string): Promise<StreamPosition[]> {
  const out: StreamPosition[] = [];
  const seen = new Set<string>();
  const shards = (await streams.send(new DescribeStreamCommand({ StreamArn: streamArn }))).StreamDescription!.Shards!;
  for (const s of shards) {
    let it = (await streams.send(new GetShardIteratorCommand({ StreamArn: streamArn, ShardId: s.ShardId!, ShardIteratorType: "TRIM_HORIZON" }))).ShardIterator;
    for (let empty = 0; it && empty < 3; ) {
      const page = await streams.send(new GetRecordsCommand({ ShardIterator: it }));
      empty = page.Records?.length ? 0 : empty + 1;
      // DynamoDB Local, busy with many tables' streams, has handed out 6 records for 3 writes
      // under the full suite: each sequence number once, and an item's INSERT once (tests write each
      // item once; a second INSERT of a key without a REMOVE between cannot happen).
      for (const r of page.Records ?? []) {
        const seq = r.dynamodb!.SequenceNumber!;
        const key = `${r.dynamodb?.Keys?.pk?.S}|${r.dynamodb?.Keys?.sk?.S}`;
        const insert = r.eventName === "INSERT" ? `insert ${key}` : undefined;
        if (!seen.has(seq) && !(insert && seen.has(insert))) out.push({ shardId: s.ShardId!, seq, key });
        seen.add(seq);
        if (insert) seen.add(insert);
      }
      it = page.NextShardIterator;
    }
  }
  return out;
}
