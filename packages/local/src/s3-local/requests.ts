import type { IncomingHttpHeaders } from "node:http";
import type { ObjectStore } from "./object-store.js";
import { S3Error, methodNotAllowed, notImplemented } from "./s3-errors.js";

/**
 * Requests of the local S3 endpoint: path-style addressing only (`/`, `/{bucket}`,
 * `/{bucket}/{key...}`, each part percent-decoded, `+` kept as a plus sign), and the rule that
 * names the S3 operation a request is.
 *
 * A query parameter that is not one of the parameters below is a sub-resource (`?acl`,
 * `?uploads`, `?versioning`…); the request is the S3 operation it would be on AWS, answered
 * 501 NotImplemented with that operation's name unless the endpoint serves it. A method S3
 * does not accept on that kind of resource is a 405 MethodNotAllowed.
 */

export interface S3Request {
  method: string;
  /** Decoded; undefined for `/`. */
  bucket?: string;
  /** Decoded, any characters; undefined for a bucket (`/b` or `/b/`). */
  key?: string;
  /** Decoded query parameters; a parameter without `=` has the value "". */
  query: Map<string, string>;
  headers: IncomingHttpHeaders;
  /** The raw request body (aws-chunked not yet undone). */
  body: Buffer;
  /** Epoch ms when the request was read. */
  now: number;
  /** The path as decoded, for `<Resource>` in errors. */
  resource: string;
}

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  body?: Buffer | string;
}

/** An operation: the request in, the answer out; a refusal throws S3Error. */
export type Operation = (store: ObjectStore, req: S3Request) => Reply;

const PARAMETERS = new Set([
  "x-id", "list-type", "prefix", "delimiter", "max-keys", "continuation-token", "start-after", "fetch-owner", "encoding-type",
  "max-buckets", "bucket-region", "versionid",
  "response-content-type", "response-content-language", "response-expires", "response-cache-control", "response-content-disposition", "response-content-encoding",
]);

/** Parses `req.url` (`/bucket/key?query`) into bucket, key, query and resource. */
export function parseTarget(url: string): Pick<S3Request, "bucket" | "key" | "query" | "resource"> {
  const q = url.indexOf("?");
  const rawPath = q < 0 ? url : url.slice(0, q);
  const query = new Map<string, string>();
  if (q >= 0) {
    for (const part of url.slice(q + 1).split("&")) {
      if (part === "") continue;
      const eq = part.indexOf("=");
      query.set(decode(eq < 0 ? part : part.slice(0, eq)), eq < 0 ? "" : decode(part.slice(eq + 1)));
    }
  }
  if (!rawPath.startsWith("/")) throw invalidUri();
  const slash = rawPath.indexOf("/", 1);
  const bucket = decode(slash < 0 ? rawPath.slice(1) : rawPath.slice(1, slash));
  const rawKey = slash < 0 ? "" : rawPath.slice(slash + 1);
  const key = rawKey === "" ? undefined : decode(rawKey);
  return { bucket: bucket === "" ? undefined : bucket, key, query, resource: decode(rawPath) };
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw invalidUri();
  }
}

const invalidUri = () => new S3Error("InvalidURI", 400, "Couldn't parse the specified URI.");

/** The first query parameter that is a sub-resource, if any. */
export function subresourceOf(query: Map<string, string>): string | undefined {
  for (const name of query.keys()) {
    const lower = name.toLowerCase();
    if (!PARAMETERS.has(lower) && !lower.startsWith("x-amz-")) return name;
  }
  return undefined;
}

/** The served operations, by name. */
export type Served =
  | "ListBuckets" | "CreateBucket" | "HeadBucket" | "DeleteBucket" | "ListObjectsV2" | "DeleteObjects"
  | "PutObject" | "GetObject" | "HeadObject" | "DeleteObject";

const VERB: Record<string, string> = { GET: "Get", PUT: "Put", DELETE: "Delete", HEAD: "Head", POST: "Post" };

const BUCKET_SUBRESOURCES: Record<string, string> = {
  acl: "BucketAcl", cors: "BucketCors", encryption: "BucketEncryption", lifecycle: "BucketLifecycleConfiguration", location: "BucketLocation",
  logging: "BucketLogging", notification: "BucketNotificationConfiguration", policy: "BucketPolicy", policyStatus: "BucketPolicyStatus",
  replication: "BucketReplication", tagging: "BucketTagging", versioning: "BucketVersioning", website: "BucketWebsite",
  accelerate: "BucketAccelerateConfiguration", ownershipControls: "BucketOwnershipControls", publicAccessBlock: "PublicAccessBlock",
  requestPayment: "BucketRequestPayment", "object-lock": "ObjectLockConfiguration", analytics: "BucketAnalyticsConfiguration",
  metrics: "BucketMetricsConfiguration", inventory: "BucketInventoryConfiguration", "intelligent-tiering": "BucketIntelligentTieringConfiguration",
};

const OBJECT_SUBRESOURCES: Record<string, string> = {
  acl: "ObjectAcl", tagging: "ObjectTagging", "legal-hold": "ObjectLegalHold", retention: "ObjectRetention", attributes: "ObjectAttributes", torrent: "ObjectTorrent",
};

/** The operation a request is: a served one, or a refusal (501 naming the S3 operation, or 405). */
export function operationOf(req: Pick<S3Request, "method" | "bucket" | "key" | "query" | "headers">): Served {
  const { method, bucket, key, query } = req;
  const sub = subresourceOf(query);
  const verb = VERB[method];
  if (bucket === undefined) {
    if (method === "GET" && sub === undefined) return "ListBuckets";
    if (method === "GET" && sub === "session") throw notImplemented("CreateSession");
    throw methodNotAllowed(method, "SERVICE");
  }
  if (verb === undefined) throw methodNotAllowed(method, key === undefined ? "BUCKET" : "OBJECT");
  if (key === undefined) {
    if (sub === undefined) {
      if (method === "PUT") return "CreateBucket";
      if (method === "HEAD") return "HeadBucket";
      if (method === "DELETE") return "DeleteBucket";
      if (method === "GET") {
        if (query.get("list-type") === "2") return "ListObjectsV2";
        throw notImplemented("ListObjects (version 1; use ListObjectsV2)");
      }
      throw notImplemented("PostObject (browser-based upload)");
    }
    if (sub === "delete" && method === "POST") return "DeleteObjects";
    if (sub === "uploads" && method === "GET") throw notImplemented("ListMultipartUploads");
    if (sub === "versions" && method === "GET") throw notImplemented("ListObjectVersions");
    if (Object.hasOwn(BUCKET_SUBRESOURCES, sub) && method !== "POST" && method !== "HEAD") throw notImplemented(verb + BUCKET_SUBRESOURCES[sub]);
    throw notImplemented(`${method} /${bucket}?${sub}`);
  }
  if (sub === undefined) {
    const copy = req.headers["x-amz-copy-source"] !== undefined;
    if (method === "PUT") {
      if (copy) throw notImplemented("CopyObject");
      return "PutObject";
    }
    if (method === "GET") return "GetObject";
    if (method === "HEAD") return "HeadObject";
    if (method === "DELETE") return "DeleteObject";
    throw methodNotAllowed(method, "OBJECT");
  }
  if (sub === "uploads" && method === "POST") throw notImplemented("CreateMultipartUpload");
  if (sub === "uploadId") {
    const name = { PUT: req.headers["x-amz-copy-source"] ? "UploadPartCopy" : "UploadPart", POST: "CompleteMultipartUpload", DELETE: "AbortMultipartUpload", GET: "ListParts" }[method];
    if (name) throw notImplemented(name);
  }
  if (sub === "restore" && method === "POST") throw notImplemented("RestoreObject");
  if (sub === "select" && method === "POST") throw notImplemented("SelectObjectContent");
  if (sub === "partNumber") throw notImplemented("GetObject/HeadObject with partNumber");
  if (Object.hasOwn(OBJECT_SUBRESOURCES, sub) && method !== "POST" && method !== "HEAD") throw notImplemented(verb + OBJECT_SUBRESOURCES[sub]);
  throw notImplemented(`${method} /${bucket}/{key}?${sub}`);
}
