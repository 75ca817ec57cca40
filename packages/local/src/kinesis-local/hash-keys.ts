import { createHash } from "node:crypto";

/**
 * The 128-bit hash key space of a Kinesis stream and how records map into it, as AWS does it:
 * a record's hash key is the MD5 of its partition key read as a big-endian unsigned 128-bit
 * integer, or its ExplicitHashKey when given; the shard whose HashKeyRange holds that key gets
 * the record. Ranges are inclusive and written as decimal strings on the wire.
 */

/** Number of hash keys: valid keys are 0 .. 2^128 - 1. */
export const HASH_SPACE = 1n << 128n;

export interface HashRange {
  start: bigint;
  /** Inclusive. */
  end: bigint;
}

/**
 * `count` contiguous ranges covering the whole space, as even as integers allow: range i starts
 * at floor(i * 2^128 / count), so the boundaries match those AWS gives a new stream.
 */
export function splitHashSpace(count: number): HashRange[] {
  const n = BigInt(count);
  const starts = Array.from({ length: count + 1 }, (_, i) => (BigInt(i) * HASH_SPACE) / n);
  return Array.from({ length: count }, (_, i) => ({ start: starts[i], end: starts[i + 1] - 1n }));
}

/** The hash key of a partition key: MD5 of its UTF-8 bytes, big-endian. */
export function partitionHash(partitionKey: string): bigint {
  return BigInt(`0x${createHash("md5").update(partitionKey, "utf8").digest("hex")}`);
}

/** An ExplicitHashKey as a number, or undefined when it is not a decimal integer in 0 .. 2^128 - 1. */
export function parseExplicitHashKey(text: string): bigint | undefined {
  if (!/^(0|[1-9]\d{0,38})$/.test(text)) return undefined;
  const key = BigInt(text);
  return key < HASH_SPACE ? key : undefined;
}

/** Index of the range holding `key` (ranges sorted and covering the space, as splitHashSpace makes them). */
export function rangeIndexOf(ranges: readonly HashRange[], key: bigint): number {
  let lo = 0;
  let hi = ranges.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (ranges[mid].start <= key) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
