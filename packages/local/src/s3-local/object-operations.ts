import { createHash } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import { checkReadConditions, checkWriteConditions, rangeOf } from "./conditions.js";
import type { ObjectInfo, ObjectStore } from "./object-store.js";
import { decodePayload } from "./payload.js";
import type { Operation, Reply, S3Request } from "./requests.js";
import { invalidArgument, noSuchKey, S3Error } from "./s3-errors.js";

/**
 * PutObject, GetObject, HeadObject and DeleteObject.
 *
 * PutObject keeps the bytes (aws-chunked undone, checksums checked: payload.ts), Content-Type
 * (default `binary/octet-stream`, as S3), Content-Encoding (less aws-chunked), Cache-Control,
 * Content-Disposition, Content-Language, Expires and the `x-amz-meta-*` headers (at most 2 KB
 * of names and values, as S3), and answers the ETag: the quoted hex MD5 of the bytes.
 * GetObject and HeadObject send all of them back with Content-Length, Last-Modified and
 * `Accept-Ranges: bytes`; GetObject honours Range and the `response-*` overrides, both honour
 * the conditional headers (conditions.ts). A `versionId` other than "null" is refused, as S3
 * refuses it for a bucket that was never versioned.
 */

/** S3's limit on a key: 1024 bytes of UTF-8. */
const MAX_KEY_BYTES = 1024;
const MAX_METADATA_BYTES = 2048;
const KEPT_HEADERS = ["cache-control", "content-disposition", "content-language", "expires"];

export const putObject: Operation = (store, req) => {
  const key = checkKey(req.key!);
  const { data, contentEncoding } = decodePayload(req.body, req.headers);
  const headers: Record<string, string> = {};
  for (const name of KEPT_HEADERS) {
    const value = single(req.headers, name);
    if (value !== undefined) headers[name] = value;
  }
  if (contentEncoding !== undefined) headers["content-encoding"] = contentEncoding;
  const metadata = metadataOf(req.headers);
  checkWriteConditions(req.headers, key, store.get(req.bucket!, key));
  const info: ObjectInfo = {
    key,
    size: data.length,
    etag: `"${createHash("md5").update(data).digest("hex")}"`,
    lastModified: req.now,
    contentType: single(req.headers, "content-type") ?? "binary/octet-stream",
    headers,
    metadata,
  };
  store.put(req.bucket!, info, data);
  return { status: 200, headers: { etag: info.etag } };
};

export const getObject: Operation = (store, req) => read(store, req, true);

export const headObject: Operation = (store, req) => read(store, req, false);

export const deleteObject: Operation = (store, req) => {
  checkVersion(req);
  store.delete(req.bucket!, req.key!);
  return { status: 204 };
};

function read(store: ObjectStore, req: S3Request, withBody: boolean): Reply {
  checkVersion(req);
  const object = store.get(req.bucket!, req.key!);
  if (!object) throw noSuchKey(req.key!);
  const headers: Record<string, string> = { etag: object.etag, "last-modified": new Date(object.lastModified).toUTCString() };
  if (checkReadConditions(req.headers, object) === "not-modified") return { status: 304, headers };
  Object.assign(headers, { "content-type": object.contentType, "accept-ranges": "bytes" }, object.headers);
  for (const [name, value] of Object.entries(object.metadata)) headers[`x-amz-meta-${name}`] = value;
  if (withBody) {
    for (const [param, value] of req.query) {
      if (param.startsWith("response-")) headers[param.slice("response-".length)] = value;
    }
  }
  const range = rangeOf(req.headers, object.size);
  const start = range?.start ?? 0;
  const end = range?.end ?? object.size;
  headers["content-length"] = String(end - start);
  if (range) headers["content-range"] = `bytes ${start}-${end - 1}/${object.size}`;
  return { status: range ? 206 : 200, headers, body: withBody ? store.read(req.bucket!, object, start, end) : undefined };
}

function checkKey(key: string): string {
  if (Buffer.byteLength(key, "utf8") > MAX_KEY_BYTES) throw new S3Error("KeyTooLongError", 400, "Your key is too long", { MaxSizeAllowed: String(MAX_KEY_BYTES) });
  return key;
}

function checkVersion(req: S3Request): void {
  const version = req.query.get("versionId");
  if (version !== undefined && version !== "null") throw invalidArgument("Invalid version id specified", "versionId", version);
}

function metadataOf(headers: IncomingHttpHeaders): Record<string, string> {
  const metadata: Record<string, string> = Object.create(null);
  let bytes = 0;
  for (const name of Object.keys(headers)) {
    if (!name.startsWith("x-amz-meta-")) continue;
    const value = single(headers, name)!;
    const short = name.slice("x-amz-meta-".length);
    metadata[short] = value;
    bytes += Buffer.byteLength(short) + Buffer.byteLength(value);
  }
  if (bytes > MAX_METADATA_BYTES) throw new S3Error("MetadataTooLarge", 400, "Your metadata headers exceed the maximum allowed metadata size.", { MaxSizeAllowed: String(MAX_METADATA_BYTES) });
  return metadata;
}

function single(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v.join(",") : v;
}
