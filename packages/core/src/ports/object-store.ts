import { WeftError } from "../errors.js";

/**
 * Immutable-ish blobs by key (S3 on AWS): what is too large or too cold for a table item, such
 * as a document log's compacted segments and, later, the lake's files.
 *
 * Contract:
 * - Keys are 1..900 bytes of UTF-8 with no control characters; a store may prefix them with up
 *   to 124 bytes of its own (S3 allows 1,024 bytes in all). A bad
 *   key throws WeftError `invalid_request` before anything is written (keys are built by
 *   Weft's own code, so this is a bug, not a user's input).
 * - `put` stores `body` under `key` whole, replacing what was there (last writer wins, never a
 *   mix of two bodies); once it resolves, every `get` from any process returns it (S3 is
 *   strongly read-after-write consistent). Callers that must not lose a race write
 *   content-addressed or deterministic keys, so that a retried put writes the same bytes.
 * - `get` returns the bytes last put, or undefined when the key holds nothing.
 * - `delete` removes the key; deleting a missing key is not an error.
 * - `list(prefix)` yields every key starting with `prefix` with its size in bytes, in ascending
 *   UTF-8 byte order, each once, paging as needed.
 */
export interface ObjectStore {
  put(key: string, body: Uint8Array): Promise<void>;
  get(key: string): Promise<Uint8Array | undefined>;
  delete(key: string): Promise<void>;
  list(prefix: string): AsyncIterable<{ key: string; size: number }>;
}

/** A key's length at most, in UTF-8 bytes: S3's 1,024 less MAX_OBJECT_PREFIX_BYTES. */
export const MAX_OBJECT_KEY_BYTES = 900;
/** The prefix an ObjectStore may put before every key, at most, in UTF-8 bytes. */
export const MAX_OBJECT_PREFIX_BYTES = 124;

/** Throws WeftError `invalid_request` unless `key` obeys the contract above. */
export function checkObjectKey(key: string): void {
  const bytes = new TextEncoder().encode(key).length;
  // eslint-disable-next-line no-control-regex
  if (bytes === 0 || bytes > MAX_OBJECT_KEY_BYTES || /[\u0000-\u001f\u007f]/.test(key)) {
    throw new WeftError("invalid_request", `an object key is 1-${MAX_OBJECT_KEY_BYTES} bytes of UTF-8 without control characters (got ${bytes} bytes)`, [{ path: "key", issue: "invalid_object_key" }]);
  }
}
