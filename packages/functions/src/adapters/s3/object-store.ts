import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { MAX_OBJECT_PREFIX_BYTES, checkObjectKey, type ObjectStore } from "@weft/core";

export interface S3ObjectStoreOptions {
  client: S3Client;
  bucket: string;
  /** Prepended to every key (e.g. "log/"), at most MAX_OBJECT_PREFIX_BYTES; listed keys are returned without it. */
  prefix?: string;
}

/**
 * ObjectStore on an S3 bucket (core ports/object-store.ts; the conformance suite runs against the
 * local S3 endpoint). One request per call: put is PutObject, get is GetObject (NoSuchKey ->
 * undefined), delete is DeleteObject, list pages ListObjectsV2 (1,000 keys a page). S3's own
 * strong read-after-write consistency gives the contract's visibility.
 */
export class S3ObjectStore implements ObjectStore {
  private readonly prefix: string;

  constructor(private readonly opts: S3ObjectStoreOptions) {
    this.prefix = opts.prefix ?? "";
    if (Buffer.byteLength(this.prefix, "utf8") > MAX_OBJECT_PREFIX_BYTES) throw new Error(`S3ObjectStore: a key prefix is at most ${MAX_OBJECT_PREFIX_BYTES} bytes`);
  }

  async put(key: string, body: Uint8Array): Promise<void> {
    checkObjectKey(key);
    await this.opts.client.send(new PutObjectCommand({ Bucket: this.opts.bucket, Key: this.prefix + key, Body: body, ContentLength: body.byteLength }));
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    checkObjectKey(key);
    try {
      const out = await this.opts.client.send(new GetObjectCommand({ Bucket: this.opts.bucket, Key: this.prefix + key }));
      return out.Body ? await out.Body.transformToByteArray() : new Uint8Array(0);
    } catch (err) {
      if ((err as { name?: string }).name === "NoSuchKey") return undefined;
      throw err;
    }
  }

  async delete(key: string): Promise<void> {
    checkObjectKey(key);
    await this.opts.client.send(new DeleteObjectCommand({ Bucket: this.opts.bucket, Key: this.prefix + key }));
  }

  async *list(prefix: string): AsyncIterable<{ key: string; size: number }> {
    let token: string | undefined;
    do {
      const page = await this.opts.client.send(
        new ListObjectsV2Command({ Bucket: this.opts.bucket, Prefix: this.prefix + prefix, ...(token ? { ContinuationToken: token } : {}) }),
      );
      for (const o of page.Contents ?? []) yield { key: o.Key!.slice(this.prefix.length), size: o.Size ?? 0 };
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }
}
