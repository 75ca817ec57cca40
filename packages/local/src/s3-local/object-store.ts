import { DiskStore, type StoredObject } from "./disk-store.js";
import { noSuchBucket, S3Error } from "./s3-errors.js";

/**
 * Buckets and objects of the local S3 endpoint: an in-memory index of every bucket and object,
 * with the bytes in memory too, or (with a DiskStore) in files under dataDir. Every method is
 * synchronous, so an operation sees and leaves a consistent store; a put replaces the whole
 * object at once, so concurrent puts of one key leave one of the bodies, whole.
 */

/** What is known of an object besides its bytes. */
export interface ObjectInfo {
  key: string;
  size: number;
  /** Quoted lowercase hex MD5 of the bytes, as S3 answers it. */
  etag: string;
  /** Epoch ms. */
  lastModified: number;
  contentType: string;
  /** Representation headers kept from the put (content-encoding, cache-control, content-disposition, content-language, expires). */
  headers: Record<string, string>;
  /** User metadata: `x-amz-meta-<name>` headers by lowercase `<name>`. */
  metadata: Record<string, string>;
}

export interface BucketInfo {
  name: string;
  /** Epoch ms. */
  created: number;
}

interface Bucket extends BucketInfo {
  objects: Map<string, StoredObject>;
  /** Keys in UTF-8 byte order, rebuilt on the first listing after a change. */
  sorted?: string[];
}

export class ObjectStore {
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly disk?: DiskStore) {
    for (const loaded of disk?.load() ?? []) {
      this.buckets.set(loaded.name, { name: loaded.name, created: loaded.created, objects: new Map(loaded.objects.map((o) => [o.key, o])) });
    }
  }

  /** Sorted by name. */
  listBuckets(): BucketInfo[] {
    return [...this.buckets.values()].map(({ name, created }) => ({ name, created })).sort((a, b) => compareKeys(a.name, b.name));
  }

  hasBucket(name: string): boolean {
    return this.buckets.has(name);
  }

  /** False when the bucket already exists. */
  createBucket(name: string, now: number): boolean {
    if (this.buckets.has(name)) return false;
    this.disk?.createBucket(name, now);
    this.buckets.set(name, { name, created: now, objects: new Map() });
    return true;
  }

  deleteBucket(name: string): void {
    const bucket = this.bucket(name);
    if (bucket.objects.size > 0) throw new S3Error("BucketNotEmpty", 409, "The bucket you tried to delete is not empty", { BucketName: name });
    this.disk?.deleteBucket(name);
    this.buckets.delete(name);
  }

  get(bucket: string, key: string): ObjectInfo | undefined {
    return this.bucket(bucket).objects.get(key);
  }

  put(bucketName: string, info: ObjectInfo, data: Buffer): void {
    const bucket = this.bucket(bucketName);
    const previous = bucket.objects.get(info.key);
    const stored = this.disk ? this.disk.putObject(bucketName, info, data, previous) : { ...info, body: data };
    bucket.objects.set(info.key, stored);
    if (!previous) bucket.sorted = undefined;
  }

  /** Whether there was such an object. */
  delete(bucketName: string, key: string): boolean {
    const bucket = this.bucket(bucketName);
    const object = bucket.objects.get(key);
    if (!object) return false;
    this.disk?.deleteObject(bucketName, object);
    bucket.objects.delete(key);
    bucket.sorted = undefined;
    return true;
  }

  /** Bytes start..end-1 of an object returned by get(). */
  read(bucket: string, object: ObjectInfo, start: number, end: number): Buffer {
    const stored = object as StoredObject;
    if (stored.body) return stored.body.subarray(start, end);
    return this.disk!.read(bucket, stored, start, end);
  }

  /** Every key of the bucket in UTF-8 byte order (S3's listing order). Do not modify. */
  sortedKeys(bucketName: string): readonly string[] {
    const bucket = this.bucket(bucketName);
    return (bucket.sorted ??= [...bucket.objects.keys()].sort(compareKeys));
  }

  private bucket(name: string): Bucket {
    const bucket = this.buckets.get(name);
    if (!bucket) throw noSuchBucket(name);
    return bucket;
  }
}

/**
 * UTF-8 byte order. It is code point order, which differs from JS string order only for
 * surrogate pairs (astral code points sort after U+E000..U+FFFF here, before them in UTF-16).
 */
export function compareKeys(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 && x <= 0xdfff && (y < 0xd800 || y > 0xdfff)) return y >= 0xe000 ? 1 : x - y;
    if (y >= 0xd800 && y <= 0xdfff && (x < 0xd800 || x > 0xdfff)) return x >= 0xe000 ? -1 : x - y;
    return x - y;
  }
  return a.length - b.length;
}
