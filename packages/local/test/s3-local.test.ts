import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import {
  BucketAlreadyOwnedByYou,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectsCommand,
  ListObjectsV2Command,
  NoSuchBucket,
  NoSuchKey,
  NotFound,
  PutObjectCommand,
  S3Client,
  type ListObjectsV2CommandInput,
  type ListObjectsV2CommandOutput,
} from "@aws-sdk/client-s3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startS3Local, type S3Local, type S3LocalOptions } from "../src/s3-local/index.js";

/**
 * The local S3 endpoint driven by the real `@aws-sdk/client-s3` (path-style, dummy
 * credentials) over real HTTP. Each test gets a fresh in-memory endpoint `s3` with a client
 * `client` and a bucket `BUCKET`; persistence tests start their own on a temp dir.
 */

const BUCKET = "test-bucket";
let s3: S3Local;
let client: S3Client;
const started: S3Local[] = [];
const clients: S3Client[] = [];
const dirs: string[] = [];

async function local(opts: S3LocalOptions = {}): Promise<S3Local> {
  const server = await startS3Local(opts);
  started.push(server);
  return server;
}

function clientOf(server: S3Local): S3Client {
  const c = new S3Client({ endpoint: server.endpoint, forcePathStyle: true, region: "us-east-1", credentials: { accessKeyId: "x", secretAccessKey: "x" }, maxAttempts: 1 });
  clients.push(c);
  return c;
}

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "s3-local-"));
  dirs.push(dir);
  return dir;
}

beforeEach(async () => {
  s3 = await local();
  client = clientOf(s3);
  await client.send(new CreateBucketCommand({ Bucket: BUCKET }));
});

afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy();
  await Promise.all(started.splice(0).map((s) => s.stop()));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

type SdkError = Error & { $metadata?: { httpStatusCode?: number }; Code?: string };

/** Expects `p` to fail with the SDK error `name` and HTTP `status`; returns the error. */
async function refused(p: Promise<unknown>, name: string, status: number, cls?: abstract new (...args: never[]) => Error): Promise<SdkError> {
  const err = (await p.then(
    () => undefined,
    (e: unknown) => e,
  )) as SdkError;
  expect(err, `expected ${name}`).toBeInstanceOf(Error);
  expect(err.name).toBe(name);
  expect(err.$metadata?.httpStatusCode).toBe(status);
  if (cls) expect(err).toBeInstanceOf(cls);
  return err;
}

const md5 = (data: Uint8Array | string) => `"${createHash("md5").update(data).digest("hex")}"`;

async function put(key: string, body: string | Uint8Array, c = client, bucket = BUCKET) {
  return c.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
}

async function getBytes(key: string, c = client, bucket = BUCKET): Promise<Buffer> {
  const out = await c.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from(await out.Body!.transformToByteArray());
}

/** Every page of a ListObjectsV2, following NextContinuationToken. */
async function listAll(input: Omit<ListObjectsV2CommandInput, "Bucket">, c = client): Promise<ListObjectsV2CommandOutput[]> {
  const pages: ListObjectsV2CommandOutput[] = [];
  let token: string | undefined;
  do {
    const page = await c.send(new ListObjectsV2Command({ Bucket: BUCKET, ...input, ContinuationToken: token }));
    pages.push(page);
    token = page.NextContinuationToken;
    expect(Boolean(token)).toBe(page.IsTruncated);
  } while (token);
  return pages;
}

describe("buckets", () => {
  it("creates, heads, lists and deletes buckets; a second create is BucketAlreadyOwnedByYou", async () => {
    const before = Date.now();
    const created = await client.send(new CreateBucketCommand({ Bucket: "alpha.bucket-1" }));
    expect(created.$metadata.httpStatusCode).toBe(200);
    expect(created.Location).toBe("/alpha.bucket-1");
    expect((await client.send(new HeadBucketCommand({ Bucket: "alpha.bucket-1" }))).$metadata.httpStatusCode).toBe(200);
    await refused(client.send(new CreateBucketCommand({ Bucket: "alpha.bucket-1" })), "BucketAlreadyOwnedByYou", 409, BucketAlreadyOwnedByYou);

    const list = await client.send(new ListBucketsCommand({}));
    expect(list.Buckets!.map((b) => b.Name)).toEqual(["alpha.bucket-1", BUCKET]);
    expect(list.Buckets![0].CreationDate!.getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(list.Owner?.ID).toBeTruthy();
    const page = await client.send(new ListBucketsCommand({ MaxBuckets: 1 }));
    expect(page.Buckets!.map((b) => b.Name)).toEqual(["alpha.bucket-1"]);
    const rest = await client.send(new ListBucketsCommand({ MaxBuckets: 1, ContinuationToken: page.ContinuationToken }));
    expect(rest.Buckets!.map((b) => b.Name)).toEqual([BUCKET]);
    expect(rest.ContinuationToken).toBeUndefined();
    expect((await client.send(new ListBucketsCommand({ Prefix: "alp" }))).Buckets!.map((b) => b.Name)).toEqual(["alpha.bucket-1"]);

    const deleted = await client.send(new DeleteBucketCommand({ Bucket: "alpha.bucket-1" }));
    expect(deleted.$metadata.httpStatusCode).toBe(204);
    await refused(client.send(new HeadBucketCommand({ Bucket: "alpha.bucket-1" })), "NotFound", 404, NotFound);
    await refused(client.send(new DeleteBucketCommand({ Bucket: "alpha.bucket-1" })), "NoSuchBucket", 404, NoSuchBucket);
    expect((await client.send(new ListBucketsCommand({}))).Buckets!.map((b) => b.Name)).toEqual([BUCKET]);
  });

  it("refuses to delete a bucket that is not empty (BucketNotEmpty)", async () => {
    await put("x", "1");
    const err = await refused(client.send(new DeleteBucketCommand({ Bucket: BUCKET })), "BucketNotEmpty", 409);
    expect(err.message).toMatch(/not empty/);
    await client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: "x" }));
    expect((await client.send(new DeleteBucketCommand({ Bucket: BUCKET }))).$metadata.httpStatusCode).toBe(204);
  });

  it("refuses bucket names that break S3's naming rules (InvalidBucketName)", async () => {
    for (const name of ["ab", "Upper-case", "under_score", "a..b", "-leading", "trailing-", "192.168.1.1", "x".repeat(64), "xn--abc", "abc-s3alias"]) {
      const err = await refused(client.send(new CreateBucketCommand({ Bucket: name })), "InvalidBucketName", 400);
      expect(err.message).toMatch(/not valid/);
    }
    await client.send(new CreateBucketCommand({ Bucket: "a.b-c" }));
    await client.send(new CreateBucketCommand({ Bucket: "x".repeat(63) }));
  });

  it("answers NoSuchBucket for operations on a bucket that does not exist", async () => {
    await refused(put("k", "v", client, "missing-bucket"), "NoSuchBucket", 404, NoSuchBucket);
    await refused(client.send(new GetObjectCommand({ Bucket: "missing-bucket", Key: "k" })), "NoSuchBucket", 404, NoSuchBucket);
    await refused(client.send(new DeleteObjectCommand({ Bucket: "missing-bucket", Key: "k" })), "NoSuchBucket", 404, NoSuchBucket);
    await refused(client.send(new ListObjectsV2Command({ Bucket: "missing-bucket" })), "NoSuchBucket", 404, NoSuchBucket);
    await refused(client.send(new DeleteObjectsCommand({ Bucket: "missing-bucket", Delete: { Objects: [{ Key: "k" }] } })), "NoSuchBucket", 404, NoSuchBucket);
    // HEAD answers carry no body, so the SDK can only name the status.
    await refused(client.send(new HeadObjectCommand({ Bucket: "missing-bucket", Key: "k" })), "NotFound", 404, NotFound);
  });
});

describe("objects", () => {
  it("stores body, Content-Type, user metadata and representation headers; answers ETag = quoted MD5", async () => {
    const before = Date.now();
    const out = await client.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: "doc.json",
        Body: '{"a":1}',
        ContentType: "application/json",
        CacheControl: "no-cache",
        ContentDisposition: "attachment",
        Metadata: { Owner: "ada", "trace-id": "t-1" },
      }),
    );
    expect(out.ETag).toBe(md5('{"a":1}'));
    const got = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: "doc.json" }));
    expect(await got.Body!.transformToString()).toBe('{"a":1}');
    expect(got.$metadata.httpStatusCode).toBe(200);
    expect(got.ContentType).toBe("application/json");
    expect(got.ContentLength).toBe(7);
    expect(got.ETag).toBe(out.ETag);
    expect(got.CacheControl).toBe("no-cache");
    expect(got.ContentDisposition).toBe("attachment");
    expect(got.AcceptRanges).toBe("bytes");
    expect(got.Metadata).toEqual({ owner: "ada", "trace-id": "t-1" });
    expect(got.LastModified!.getTime()).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    expect(got.LastModified!.getTime()).toBeLessThanOrEqual(Date.now());

    const head = await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: "doc.json" }));
    expect(head).toMatchObject({ ContentType: "application/json", ContentLength: 7, ETag: out.ETag, Metadata: { owner: "ada", "trace-id": "t-1" } });
    expect(head.LastModified).toEqual(got.LastModified);

    const override = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: "doc.json", ResponseContentType: "text/plain" }));
    expect(override.ContentType).toBe("text/plain");
    await override.Body!.transformToString();
  });

  it("overwrites an object and answers NoSuchKey / NotFound for a missing key", async () => {
    await put("k", "first");
    await put("k", "second!");
    expect((await getBytes("k")).toString()).toBe("second!");
    const err = await refused(client.send(new GetObjectCommand({ Bucket: BUCKET, Key: "nope" })), "NoSuchKey", 404, NoSuchKey);
    expect(err.message).toBe("The specified key does not exist.");
    await refused(client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: "nope" })), "NotFound", 404, NotFound);
  });

  it("round-trips random binary bodies exactly, including an empty one", async () => {
    for (const size of [0, 1, 1000, 3 * 1024 * 1024 + 7]) {
      const body = randomBytes(size);
      const out = await put(`bin/${size}`, body);
      expect(out.ETag).toBe(md5(body));
      const back = await getBytes(`bin/${size}`);
      expect(back.length).toBe(size);
      expect(back.equals(body)).toBe(true);
    }
  });

  it("decodes a streamed body the SDK sends aws-chunked with a CRC32 trailer", async () => {
    const seen: Record<string, string>[] = [];
    client.middlewareStack.add(
      (next) => async (args) => {
        seen.push({ ...(args.request as { headers: Record<string, string> }).headers });
        return next(args);
      },
      { step: "finalizeRequest", name: "captureHeaders" },
    );
    const parts = [randomBytes(70_000), randomBytes(1), randomBytes(200_000)];
    const whole = Buffer.concat(parts);
    const out = await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: "streamed", Body: Readable.from(parts), ContentLength: whole.length }));
    expect(seen[0]["content-encoding"]).toContain("aws-chunked");
    expect(seen[0]["x-amz-decoded-content-length"]).toBe(String(whole.length));
    expect(out.ETag).toBe(md5(whole));
    expect((await getBytes("streamed")).equals(whole)).toBe(true);
    const head = await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: "streamed" }));
    expect(head.ContentLength).toBe(whole.length);
    expect(head.ContentEncoding).toBeUndefined();
  });

  it("refuses a body whose checksum does not match (BadDigest)", async () => {
    const badMd5 = Buffer.alloc(16).toString("base64");
    await refused(client.send(new PutObjectCommand({ Bucket: BUCKET, Key: "md5", Body: "data", ContentMD5: badMd5 })), "BadDigest", 400);
    const sha = await refused(client.send(new PutObjectCommand({ Bucket: BUCKET, Key: "sha", Body: "data", ChecksumSHA256: Buffer.alloc(32).toString("base64") })), "BadDigest", 400);
    expect(sha.message).toMatch(/SHA256/);
    const crc = await refused(client.send(new PutObjectCommand({ Bucket: BUCKET, Key: "crc", Body: "data", ChecksumCRC32: "AAAAAA==" })), "BadDigest", 400);
    expect(crc.message).toMatch(/CRC32/);
    // An aws-chunked body with a wrong CRC32 trailer, as raw HTTP.
    const chunked = (crc: string) => Buffer.from(`5\r\nhello\r\n0\r\nx-amz-checksum-crc32:${crc}\r\n\r\n`);
    const send = (crc: string) =>
      fetch(`${s3.endpoint}/${BUCKET}/raw`, {
        method: "PUT",
        headers: { "content-encoding": "aws-chunked", "x-amz-content-sha256": "STREAMING-UNSIGNED-PAYLOAD-TRAILER", "x-amz-decoded-content-length": "5", "x-amz-trailer": "x-amz-checksum-crc32" },
        body: chunked(crc),
      });
    const bad = await send("AAAAAA==");
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain("<Code>BadDigest</Code>");
    const good = await send("NhCmhg=="); // CRC32 of "hello"
    expect(good.status).toBe(200);
    expect(good.headers.get("etag")).toBe(md5("hello"));
    await expect(client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: "md5" }))).rejects.toThrow();
    expect((await getBytes("raw")).toString()).toBe("hello");
  });

  it("takes keys with '/', spaces, '+', '%', unicode and XML-special characters", async () => {
    const keys = ["dir/sub/file.txt", "with space.txt", "a+b=c&d", "100%25 real %", "ключ/日本語/🎉.bin", " lead-and-trail ", "<tag>&'\"", "/leading-slash", "a//double"];
    for (const [i, key] of keys.entries()) await put(key, `body-${i}`);
    for (const [i, key] of keys.entries()) {
      expect((await getBytes(key)).toString()).toBe(`body-${i}`);
      expect((await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }))).ContentLength).toBe(`body-${i}`.length);
    }
    const listed = (await client.send(new ListObjectsV2Command({ Bucket: BUCKET }))).Contents!.map((c) => c.Key);
    expect(listed).toEqual([...keys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))));
    const prefixed = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: "ключ/" }));
    expect(prefixed.Contents!.map((c) => c.Key)).toEqual(["ключ/日本語/🎉.bin"]);
    for (const key of keys) await client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: key }));
    expect((await client.send(new ListObjectsV2Command({ Bucket: BUCKET }))).KeyCount).toBe(0);
  });

  it("refuses a key over 1024 bytes (KeyTooLongError)", async () => {
    await refused(put("é".repeat(513), "x"), "KeyTooLongError", 400);
    await put("é".repeat(512), "x");
  });

  it("deletes objects with 204, also a missing key", async () => {
    await put("gone", "x");
    const out = await client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: "gone" }));
    expect(out.$metadata.httpStatusCode).toBe(204);
    await refused(client.send(new GetObjectCommand({ Bucket: BUCKET, Key: "gone" })), "NoSuchKey", 404);
    expect((await client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: "gone" }))).$metadata.httpStatusCode).toBe(204);
  });

  it("leaves one whole body when two PutObjects of one key race", async () => {
    const a = Buffer.alloc(2 * 1024 * 1024, "a");
    const b = Buffer.alloc(2 * 1024 * 1024 + 5, "b");
    for (let round = 0; round < 3; round++) {
      const [ra, rb] = await Promise.all([put("race", a), put("race", b)]);
      expect(ra.ETag).toBe(md5(a));
      expect(rb.ETag).toBe(md5(b));
      const got = await getBytes("race");
      expect(got.equals(a) || got.equals(b)).toBe(true);
      expect((await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: "race" }))).ETag).toBe(md5(got));
    }
  });
});

describe("ranges and conditions", () => {
  const body = "0123456789abcdef";
  beforeEach(async () => void (await put("r", body)));

  async function range(r: string) {
    const out = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: "r", Range: r }));
    return { status: out.$metadata.httpStatusCode, text: await out.Body!.transformToString(), contentRange: out.ContentRange, length: out.ContentLength };
  }

  it("answers 206 with Content-Range for bytes=a-b, a- and -n, clamped to the size", async () => {
    expect(await range("bytes=2-5")).toEqual({ status: 206, text: "2345", contentRange: "bytes 2-5/16", length: 4 });
    expect(await range("bytes=10-")).toEqual({ status: 206, text: "abcdef", contentRange: "bytes 10-15/16", length: 6 });
    expect(await range("bytes=-3")).toEqual({ status: 206, text: "def", contentRange: "bytes 13-15/16", length: 3 });
    expect(await range("bytes=-100")).toEqual({ status: 206, text: body, contentRange: "bytes 0-15/16", length: 16 });
    expect(await range("bytes=14-99")).toEqual({ status: 206, text: "ef", contentRange: "bytes 14-15/16", length: 2 });
    expect(await range("bytes=5-2")).toMatchObject({ status: 200, text: body }); // invalid: ignored
    const head = await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: "r", Range: "bytes=0-0" }));
    expect(head.$metadata.httpStatusCode).toBe(206);
    expect(head.ContentRange).toBe("bytes 0-0/16");
  });

  it("answers 416 InvalidRange for an unsatisfiable range", async () => {
    for (const r of ["bytes=16-", "bytes=100-200", "bytes=-0"]) {
      const err = await refused(client.send(new GetObjectCommand({ Bucket: BUCKET, Key: "r", Range: r })), "InvalidRange", 416);
      expect(err.message).toMatch(/not satisfiable/);
    }
    await put("empty", "");
    await refused(client.send(new GetObjectCommand({ Bucket: BUCKET, Key: "empty", Range: "bytes=0-" })), "InvalidRange", 416);
  });

  it("honours If-None-Match / If-Modified-Since (304) and If-Match / If-Unmodified-Since (412) on reads", async () => {
    const { ETag, LastModified } = await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: "r" }));
    // A 304 has no body, so the SDK throws an error it can only name by... nothing ("Unknown").
    const notModified = await refused(client.send(new GetObjectCommand({ Bucket: BUCKET, Key: "r", IfNoneMatch: ETag })), "Unknown", 304);
    expect(notModified.$metadata?.httpStatusCode).toBe(304);
    await refused(client.send(new GetObjectCommand({ Bucket: BUCKET, Key: "r", IfModifiedSince: new Date(Date.now() + 60_000) })), "Unknown", 304);
    await refused(client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: "r", IfNoneMatch: "*" })), "Unknown", 304);

    const failed = await refused(client.send(new GetObjectCommand({ Bucket: BUCKET, Key: "r", IfMatch: '"0000"' })), "PreconditionFailed", 412);
    expect(failed.message).toMatch(/pre-conditions/);
    await refused(client.send(new GetObjectCommand({ Bucket: BUCKET, Key: "r", IfUnmodifiedSince: new Date(LastModified!.getTime() - 60_000) })), "PreconditionFailed", 412);
    await refused(client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: "r", IfMatch: '"0000"' })), "Unknown", 412);

    const ok = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: "r", IfMatch: ETag, IfNoneMatch: '"other"', IfModifiedSince: new Date(LastModified!.getTime() - 60_000) }));
    expect(await ok.Body!.transformToString()).toBe(body);
    const unquoted = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: "r", IfMatch: ETag!.replace(/"/g, "") }));
    expect(unquoted.$metadata.httpStatusCode).toBe(200);
    await unquoted.Body!.transformToString();
  });

  it("writes once with If-None-Match: * and conditionally with If-Match on PutObject", async () => {
    const first = await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: "once", Body: "v1", IfNoneMatch: "*" }));
    expect(first.ETag).toBe(md5("v1"));
    await refused(client.send(new PutObjectCommand({ Bucket: BUCKET, Key: "once", Body: "v2", IfNoneMatch: "*" })), "PreconditionFailed", 412);
    expect((await getBytes("once")).toString()).toBe("v1");

    await refused(client.send(new PutObjectCommand({ Bucket: BUCKET, Key: "once", Body: "v3", IfMatch: md5("nope") })), "PreconditionFailed", 412);
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: "once", Body: "v3", IfMatch: first.ETag }));
    expect((await getBytes("once")).toString()).toBe("v3");
    await refused(client.send(new PutObjectCommand({ Bucket: BUCKET, Key: "absent", Body: "v", IfMatch: first.ETag })), "NoSuchKey", 404);

    // Of concurrent create-only writers exactly one wins, and its body is the one stored.
    const bodies = Array.from({ length: 8 }, (_, i) => `writer-${i}-${"x".repeat(100_000)}`);
    const results = await Promise.allSettled(bodies.map((b) => client.send(new PutObjectCommand({ Bucket: BUCKET, Key: "lock", Body: b, IfNoneMatch: "*" }))));
    const winners = results.flatMap((r, i) => (r.status === "fulfilled" ? [i] : []));
    expect(winners).toHaveLength(1);
    for (const r of results) if (r.status === "rejected") expect((r.reason as SdkError).name).toBe("PreconditionFailed");
    expect((await getBytes("lock")).toString()).toBe(bodies[winners[0]]);
  });
});

describe("DeleteObjects", () => {
  it("answers Deleted and Error entries, and only errors when Quiet", async () => {
    for (const key of ["a", "b", "c/d", "e & f"]) await put(key, key);
    const out = await client.send(
      new DeleteObjectsCommand({ Bucket: BUCKET, Delete: { Objects: [{ Key: "a" }, { Key: "c/d" }, { Key: "e & f" }, { Key: "missing" }, { Key: "b", VersionId: "v1" }] } }),
    );
    expect(out.Deleted!.map((d) => d.Key)).toEqual(["a", "c/d", "e & f", "missing"]);
    expect(out.Errors).toEqual([{ Key: "b", VersionId: "v1", Code: "NoSuchVersion", Message: "The specified version does not exist." }]);
    const left = await client.send(new ListObjectsV2Command({ Bucket: BUCKET }));
    expect(left.Contents!.map((c) => c.Key)).toEqual(["b"]);

    const quiet = await client.send(new DeleteObjectsCommand({ Bucket: BUCKET, Delete: { Quiet: true, Objects: [{ Key: "b" }, { Key: "x".repeat(1025) }] } }));
    expect(quiet.Deleted).toBeUndefined();
    expect(quiet.Errors!.map((e) => e.Code)).toEqual(["KeyTooLongError"]);
    expect((await client.send(new ListObjectsV2Command({ Bucket: BUCKET }))).KeyCount).toBe(0);
  });
});

describe("ListObjectsV2", () => {
  it("pages 2,500 keys 1,000 at a time, in order, with KeyCount, IsTruncated and continuation tokens", async () => {
    const keys = Array.from({ length: 2500 }, (_, i) => `item/${String(i).padStart(5, "0")}`);
    for (let i = 0; i < keys.length; i += 100) await Promise.all(keys.slice(i, i + 100).map((k) => put(k, k)));
    const pages = await listAll({ MaxKeys: 1000 });
    expect(pages.map((p) => p.KeyCount)).toEqual([1000, 1000, 500]);
    expect(pages.map((p) => p.IsTruncated)).toEqual([true, true, false]);
    expect(pages.every((p) => p.MaxKeys === 1000 && p.Name === BUCKET)).toBe(true);
    expect(pages.flatMap((p) => p.Contents!.map((c) => c.Key))).toEqual(keys);
    const first = pages[0].Contents![0];
    expect(first).toMatchObject({ Key: keys[0], ETag: md5(keys[0]), Size: keys[0].length, StorageClass: "STANDARD" });
    expect(first.LastModified).toBeInstanceOf(Date);
    expect(pages[1].ContinuationToken).toBe(pages[0].NextContinuationToken);

    const byDefault = await client.send(new ListObjectsV2Command({ Bucket: BUCKET }));
    expect(byDefault.KeyCount).toBe(1000);
    expect(byDefault.IsTruncated).toBe(true);
    const after = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, StartAfter: "item/02497" }));
    expect(after.Contents!.map((c) => c.Key)).toEqual(["item/02498", "item/02499"]);
    expect(after.StartAfter).toBe("item/02497");
    const small = await listAll({ MaxKeys: 7, Prefix: "item/0249" });
    expect(small.map((p) => p.KeyCount)).toEqual([7, 3]);
  });

  it("groups keys by delimiter into CommonPrefixes, counting them against MaxKeys", async () => {
    for (const key of ["a/1", "a/2", "a/b/3", "b/x/1", "b/y", "c", "d/", "e"]) await put(key, key);
    const top = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Delimiter: "/" }));
    expect(top.CommonPrefixes!.map((p) => p.Prefix)).toEqual(["a/", "b/", "d/"]);
    expect(top.Contents!.map((c) => c.Key)).toEqual(["c", "e"]);
    expect(top.KeyCount).toBe(5);
    expect(top.Delimiter).toBe("/");

    const inA = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Delimiter: "/", Prefix: "a/" }));
    expect(inA.Contents!.map((c) => c.Key)).toEqual(["a/1", "a/2"]);
    expect(inA.CommonPrefixes!.map((p) => p.Prefix)).toEqual(["a/b/"]);
    expect(inA.Prefix).toBe("a/");

    const pages = await listAll({ Delimiter: "/", MaxKeys: 1 });
    expect(pages.map((p) => [...(p.CommonPrefixes ?? []).map((x) => x.Prefix), ...(p.Contents ?? []).map((x) => x.Key)])).toEqual([["a/"], ["b/"], ["c"], ["d/"], ["e"]]);

    const none = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: "zzz" }));
    expect(none.KeyCount).toBe(0);
    expect(none.Contents).toBeUndefined();
    expect(none.IsTruncated).toBe(false);
  });

  it("orders keys by UTF-8 bytes, not UTF-16 code units", async () => {
    const keys = ["\u{1F600}", "\uFF01", "z", "é", "Z", "a b", "a+b"];
    for (const key of keys) await put(key, "x");
    const listed = (await client.send(new ListObjectsV2Command({ Bucket: BUCKET }))).Contents!.map((c) => c.Key);
    expect(listed).toEqual(["Z", "a b", "a+b", "z", "é", "\uFF01", "\u{1F600}"]);
  });

  it("refuses a bad continuation token and max-keys (InvalidArgument)", async () => {
    await refused(client.send(new ListObjectsV2Command({ Bucket: BUCKET, ContinuationToken: "!!not-a-token" })), "InvalidArgument", 400);
    const raw = await fetch(`${s3.endpoint}/${BUCKET}?list-type=2&max-keys=-1`);
    expect(raw.status).toBe(400);
    expect(await raw.text()).toContain("<Code>InvalidArgument</Code>");
  });
});

describe("unsupported requests", () => {
  it("answers 501 NotImplemented naming the operation, and 405 for other methods", async () => {
    const versioning = await refused(client.send(new GetBucketVersioningCommand({ Bucket: BUCKET })), "NotImplemented", 501);
    expect(versioning.message).toContain("GetBucketVersioning");
    const multipart = await refused(client.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: "big" })), "NotImplemented", 501);
    expect(multipart.message).toContain("CreateMultipartUpload");
    await put("src", "x");
    const copy = await refused(client.send(new CopyObjectCommand({ Bucket: BUCKET, Key: "dst", CopySource: `${BUCKET}/src` })), "NotImplemented", 501);
    expect(copy.message).toContain("CopyObject");
    await refused(client.send(new GetObjectCommand({ Bucket: BUCKET, Key: "dst" })), "NoSuchKey", 404);
    const v1 = await refused(client.send(new ListObjectsCommand({ Bucket: BUCKET })), "NotImplemented", 501);
    expect(v1.message).toContain("ListObjects");

    const patch = await fetch(`${s3.endpoint}/${BUCKET}/src`, { method: "PATCH" });
    expect(patch.status).toBe(405);
    const xml = await patch.text();
    expect(xml).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<Error><Code>MethodNotAllowed<\/Code><Message>[^<]*PATCH[^<]*<\/Message>/);
    expect(xml).toContain(`<Resource>/${BUCKET}/src</Resource>`);
    expect(xml).toMatch(/<RequestId>[0-9A-F]+<\/RequestId><\/Error>$/);
    expect(patch.headers.get("content-type")).toBe("application/xml");
  });
});

describe("persistence", () => {
  it("keeps buckets and objects across a stop and a new start on the same dataDir", async () => {
    const dir = tempDir();
    const first = await local({ dataDir: dir });
    const c1 = clientOf(first);
    await c1.send(new CreateBucketCommand({ Bucket: "kept" }));
    await c1.send(new CreateBucketCommand({ Bucket: "emptied" }));
    const binary = randomBytes(100_000);
    const weird = "../../etc/passwd ключ 🎉 %2F+";
    await put(weird, binary, c1, "kept");
    await c1.send(new PutObjectCommand({ Bucket: "kept", Key: "meta.txt", Body: "old", ContentType: "text/plain", Metadata: { a: "1" } }));
    await c1.send(new PutObjectCommand({ Bucket: "kept", Key: "meta.txt", Body: "new", ContentType: "text/plain", Metadata: { a: "2" } }));
    await put("deleted", "x", c1, "kept");
    await c1.send(new DeleteObjectCommand({ Bucket: "kept", Key: "deleted" }));
    await c1.send(new DeleteBucketCommand({ Bucket: "emptied" }));
    const before = await c1.send(new HeadObjectCommand({ Bucket: "kept", Key: "meta.txt" }));
    await first.stop();
    await first.stop(); // idempotent

    // Files are named by hashes of the keys; the key lives in the metadata beside the data.
    const objectsDir = join(dir, "kept", "objects");
    const files = readdirSync(objectsDir).sort();
    expect(files).toHaveLength(4);
    const hash = createHash("sha256").update(weird).digest("hex");
    expect(JSON.parse(readFileSync(join(objectsDir, `${hash}.json`), "utf8")).key).toBe(weird);
    expect(readdirSync(dir)).toEqual(["kept"]);
    writeFileSync(join(objectsDir, `${hash}.json.abc.tmp`), "half a write");
    writeFileSync(join(objectsDir, `${hash}.0123.data`), "orphan");

    const second = await local({ dataDir: dir });
    const c2 = clientOf(second);
    expect((await c2.send(new ListBucketsCommand({}))).Buckets!.map((b) => b.Name)).toEqual(["kept"]);
    expect((await getBytes(weird, c2, "kept")).equals(binary)).toBe(true);
    const meta = await c2.send(new GetObjectCommand({ Bucket: "kept", Key: "meta.txt" }));
    expect(await meta.Body!.transformToString()).toBe("new");
    expect(meta).toMatchObject({ ContentType: "text/plain", Metadata: { a: "2" }, ETag: before.ETag, LastModified: before.LastModified });
    const ranged = await c2.send(new GetObjectCommand({ Bucket: "kept", Key: weird, Range: "bytes=10-19" }));
    expect(Buffer.from(await ranged.Body!.transformToByteArray()).equals(binary.subarray(10, 20))).toBe(true);
    await refused(c2.send(new GetObjectCommand({ Bucket: "kept", Key: "deleted" })), "NoSuchKey", 404);
    expect(readdirSync(objectsDir).sort()).toEqual(files); // leftovers tidied away
    const listed = await c2.send(new ListObjectsV2Command({ Bucket: "kept" }));
    expect(listed.Contents!.map((c) => c.Key)).toEqual([weird, "meta.txt"]);

    await c2.send(new DeleteObjectsCommand({ Bucket: "kept", Delete: { Objects: [{ Key: weird }, { Key: "meta.txt" }] } }));
    await c2.send(new DeleteBucketCommand({ Bucket: "kept" }));
    await second.stop();
    expect(readdirSync(dir)).toEqual([]);
    const third = await local({ dataDir: dir });
    expect((await clientOf(third).send(new ListBucketsCommand({}))).Buckets ?? []).toEqual([]);
  });

  it("leaves one whole body when PutObjects of one key race on disk", async () => {
    const server = await local({ dataDir: tempDir() });
    const c = clientOf(server);
    await c.send(new CreateBucketCommand({ Bucket: "race" }));
    const a = randomBytes(1024 * 1024);
    const b = randomBytes(1024 * 1024 + 1);
    await Promise.all([put("k", a, c, "race"), put("k", b, c, "race"), put("k", a, c, "race")]);
    const got = await getBytes("k", c, "race");
    expect(got.equals(a) || got.equals(b)).toBe(true);
  });

  it("keeps nothing without a dataDir", async () => {
    await put("k", "v");
    const other = await local();
    const buckets = (await clientOf(other).send(new ListBucketsCommand({}))).Buckets ?? [];
    expect(buckets).toEqual([]);
  });
});
