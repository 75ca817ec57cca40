import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

/**
 * Where a stream poller keeps its position per shard, like the checkpoints of a Lambda event
 * source mapping: a restarted poller resumes after the last settled record instead of
 * replaying the stream (DynamoDB Local keeps stream records across restarts when its data
 * is on disk). A position is a sequence number, or SHARD_DONE once a closed shard was read
 * to its end.
 */
export interface CheckpointStore {
  get(streamArn: string, shardId: string): string | undefined;
  set(streamArn: string, shardId: string, position: string): void;
}

export const SHARD_DONE = "SHARD_END";

/**
 * A checkpoint store in one JSON file, rewritten atomically (temp file + rename) on every
 * change. Only the latest stream's positions are kept: a new stream ARN (the table was
 * recreated) replaces the old stream's entries. An unreadable file counts as empty.
 */
export function fileCheckpoints(path: string): CheckpointStore {
  let data: Record<string, Record<string, string>> = {};
  try {
    data = JSON.parse(readFileSync(path, "utf8"));
  } catch {
    // No file yet (or a damaged one): start from the mapping's starting position.
  }
  return {
    get: (streamArn, shardId) => data[streamArn]?.[shardId],
    set: (streamArn, shardId, position) => {
      if (!data[streamArn]) data = { [streamArn]: {} };
      data[streamArn][shardId] = position;
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(`${path}.tmp`, JSON.stringify(data));
      renameSync(`${path}.tmp`, path);
    },
  };
}
