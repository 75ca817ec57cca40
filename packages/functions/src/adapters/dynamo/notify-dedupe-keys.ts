import { createHash } from "node:crypto";

/**
 * The compact dedupe-key sets of the user-state store (notify-user-state-store.ts): each
 * recorded key is 12 bytes, the first 8 bytes of SHA-256 of its UTF-8 text followed by the
 * epoch second it is forgotten at (uint32, big-endian), oldest first. Storing the hash, not the
 * key, keeps a set small whatever the event ids look like (they may be 256 characters): two
 * different keys are taken for the same one with a chance of about n / 2^64 for n recorded keys
 * (under 1e-15 for 10,000), far below any other failure of the pipeline.
 */
export const KEY_BYTES = 12;

/** A key's 8-byte hash as a 16-hex-digit string (what sets are compared by). */
export function keyHash(key: string): string {
  return createHash("sha256").update(key, "utf8").digest("hex").slice(0, 16);
}

export interface KeyEntry {
  hash: string;
  /** Epoch second it is forgotten at (core's expirySeconds / isLive). */
  expiresAt: number;
}

export function encodeKeys(entries: readonly KeyEntry[]): Uint8Array {
  const out = Buffer.alloc(entries.length * KEY_BYTES);
  entries.forEach((e, i) => {
    out.write(e.hash, i * KEY_BYTES, 8, "hex");
    out.writeUInt32BE(e.expiresAt, i * KEY_BYTES + 8);
  });
  return out;
}

/** Inverse of encodeKeys. A string is base64 (Binary as Lambda's JSON events carry it). */
export function decodeKeys(bytes: Uint8Array | string | undefined): KeyEntry[] {
  if (bytes === undefined) return [];
  const buf = typeof bytes === "string" ? Buffer.from(bytes, "base64") : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: KeyEntry[] = [];
  for (let at = 0; at + KEY_BYTES <= buf.length; at += KEY_BYTES) {
    out.push({ hash: buf.toString("hex", at, at + 8), expiresAt: buf.readUInt32BE(at + 8) });
  }
  return out;
}

/** Keys kept in the state item before the oldest are moved to a page: 240 bytes at most (plus one commit's new keys). */
export const INLINE_KEYS = 20;
/** Keys moved to a page at a time (so a page is written once per this many keys, not per commit). */
export const PAGE_KEYS = 10;

/**
 * The state item's next key set: `live` (the recorded keys still live, oldest first) plus
 * `fresh` (this commit's keys, none of them recorded). When there would be more than
 * INLINE_KEYS, the oldest recorded keys (at least PAGE_KEYS of them, never a fresh one: a page
 * is written before the commit and must hold only keys already recorded, so a commit that then
 * fails records nothing) go to `spill`, to be written as a page first.
 */
export function nextKeySet(live: readonly KeyEntry[], fresh: readonly KeyEntry[]): { inline: KeyEntry[]; spill: KeyEntry[] } {
  if (live.length + fresh.length <= INLINE_KEYS) return { inline: [...live, ...fresh], spill: [] };
  const n = Math.min(live.length, Math.max(PAGE_KEYS, live.length + fresh.length - INLINE_KEYS));
  return { inline: [...live.slice(n), ...fresh], spill: live.slice(0, n) };
}
