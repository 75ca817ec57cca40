import { brotliCompressSync, brotliDecompressSync, constants } from "node:zlib";
import type { AttributeValue } from "@aws-sdk/client-dynamodb";

/**
 * Compression of the JSON the adapters store as Binary attributes (log entries, inbox ops,
 * quarantine records). Brotli quality 5 in text mode, chosen by measuring 100 entries of
 * 1 KiB English prose (117 KB of JSON): it compresses 3.45x at ~62 MB/s, against gzip -6 at
 * 3.30x and ~46 MB/s; qualities 7-9 gain under 3% more for 1.5-4x the CPU on the
 * sequencer's serial path, and 11 gains 12% for ~50x. On small payloads (a few short ops)
 * Brotli's built-in text dictionary wins by more (287 vs 349 bytes for 3 ops).
 */
const BROTLI_QUALITY = 5;

export function packJson(value: unknown): Uint8Array {
  const json = Buffer.from(JSON.stringify(value));
  return brotliCompressSync(json, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY,
      [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
      [constants.BROTLI_PARAM_SIZE_HINT]: json.length,
    },
  });
}

/**
 * A large text (a document state snapshot) compressed like packJson but with Brotli's largest
 * window (16 MiB instead of 4 MiB), so repeats far apart still compress: a state's encoding
 * holds its text twice (`text` and `spans`), a whole text length apart.
 */
export function packText(text: string): Uint8Array {
  const bytes = Buffer.from(text, "utf8");
  return brotliCompressSync(bytes, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY,
      [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
      [constants.BROTLI_PARAM_LGWIN]: 24,
      [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
    },
  });
}

/** Inverse of packText. */
export function unpackText(bytes: Uint8Array): string {
  return brotliDecompressSync(bytes).toString("utf8");
}

/** Inverse of packJson. A string is base64 (how Lambda's JSON stream events carry Binary). */
export function unpackJson<T>(bytes: Uint8Array | string): T {
  const buf = typeof bytes === "string" ? Buffer.from(bytes, "base64") : bytes;
  return JSON.parse(brotliDecompressSync(buf).toString("utf8")) as T;
}

/** Log seqs in sort keys: 12 digits (seqs are bounded by 2^31-1). */
export function padSeq(seq: number): string {
  return pad(seq, 12);
}

/** Epoch-ms times in sort keys: 16 digits, enough for any valid Date (8.64e15). */
export function padTime(ms: number): string {
  return pad(ms, 16);
}

function pad(n: number, width: number): string {
  if (!Number.isSafeInteger(n) || n < 0 || String(n).length > width) {
    throw new RangeError(`cannot use ${n} in a sort key (needs an integer of at most ${width} digits)`);
  }
  return String(n).padStart(width, "0");
}

/** Epoch seconds for a TTL attribute, `days` after `ms`. */
export function expiresAfter(ms: number, days: number): number {
  return Math.floor(ms / 1000) + days * 86_400;
}

/**
 * A shape that both SDK AttributeValues and Lambda stream-event images satisfy (the latter
 * carry Binary as a base64 string).
 */
export type ImageAttribute = { S?: string; N?: string; B?: Uint8Array | string };
export type ItemImage = Record<string, ImageAttribute>;

export function str(item: ItemImage, name: string): string {
  const v = item[name]?.S;
  if (v === undefined) throw new Error(`item attribute ${name} is not a string`);
  return v;
}

export function num(item: ItemImage, name: string): number {
  const v = item[name]?.N;
  if (v === undefined) throw new Error(`item attribute ${name} is not a number`);
  return Number(v);
}

export function bin(item: ItemImage, name: string): Uint8Array | string {
  const v = item[name]?.B;
  if (v === undefined) throw new Error(`item attribute ${name} is not binary`);
  return v;
}

export const S = (s: string): AttributeValue => ({ S: s });
export const N = (n: number): AttributeValue => ({ N: String(n) });
