import type { IncomingHttpHeaders } from "node:http";
import type { ObjectInfo } from "./object-store.js";
import { preconditionFailed, S3Error } from "./s3-errors.js";

/**
 * Conditional requests and byte ranges of GetObject, HeadObject and PutObject.
 *
 * Reads (RFC 9110 order, as S3): `If-Match` that no ETag matches → 412; else
 * `If-Unmodified-Since` (only without If-Match) earlier than Last-Modified → 412; then
 * `If-None-Match` that an ETag matches → 304; else `If-Modified-Since` (only without
 * If-None-Match) not earlier than Last-Modified → 304. Dates compare at whole seconds.
 *
 * Writes (S3 conditional writes): `If-None-Match: *` → 412 when the key exists; `If-Match`
 * → 404 NoSuchKey when it does not, 412 when its ETag differs. Checked when the body has been
 * received, just before the object is stored, so of concurrent writes only one can win.
 */

type Outcome = "ok" | "not-modified";

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v.join(",") : v;
}

/** Whether an If-Match / If-None-Match list (`*`, `"etag"`, `W/"etag"`, or bare etags) names this ETag. */
function etagMatches(list: string, etag: string): boolean {
  const bare = etag.replace(/^"|"$/g, "");
  return list.split(",").some((item) => {
    const tag = item.trim().replace(/^W\//, "").replace(/^"|"$/g, "");
    return tag === "*" || tag === bare;
  });
}

/** Epoch seconds of an HTTP date, or undefined when it is not one (the header is then ignored). */
function seconds(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : Math.floor(ms / 1000);
}

export function checkReadConditions(headers: IncomingHttpHeaders, object: ObjectInfo): Outcome {
  const modified = Math.floor(object.lastModified / 1000);
  const ifMatch = header(headers, "if-match");
  if (ifMatch !== undefined) {
    if (!etagMatches(ifMatch, object.etag)) throw preconditionFailed("If-Match");
  } else {
    const since = seconds(header(headers, "if-unmodified-since"));
    if (since !== undefined && modified > since) throw preconditionFailed("If-Unmodified-Since");
  }
  const ifNoneMatch = header(headers, "if-none-match");
  if (ifNoneMatch !== undefined) return etagMatches(ifNoneMatch, object.etag) ? "not-modified" : "ok";
  const since = seconds(header(headers, "if-modified-since"));
  return since !== undefined && modified <= since ? "not-modified" : "ok";
}

export function checkWriteConditions(headers: IncomingHttpHeaders, key: string, existing: ObjectInfo | undefined): void {
  const ifNoneMatch = header(headers, "if-none-match");
  if (ifNoneMatch !== undefined) {
    if (ifNoneMatch.trim() !== "*") throw new S3Error("NotImplemented", 501, "PutObject takes If-None-Match only as '*'.", { Header: "If-None-Match" });
    if (existing) throw preconditionFailed("If-None-Match");
  }
  const ifMatch = header(headers, "if-match");
  if (ifMatch !== undefined) {
    if (!existing) throw new S3Error("NoSuchKey", 404, "The specified key does not exist.", { Key: key });
    if (!etagMatches(ifMatch, existing.etag)) throw preconditionFailed("If-Match");
  }
}

/**
 * The byte range `Range` asks for, as [start, end) within `size`; undefined for the whole
 * object (no Range, or one that is not a single `bytes=` range: S3 then ignores it).
 * Unsatisfiable (start ≥ size, a zero-length suffix, or any range of an empty object) → 416.
 */
export function rangeOf(headers: IncomingHttpHeaders, size: number): { start: number; end: number } | undefined {
  const value = header(headers, "range");
  if (value === undefined) return undefined;
  const m = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(value);
  if (!m || (m[1] === "" && m[2] === "")) return undefined;
  let start: number;
  let end: number;
  if (m[1] === "") {
    const suffix = Number(m[2]);
    start = Math.max(0, size - suffix);
    end = size;
    if (suffix === 0 || size === 0) throw unsatisfiable(size);
  } else {
    start = Number(m[1]);
    end = m[2] === "" ? size : Number(m[2]) + 1;
    if (m[2] !== "" && end <= start) return undefined; // last < first: not a valid range, ignored
    if (start >= size) throw unsatisfiable(size);
    end = Math.min(end, size);
  }
  return { start, end };
}

const unsatisfiable = (size: number) =>
  new S3Error("InvalidRange", 416, "The requested range is not satisfiable", { ActualObjectSize: String(size) }, { "content-range": `bytes */${size}` });
