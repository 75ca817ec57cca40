import { OWNER, xmlReply } from "./bucket-operations.js";
import { compareKeys } from "./object-store.js";
import type { Operation } from "./requests.js";
import { invalidArgument } from "./s3-errors.js";
import { document, el } from "./xml.js";

/**
 * ListObjectsV2 (`GET /{bucket}?list-type=2`): keys in UTF-8 byte order, filtered by `prefix`;
 * with a `delimiter`, keys holding it after the prefix are rolled up into one CommonPrefixes
 * entry (the key up to and including the first delimiter after the prefix). `max-keys` (default
 * and ceiling 1000; 0 answers an empty, untruncated page) counts Contents and CommonPrefixes
 * together. `start-after` skips keys up to and including it; a `continuation-token`
 * (base64url of the last entry of the previous page, opaque to callers) takes precedence and
 * resumes after that entry, past the whole common prefix when the entry was one.
 * `fetch-owner=true` adds Owner to each Contents. `encoding-type=url` is ignored: keys are
 * always sent XML-escaped, and EncodingType is not echoed, so the SDK does not decode them.
 */

const MAX_KEYS = 1000;

export const listObjectsV2: Operation = (store, req) => {
  const bucket = req.bucket!;
  const keys = store.sortedKeys(bucket);
  const q = req.query;
  const prefix = q.get("prefix") ?? "";
  const delimiter = q.get("delimiter") || undefined;
  const maxText = q.get("max-keys");
  const maxKeys = maxText === undefined ? MAX_KEYS : Number(maxText);
  if (!Number.isInteger(maxKeys) || maxKeys < 0) throw invalidArgument("Provided max-keys not an integer or within integer range", "max-keys", maxText);
  const limit = Math.min(maxKeys, MAX_KEYS);
  const token = q.get("continuation-token");
  const startAfter = q.get("start-after");
  const after = token !== undefined ? decodeToken(token) : undefined;

  const contents: string[] = [];
  const prefixes: string[] = [];
  let last: string | undefined;
  let truncated = false;
  for (let i = firstIndex(keys, prefix, after ?? startAfter); i < keys.length; i++) {
    const key = keys[i];
    if (!key.startsWith(prefix)) break; // keys with the prefix are contiguous: this is past them all
    const cut = delimiter === undefined ? -1 : key.indexOf(delimiter, prefix.length);
    const entry = cut < 0 ? key : key.slice(0, cut + delimiter!.length);
    if (after !== undefined && compareKeys(entry, after) <= 0) continue; // inside the common prefix the last page ended with
    if (startAfter !== undefined && after === undefined && compareKeys(key, startAfter) <= 0) continue;
    if (entry === last) continue; // another key of the same common prefix
    if (contents.length + prefixes.length >= limit) {
      truncated = limit > 0;
      break;
    }
    last = entry;
    if (cut >= 0) prefixes.push(`<CommonPrefixes>${el("Prefix", entry)}</CommonPrefixes>`);
    else {
      const o = store.get(bucket, key)!;
      const owner = q.get("fetch-owner") === "true" ? `<Owner>${el("ID", OWNER.id)}${el("DisplayName", OWNER.displayName)}</Owner>` : "";
      contents.push(
        `<Contents>${el("Key", key)}${el("LastModified", new Date(o.lastModified).toISOString())}${el("ETag", o.etag)}${el("Size", o.size)}${owner}${el("StorageClass", "STANDARD")}</Contents>`,
      );
    }
  }

  const body = document(
    "ListBucketResult",
    el("Name", bucket) +
      el("Prefix", prefix) +
      el("Delimiter", delimiter) +
      el("MaxKeys", limit) +
      el("KeyCount", contents.length + prefixes.length) +
      el("IsTruncated", truncated) +
      el("ContinuationToken", token) +
      el("NextContinuationToken", truncated ? Buffer.from(last!, "utf8").toString("base64url") : undefined) +
      el("StartAfter", startAfter) +
      contents.join("") +
      prefixes.join(""),
  );
  return xmlReply(body);
};

function decodeToken(token: string): string {
  const text = Buffer.from(token, "base64url").toString("utf8");
  if (token === "" || Buffer.from(text, "utf8").toString("base64url") !== token)
    throw invalidArgument("The continuation token provided is incorrect", "continuation-token", token);
  return text;
}

/** Index of the first key that can be listed: not before the prefix, nor at or before `after`. */
function firstIndex(keys: readonly string[], prefix: string, after: string | undefined): number {
  const from = after !== undefined && compareKeys(after, prefix) > 0 ? after : prefix;
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareKeys(keys[mid], from) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
