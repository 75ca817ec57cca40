import type { Channel } from "../vocabulary.js";

/**
 * Stable, deterministic ids (no randomness, no clock): the same inputs always give the same
 * id, so a retried decision re-emits the same notification ids and delivery stays idempotent.
 */

/**
 * cyrb53: a fast 53-bit string hash (not cryptographic; ids are not secrets). Its two lanes
 * live in module state between `begin` and `end`: every use is synchronous.
 */
let h1 = 0;
let h2 = 0;

function begin(seed: number): void {
  h1 = 0xdeadbeef ^ seed;
  h2 = 0x41c6ce57 ^ seed;
}

function feed(s: string): void {
  for (let i = 0; i < s.length; i++) feedCode(s.charCodeAt(i));
}

function feedCode(ch: number): void {
  h1 = Math.imul(h1 ^ ch, 2654435761);
  h2 = Math.imul(h2 ^ ch, 1597334677);
}

function end(): number {
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

export function hash53(s: string, seed = 0): number {
  begin(seed);
  feed(s);
  return end();
}

/** hash53(`${a}\u0001${b}`), without building the joined string (a long one would be flattened to be read). */
export function hash53Of2(a: string, b: string, seed = 0): number {
  begin(seed);
  feed(a);
  feedCode(1);
  feed(b);
  return end();
}

/** Char codes of "0123456789abcdefghijklmnopqrstuv": base 32, least significant digit first, 7 digits per 32-bit lane. */
const A = Array.from("0123456789abcdefghijklmnopqrstuv", (ch) => ch.charCodeAt(0));
const lanes = new Uint32Array(4);

/**
 * Hashes the parts (with a separator between them, so ("ab","c") and ("a","bc") differ) into
 * four 32-bit lanes, in one pass and without building the joined string. Parts never contain
 * U+0001 (tenant, user, event and doc id patterns exclude control characters).
 */
function hashParts(parts: readonly string[]): Uint32Array {
  let a = 0xdeadbeef ^ 1, b = 0x41c6ce57 ^ 1, c = 0xdeadbeef ^ 2, d = 0x41c6ce57 ^ 2;
  for (let p = 0; p < parts.length; p++) {
    const s = parts[p];
    for (let i = 0; i <= s.length; i++) {
      const ch = i < s.length ? s.charCodeAt(i) : 1;
      a = Math.imul(a ^ ch, 2654435761);
      b = Math.imul(b ^ ch, 1597334677);
      c = Math.imul(c ^ ch, 2246822519);
      d = Math.imul(d ^ ch, 3266489917);
    }
  }
  a = Math.imul(a ^ (a >>> 16), 2246822507) ^ Math.imul(b ^ (b >>> 13), 3266489909);
  b = Math.imul(b ^ (b >>> 16), 2246822507) ^ Math.imul(a ^ (a >>> 13), 3266489909);
  c = Math.imul(c ^ (c >>> 16), 2246822507) ^ Math.imul(d ^ (d >>> 13), 3266489909);
  d = Math.imul(d ^ (d >>> 16), 2246822507) ^ Math.imul(c ^ (c >>> 13), 3266489909);
  lanes[0] = a;
  lanes[1] = b;
  lanes[2] = c;
  lanes[3] = d;
  return lanes;
}

/** "ntf_" + 21 base-32 characters (96 bits of hash) of the parts. */
export function stableId(...parts: string[]): string {
  const h = hashParts(parts);
  const a = h[0], b = h[1], c = h[2] ^ h[3];
  // One string built from its 25 char codes (no per-character concatenation).
  return String.fromCharCode(
    0x6e, 0x74, 0x66, 0x5f, // "ntf_"
    A[a & 31], A[(a >>> 5) & 31], A[(a >>> 10) & 31], A[(a >>> 15) & 31], A[(a >>> 20) & 31], A[(a >>> 25) & 31], A[(a >>> 30) & 3],
    A[b & 31], A[(b >>> 5) & 31], A[(b >>> 10) & 31], A[(b >>> 15) & 31], A[(b >>> 20) & 31], A[(b >>> 25) & 31], A[(b >>> 30) & 3],
    A[c & 31], A[(c >>> 5) & 31], A[(c >>> 10) & 31], A[(c >>> 15) & 31], A[(c >>> 20) & 31], A[(c >>> 25) & 31], A[(c >>> 30) & 3],
  );
}

/** The notification id of one event for one recipient on one channel. */
export function notificationId(tenant: string, userId: string, eventId: string, channel: Channel): string {
  return stableId("e", tenant, userId, eventId, channel);
}

/** A digest's id (its in-app item keeps it for the digest's life): the key and its first event. */
export function digestId(tenant: string, userId: string, digestKey: string, firstEventId: string): string {
  return stableId("d", tenant, userId, digestKey, firstEventId);
}

/** The id of one channel's message of a send based on `baseId` (a digest or a release of deferred items). */
export function sendChannelId(baseId: string, channel: Channel): string {
  return stableId("s", baseId, channel);
}

/** The id of a release of deferred items: named after the first of them. */
export function releaseId(tenant: string, userId: string, firstEventId: string): string {
  return stableId("r", tenant, userId, firstEventId);
}

/** What the recent-event set keeps of an event id. */
export function seenHash(eventId: string): number {
  return hash53(eventId, 7);
}
