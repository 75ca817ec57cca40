import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  type _Record,
  type DynamoDBStreamsClient,
  type ShardIteratorType,
} from "@aws-sdk/client-dynamodb-streams";
import type { Logger } from "./log.js";
import { sleep } from "./sleep.js";
import { seq } from "./stream-batch.js";

export type StartPosition =
  | { type: Extract<ShardIteratorType, "TRIM_HORIZON" | "LATEST"> }
  | { type: "AFTER_SEQUENCE_NUMBER"; sequenceNumber: string };

export interface ShardReaderOptions {
  streams: DynamoDBStreamsClient;
  streamArn: string;
  shardId: string;
  batchSize: number;
  batchingWindowMs: number;
  /** Pause between polls of a shard that returned nothing, while records came recently. */
  idleMs: number;
  /** Pause between polls once the shard has been quiet for QUIET_AFTER_MS (cheaper idling). */
  quietIdleMs: number;
  signal: AbortSignal;
  log: Logger;
}

/** GetRecords accepts at most this Limit. */
const MAX_GET_RECORDS = 1000;
/** A shard with no records for this long is polled every `quietIdleMs` instead of `idleMs`. */
const QUIET_AFTER_MS = 2000;
/** Pause after an unexpected stream error before polling again. */
const ERROR_PAUSE_MS = 1000;

/**
 * Reads one shard in order and cuts it into batches the way Lambda's poller does: up to
 * `batchSize` records, gathered for at most the batching window once the first record is in
 * (a zero window invokes with whatever is available now). Shard iterators are renewed from
 * the last record read when they expire, so nothing is skipped or read twice.
 */
export class ShardReader {
  /** The shard is closed and every record in it has been read. */
  ended = false;
  private iterator: string | undefined;
  private lastRead: string | undefined;
  private lastRecordAt = Date.now();

  constructor(
    private readonly o: ShardReaderOptions,
    private start: StartPosition,
  ) {}

  /** Positions the reader; a failure here is retried by the next read. */
  async open(): Promise<void> {
    try {
      this.iterator = await this.acquire(this.start);
    } catch (err) {
      this.o.log.warn("stream shard iterator unavailable", { shardId: this.o.shardId, error: err });
    }
  }

  /** The next batch; waits while the shard is idle. Undefined once the shard ended or on stop. */
  async nextBatch(): Promise<_Record[] | undefined> {
    while (!this.o.signal.aborted && !this.ended) {
      try {
        const batch = await this.read();
        if (batch.length > 0) {
          this.lastRecordAt = Date.now();
          return batch;
        }
        const quiet = Date.now() - this.lastRecordAt > QUIET_AFTER_MS;
        if (!this.ended) await sleep(quiet ? this.o.quietIdleMs : this.o.idleMs, this.o.signal);
      } catch (err) {
        if (err instanceof Error && err.name === "ResourceNotFoundException") {
          this.o.log.warn("stream shard no longer exists", { shardId: this.o.shardId });
          return undefined;
        }
        this.o.log.warn("stream read failed", { shardId: this.o.shardId, error: err });
        await sleep(ERROR_PAUSE_MS, this.o.signal);
      }
    }
    return undefined;
  }

  private async read(): Promise<_Record[]> {
    const { batchSize, batchingWindowMs, idleMs, signal } = this.o;
    const out: _Record[] = [];
    let windowEnd: number | undefined;
    while (!this.ended && out.length < batchSize && !signal.aborted) {
      const limit = Math.min(MAX_GET_RECORDS, batchSize - out.length);
      const got = await this.getRecords(limit);
      out.push(...got);
      if (out.length === 0) break;
      windowEnd ??= Date.now() + batchingWindowMs;
      if (got.length === limit) continue;
      const remaining = windowEnd - Date.now();
      if (remaining <= 0) break;
      if (got.length === 0) await sleep(Math.min(idleMs, remaining), signal);
    }
    return out;
  }

  private async getRecords(limit: number): Promise<_Record[]> {
    for (;;) {
      if (!this.iterator) {
        this.iterator = await this.acquire(this.resumePosition());
        // A closed shard read to its end has no iterator left.
        if (!this.iterator) {
          this.ended = true;
          return [];
        }
      }
      try {
        const res = await this.o.streams.send(new GetRecordsCommand({ ShardIterator: this.iterator, Limit: limit }));
        const records = res.Records ?? [];
        this.iterator = res.NextShardIterator;
        if (!this.iterator) this.ended = true;
        if (records.length > 0) this.lastRead = seq(records[records.length - 1]);
        return records;
      } catch (err) {
        if (!(err instanceof Error) || err.name !== "ExpiredIteratorException") throw err;
        this.iterator = undefined;
      }
    }
  }

  private resumePosition(): StartPosition {
    return this.lastRead ? { type: "AFTER_SEQUENCE_NUMBER", sequenceNumber: this.lastRead } : this.start;
  }

  /** A shard iterator at `at`; when those records were trimmed, at the oldest one left. */
  private async acquire(at: StartPosition): Promise<string | undefined> {
    const { streams, streamArn, shardId, log } = this.o;
    const send = (p: StartPosition) =>
      streams.send(
        new GetShardIteratorCommand({
          StreamArn: streamArn,
          ShardId: shardId,
          ShardIteratorType: p.type,
          SequenceNumber: p.type === "AFTER_SEQUENCE_NUMBER" ? p.sequenceNumber : undefined,
        }),
      );
    try {
      return (await send(at)).ShardIterator;
    } catch (err) {
      if (!(err instanceof Error) || err.name !== "TrimmedDataAccessException") throw err;
      log.warn("stream records were trimmed before they were read", { shardId, from: at });
      this.start = { type: "TRIM_HORIZON" };
      this.lastRead = undefined;
      return (await send(this.start)).ShardIterator;
    }
  }
}
