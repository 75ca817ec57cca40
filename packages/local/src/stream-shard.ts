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
  /** JSON size of a record as it appears in the function's event. */
  recordBytes(record: _Record): number;
  signal: AbortSignal;
  log: Logger;
}

/** GetRecords accepts at most this Limit. */
const MAX_GET_RECORDS = 1000;
/** Lambda's synchronous invocation payload limit: a batch's event never exceeds it. */
export const MAX_EVENT_BYTES = 6 * 1024 * 1024;
/** Bytes of `{"Records":[]}` around the records. */
const EVENT_OVERHEAD_BYTES = 14;
/** A shard with no records for this long is polled every `quietIdleMs` instead of `idleMs`. */
const QUIET_AFTER_MS = 2000;
/** Pause after an unexpected stream error before polling again. */
const ERROR_PAUSE_MS = 1000;

/**
 * Reads one shard in order and cuts it into batches the way Lambda's poller does: up to
 * `batchSize` records and at most MAX_EVENT_BYTES of event, gathered for at most the
 * batching window once the first record is in (a zero window invokes with whatever is
 * available now). Records read but not yet handed out stay pending (across read errors and
 * payload cuts), and expired shard iterators are renewed after the last record read, so
 * nothing is skipped or read twice.
 */
export class ShardReader {
  /** Every record of the (closed) shard was read from the stream. */
  private drained = false;
  private iterator: string | undefined;
  private lastRead: string | undefined;
  private lastRecordAt = Date.now();
  private pending: Array<{ record: _Record; bytes: number }> = [];
  private pendingBytes = EVENT_OVERHEAD_BYTES;

  constructor(
    private readonly o: ShardReaderOptions,
    private start: StartPosition,
  ) {}

  /** The shard is closed and every record in it has been handed out. */
  get ended(): boolean {
    return this.drained && this.pending.length === 0;
  }

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
    let windowEnd = this.pending.length > 0 ? Date.now() + batchingWindowMs : undefined;
    while (!this.drained && this.pending.length < batchSize && this.pendingBytes <= MAX_EVENT_BYTES && !signal.aborted) {
      const limit = Math.min(MAX_GET_RECORDS, batchSize - this.pending.length);
      const got = await this.getRecords(limit);
      for (const record of got) {
        const bytes = this.o.recordBytes(record) + 1;
        this.pending.push({ record, bytes });
        this.pendingBytes += bytes;
      }
      if (this.pending.length === 0) break;
      windowEnd ??= Date.now() + batchingWindowMs;
      if (got.length === limit) continue;
      const remaining = windowEnd - Date.now();
      if (remaining <= 0) break;
      if (got.length === 0) await sleep(Math.min(idleMs, remaining), signal);
    }
    return this.take();
  }

  /** Cuts the next batch off the pending records (at least one record, however large). */
  private take(): _Record[] {
    let bytes = EVENT_OVERHEAD_BYTES;
    let n = 0;
    for (const p of this.pending) {
      if (n === this.o.batchSize || (n > 0 && bytes + p.bytes > MAX_EVENT_BYTES)) break;
      bytes += p.bytes;
      n++;
    }
    this.pendingBytes -= bytes - EVENT_OVERHEAD_BYTES;
    return this.pending.splice(0, n).map((p) => p.record);
  }

  private async getRecords(limit: number): Promise<_Record[]> {
    for (;;) {
      if (!this.iterator) {
        this.iterator = await this.acquire(this.resumePosition());
        // A closed shard read to its end has no iterator left.
        if (!this.iterator) {
          this.drained = true;
          return [];
        }
      }
      try {
        const res = await this.o.streams.send(new GetRecordsCommand({ ShardIterator: this.iterator, Limit: limit }));
        const records = res.Records ?? [];
        this.iterator = res.NextShardIterator;
        if (!this.iterator) this.drained = true;
        if (records.length > 0) this.lastRead = seq(records[records.length - 1]);
        return records;
      } catch (err) {
        // An expired iterator, or one DynamoDB Local declares trimmed: take a fresh one from
        // the last record read (acquire falls back to the oldest record if that is gone).
        const name = err instanceof Error ? err.name : "";
        if (name !== "ExpiredIteratorException" && name !== "TrimmedDataAccessException") throw err;
        // DynamoDB Local throws "trimmed" at a LATEST iterator taken on an EMPTY shard once
        // records arrive: every record now in the shard came after that position, so read
        // from the oldest (renewing at LATEST would skip the first records after start).
        if (name === "TrimmedDataAccessException" && !this.lastRead && this.start.type === "LATEST") this.start = { type: "TRIM_HORIZON" };
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
