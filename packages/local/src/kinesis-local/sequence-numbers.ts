/**
 * Sequence numbers of the local Kinesis: decimal strings of a fixed SEQUENCE_DIGITS digits, so
 * that comparing them as strings and as big integers agree. Layout: "49", then a 50-digit
 * stream-wide counter, then the 4-digit shard index. The counter grows by one per record in the
 * whole stream, so numbers are unique across the stream and strictly increasing within a
 * shard; the shard digits let GetShardIterator refuse a number taken from another shard, as
 * AWS does. A stream's counter starts at its creation time in ms * 1000, so a stream deleted
 * and created again under the same name does not hand out the numbers of its predecessor
 * (the counter stays below 2^53 for centuries of records, so plain numbers hold it exactly).
 */

export const SEQUENCE_DIGITS = 56;
const PREFIX = "49";
const COUNTER_DIGITS = 50;
const SHARD_DIGITS = 4;

/** The first counter value of a stream created at `createdAtMs`; its records get the next ones. */
export function baseCounter(createdAtMs: number): number {
  return Math.floor(createdAtMs) * 1000;
}

export function formatSequenceNumber(counter: number, shardIndex: number): string {
  return PREFIX + String(counter).padStart(COUNTER_DIGITS, "0") + String(shardIndex).padStart(SHARD_DIGITS, "0");
}

/**
 * The counter and shard of a sequence number: "malformed" when the text is not a decimal
 * number at all, "foreign" when it is one this server never hands out.
 */
export function parseSequenceNumber(text: string): { counter: number; shardIndex: number } | "malformed" | "foreign" {
  if (!/^\d{1,129}$/.test(text)) return "malformed";
  if (text.length !== SEQUENCE_DIGITS || !text.startsWith(PREFIX)) return "foreign";
  const counter = Number(text.slice(PREFIX.length, PREFIX.length + COUNTER_DIGITS));
  if (!Number.isSafeInteger(counter)) return "foreign";
  return { counter, shardIndex: Number(text.slice(PREFIX.length + COUNTER_DIGITS)) };
}
