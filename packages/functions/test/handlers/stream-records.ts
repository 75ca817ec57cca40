import { DescribeStreamCommand, GetRecordsCommand, GetShardIteratorCommand, type DynamoDBStreamsClient } from "@aws-sdk/client-dynamodb-streams";

/** A stream record's position: what an on-failure record's DDBStreamBatchInfo names. */
export interface StreamPosition {
  shardId: string;
  seq: string;
  /** The record's item key, "pk|sk". */
  key: string;
  /** INSERT, MODIFY or REMOVE. */
  eventName: string;
}

/** Every record of a DynamoDB Local stream so far, in order per shard (read from TRIM_HORIZON), each sequence number once. */
export async function streamPositions(streams: DynamoDBStreamsClient, streamArn: string): Promise<StreamPosition[]> {
  const out: StreamPosition[] = [];
  const seen = new Set<string>();
  const shards = (await streams.send(new DescribeStreamCommand({ StreamArn: streamArn }))).StreamDescription!.Shards!;
  for (const s of shards) {
    let it = (await streams.send(new GetShardIteratorCommand({ StreamArn: streamArn, ShardId: s.ShardId!, ShardIteratorType: "TRIM_HORIZON" }))).ShardIterator;
    for (let empty = 0; it && empty < 3; ) {
      const page = await streams.send(new GetRecordsCommand({ ShardIterator: it }));
      empty = page.Records?.length ? 0 : empty + 1;
      for (const r of page.Records ?? []) {
        const seq = r.dynamodb!.SequenceNumber!;
        if (seen.has(seq)) continue;
        seen.add(seq);
        out.push({ shardId: s.ShardId!, seq, key: `${r.dynamodb?.Keys?.pk?.S}|${r.dynamodb?.Keys?.sk?.S}`, eventName: r.eventName ?? "" });
      }
      it = page.NextShardIterator;
    }
  }
  return out;
}

/**
 * The first INSERT record of each item under the given partition keys, in stream order: the
 * records a test's own writes produced. DynamoDB Local, busy with many tables' streams under the
 * full suite, has handed out twice as many records as a test wrote (CI, twice). Records of earlier
 * tests come first and are skipped quietly; anything else from the first of this test's records on
 * is logged in full, so the next occurrence says what it was, and the test goes on with its own writes.
 */
export function insertsUnder(recs: StreamPosition[], partitionKeys: string[]): StreamPosition[] {
  const pks = new Set(partitionKeys);
  const firsts = new Set<string>();
  const mine: StreamPosition[] = [];
  const unexpected: StreamPosition[] = [];
  for (const r of recs) {
    const pk = r.key.slice(0, r.key.indexOf("|"));
    if (r.eventName === "INSERT" && pks.has(pk) && !firsts.has(r.key)) {
      firsts.add(r.key);
      mine.push(r);
    } else if (mine.length) unexpected.push(r);
  }
  if (unexpected.length) console.warn(JSON.stringify({ unexpectedStreamRecords: unexpected, mine }));
  return mine;
}
