import { randomBytes } from "node:crypto";
import { rangeIndexOf, splitHashSpace, type HashRange } from "./hash-keys.js";
import { ACCOUNT, KinesisError } from "./requests.js";
import { baseCounter } from "./sequence-numbers.js";

/**
 * The in-memory model of the local Kinesis: streams, their shards and records. No I/O and no
 * wire formats here; the operations (control-plane.ts, data-plane.ts) check requests and shape
 * answers, and a Journal (stream-log.ts) may record every change.
 *
 * A stream is ACTIVE from its creation and never reshards: its shards split the hash key space
 * evenly and stay open. Every record gets the next value of a stream-wide counter (its sequence
 * number is that counter and its shard index, sequence-numbers.ts), so "the records after
 * counter c" is how positions and iterators are expressed. Records older than the stream's
 * retention are trimmed from a shard whenever that shard is written or read, by the clock
 * passed in, so the oldest kept record is the trim horizon.
 */

export type StreamMode = "PROVISIONED" | "ON_DEMAND";

export const DEFAULT_RETENTION_HOURS = 24;
export const MAX_RETENTION_HOURS = 8760;
const HOUR_MS = 3_600_000;

/** What defines a stream besides its records (persisted as the first line of its log). */
export interface StreamMeta {
  name: string;
  /** Random, per incarnation: tells a stream from an earlier one of the same name (iterators carry it). */
  id: string;
  /** Epoch ms. */
  createdAt: number;
  mode: StreamMode;
  shardCount: number;
  retentionHours: number;
  /** The counter before the stream's first record; the shards' starting sequence numbers use it. */
  base: number;
}

export interface StoredRecord {
  counter: number;
  shard: number;
  /** Arrival, epoch ms; never decreases within a stream. */
  at: number;
  key: string;
  /** The data as base64, as it came in and goes out. */
  data: string;
  /** Decoded data length. */
  bytes: number;
}

export interface ShardState {
  index: number;
  id: string;
  range: HashRange;
  /** Records in counter order; those before `head` are trimmed and dropped at the next compaction. */
  records: StoredRecord[];
  head: number;
}

/** Receives every change of the store, in order, right after it is made in memory. */
export interface Journal {
  created(meta: StreamMeta): void;
  appended(stream: string, records: readonly StoredRecord[]): void;
  retentionChanged(stream: string, hours: number): void;
  deleted(stream: string): void;
}

export function shardId(index: number): string {
  return `shardId-${String(index).padStart(12, "0")}`;
}

export class LocalStream {
  readonly shards: ShardState[];
  /** Counter of the latest record; `meta.base` before the first. */
  last: number;
  private lastAt = 0;
  private readonly ranges: HashRange[];

  constructor(
    readonly meta: StreamMeta,
    last = meta.base,
  ) {
    this.last = last;
    this.ranges = splitHashSpace(meta.shardCount);
    this.shards = this.ranges.map((range, index) => ({ index, id: shardId(index), range, records: [], head: 0 }));
  }

  get name(): string {
    return this.meta.name;
  }

  /** The shard named `id`, or ResourceNotFoundException. */
  shard(id: string): ShardState {
    const shard = this.shards.find((s) => s.id === id);
    if (!shard) throw new KinesisError("ResourceNotFoundException", `Shard ${id} in stream ${this.name} under account ${ACCOUNT} does not exist.`);
    return shard;
  }

  shardFor(hashKey: bigint): ShardState {
    return this.shards[rangeIndexOf(this.ranges, hashKey)];
  }

  /** Adds a record (already checked) at the end of `shard`; used for new records and for reloading. */
  add(record: StoredRecord): void {
    this.shards[record.shard].records.push(record);
    if (record.counter > this.last) this.last = record.counter;
    if (record.at > this.lastAt) this.lastAt = record.at;
  }

  /** A new record for `shard` with the next counter, arriving at `now` (or the latest arrival, if the clock went back). */
  next(shard: ShardState, key: string, data: string, bytes: number, now: number): StoredRecord {
    const record = { counter: this.last + 1, shard: shard.index, at: Math.max(now, this.lastAt), key, data, bytes };
    this.add(record);
    return record;
  }

  /** Drops the records of `shard` older than the retention period at `now`. */
  trim(shard: ShardState, now: number): void {
    const cutoff = now - this.meta.retentionHours * HOUR_MS;
    const { records } = shard;
    while (shard.head < records.length && records[shard.head].at < cutoff) shard.head++;
    // Compact once the dropped part dominates, so trimming stays O(1) amortized.
    if (shard.head > 1024 && shard.head * 2 > records.length) {
      shard.records = records.slice(shard.head);
      shard.head = 0;
    }
  }

  /** Kept records of `shard`, oldest first. */
  kept(shard: ShardState): StoredRecord[] {
    return shard.records.slice(shard.head);
  }

  /** Index in `shard.records` of the first kept record with counter > `after`. */
  private firstAfter(shard: ShardState, after: number): number {
    let lo = shard.head;
    let hi = shard.records.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (shard.records[mid].counter > after) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /**
   * The kept records after counter `after`, oldest first: at most `limit` of them and at most
   * `maxBytes` of data, but always the first one if any. `caughtUp` says none are left after them.
   */
  readAfter(shard: ShardState, after: number, limit: number, maxBytes: number): { records: StoredRecord[]; caughtUp: boolean } {
    const from = this.firstAfter(shard, after);
    let to = from;
    let bytes = 0;
    while (to < shard.records.length && to - from < limit) {
      bytes += shard.records[to].bytes;
      if (to > from && bytes > maxBytes) break;
      to++;
    }
    return { records: shard.records.slice(from, to), caughtUp: to === shard.records.length };
  }

  /** The position (counter to read after) of the first kept record of `shard` arriving at or after `atMs`; the tip if none. */
  positionAt(shard: ShardState, atMs: number): number {
    let lo = shard.head;
    let hi = shard.records.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (shard.records[mid].at >= atMs) hi = mid;
      else lo = mid + 1;
    }
    return lo < shard.records.length ? shard.records[lo].counter - 1 : this.last;
  }
}

/** All streams of one endpoint, by name. */
export class StreamStore {
  private readonly streams = new Map<string, LocalStream>();
  /** Above every counter of a stream deleted in this process: a stream created again at once starts above it. */
  private deletedUpTo = 0;

  constructor(private readonly journal?: Journal) {}

  /** Creates an ACTIVE stream, or ResourceInUseException when the name is taken. */
  create(spec: Omit<StreamMeta, "base" | "id">): LocalStream {
    if (this.streams.has(spec.name)) throw new KinesisError("ResourceInUseException", `Stream ${spec.name} under account ${ACCOUNT} already exists.`);
    const stream = new LocalStream({ ...spec, id: randomBytes(8).toString("hex"), base: Math.max(baseCounter(spec.createdAt), this.deletedUpTo) });
    this.streams.set(spec.name, stream);
    this.journal?.created(stream.meta);
    return stream;
  }

  /** Puts back a stream read from persistence (not journaled again). */
  restore(stream: LocalStream): void {
    this.streams.set(stream.name, stream);
  }

  /** The stream named `name`, or ResourceNotFoundException. */
  get(name: string): LocalStream {
    const stream = this.streams.get(name);
    if (!stream) throw new KinesisError("ResourceNotFoundException", `Stream ${name} under account ${ACCOUNT} not found.`);
    return stream;
  }

  /** The stream named `name` if it is the same incarnation (`id`), else ResourceNotFoundException. */
  getIncarnation(name: string, id: string): LocalStream {
    const stream = this.get(name);
    if (stream.meta.id !== id) throw new KinesisError("ResourceNotFoundException", `Stream ${name} under account ${ACCOUNT} not found.`);
    return stream;
  }

  delete(name: string): void {
    this.deletedUpTo = Math.max(this.deletedUpTo, this.get(name).last + 1);
    this.streams.delete(name);
    this.journal?.deleted(name);
  }

  /** Stream names in ascending order. */
  names(): string[] {
    return [...this.streams.keys()].sort();
  }

  /** Appends records, each already routed to its shard, in order; all or nothing. */
  put(stream: LocalStream, entries: ReadonlyArray<{ shard: ShardState; key: string; data: string; bytes: number }>, now: number): StoredRecord[] {
    const out = entries.map((e) => {
      stream.trim(e.shard, now);
      return stream.next(e.shard, e.key, e.data, e.bytes, now);
    });
    if (out.length > 0) this.journal?.appended(stream.name, out);
    return out;
  }

  setRetention(stream: LocalStream, hours: number): void {
    stream.meta.retentionHours = hours;
    this.journal?.retentionChanged(stream.name, hours);
  }
}
