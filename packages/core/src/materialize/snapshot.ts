/**
 * Splitting an encoded state across several stored items (a DynamoDB item holds at most
 * 400 KB, so the default leaves room for keys and attributes).
 *
 * Chunks are cut only on code point boundaries, so each chunk is itself well-formed text
 * that survives UTF-8 encoding on its own, and each is at most `maxBytes` bytes in UTF-8.
 * Chunks are as full as possible: all but the last hold more than `maxBytes - 4` bytes.
 */
export const DEFAULT_SNAPSHOT_CHUNK_BYTES = 300_000;

/** `encoded` cut into pieces of at most `maxBytes` UTF-8 bytes; always at least one piece. */
export function snapshotChunks(encoded: string, maxBytes = DEFAULT_SNAPSHOT_CHUNK_BYTES): string[] {
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 4) {
    throw new RangeError(`snapshotChunks: maxBytes must be an integer >= 4 (one code point), got ${maxBytes}`);
  }
  const out: string[] = [];
  let start = 0; // UTF-16 index where the current chunk starts
  let bytes = 0;
  let i = 0;
  while (i < encoded.length) {
    const c = encoded.charCodeAt(i);
    let units = 1;
    let size: number;
    if (c < 0x80) size = 1;
    else if (c < 0x800) size = 2;
    else if (c >= 0xd800 && c <= 0xdbff && isLow(encoded.charCodeAt(i + 1))) {
      size = 4;
      units = 2;
    } else size = 3; // BMP, or a lone surrogate (which UTF-8 encoders write as U+FFFD: 3 bytes)
    if (bytes + size > maxBytes) {
      out.push(encoded.slice(start, i));
      start = i;
      bytes = 0;
    }
    bytes += size;
    i += units;
  }
  out.push(encoded.slice(start));
  return out;
}

/** The string `snapshotChunks` cut, from its pieces in order. */
export function joinChunks(chunks: readonly string[]): string {
  return chunks.join("");
}

function isLow(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}
