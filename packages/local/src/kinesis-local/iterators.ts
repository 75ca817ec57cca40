import { decodeToken, encodeToken, KinesisError } from "./requests.js";

/**
 * Shard iterators of the local Kinesis: opaque strings (base64 of a small JSON object) that
 * carry the stream (name and incarnation id, so an iterator of a deleted stream does not read a
 * new stream of the same name), the shard index, the position (read the records whose counter
 * is above it) and when the iterator was issued. Like AWS's, an iterator expires
 * ITERATOR_TTL_MS after it was issued; every GetRecords hands out a fresh one.
 */

export const ITERATOR_TTL_MS = 5 * 60_000;

export interface IteratorState {
  stream: string;
  /** The stream's incarnation id. */
  id: string;
  shard: number;
  /** Counter after which reading continues. */
  after: number;
  /** Epoch ms. */
  issuedAt: number;
}

interface Wire {
  s: string;
  i: string;
  h: number;
  a: number;
  t: number;
}

export function encodeIterator(it: IteratorState): string {
  const wire: Wire = { s: it.stream, i: it.id, h: it.shard, a: it.after, t: it.issuedAt };
  return encodeToken(wire);
}

/** Decodes an iterator: InvalidArgumentException when it is not one of ours, ExpiredIteratorException when too old at `now`. */
export function decodeIterator(text: string, now: number): IteratorState {
  const w = decodeToken<Wire>(
    text,
    "ShardIterator",
    (v) => typeof v.s === "string" && typeof v.i === "string" && [v.h, v.a, v.t].every((n) => typeof n === "number" && Number.isSafeInteger(n)),
  );
  if (now - w.t > ITERATOR_TTL_MS) {
    throw new KinesisError("ExpiredIteratorException", `Iterator expired. The iterator was created at time ${new Date(w.t).toISOString()} while right now it is ${new Date(now).toISOString()} which is further in the future than the tolerated delay of ${ITERATOR_TTL_MS} milliseconds.`);
  }
  return { stream: w.s, id: w.i, shard: w.h, after: w.a, issuedAt: w.t };
}
