import { gunzipSync, gzipSync } from "node:zlib";
import { docKey, type LogBatch } from "@weft/core";

/**
 * The committed-batch stream's record format (docs/rooms.md, "The committed stream"): one
 * record holds the batches of one or more documents, as gzip of
 * `{"v":1,"batches":[LogBatch, ...]}` (a document's batches ascending and never split across
 * records of one flush). Kinesis bills a record per 25 KB of payload and a shard takes 1 MB/s,
 * so one compressed record per flush carries a busy task's every change for a few cents per
 * million.
 */
export const COMMITTED_RECORD_VERSION = 1;

/** Kinesis' record limit is 1 MiB of data plus partition key: the JSON of one record stays under this before compression. */
export const MAX_RECORD_JSON_BYTES = 1_000_000;

/** Kinesis' limit of data plus partition key (1 MiB), less room for the partition key (at most 256 bytes). */
const MAX_RECORD_BYTES = 1024 * 1024 - 256;

/**
 * Packs `batches` into as few records as fit MAX_RECORD_JSON_BYTES of JSON each, keeping
 * each document's batches together and in order. A single document's batches over the limit
 * go one batch per record (a log batch is at most a DynamoDB item, 400 KB).
 */
export function encodeCommittedRecords(batches: readonly LogBatch[]): Uint8Array[] {
  const perDoc = new Map<string, LogBatch[]>();
  for (const b of batches) {
    const key = docKey(b.doc);
    const list = perDoc.get(key);
    if (list) list.push(b);
    else perDoc.set(key, [b]);
  }
  const records: Uint8Array[] = [];
  let current: string[] = [];
  let bytes = 0;
  const flush = () => {
    if (current.length === 0) return;
    const record = gzipSync(Buffer.from(`{"v":${COMMITTED_RECORD_VERSION},"batches":[${current.join(",")}]}`));
    if (record.byteLength > MAX_RECORD_BYTES) throw new Error(`a committed record compresses to ${record.byteLength} bytes, over Kinesis' ${MAX_RECORD_BYTES}`);
    records.push(record);
    current = [];
    bytes = 0;
  };
  for (const list of perDoc.values()) {
    const parts = list.map((b) => JSON.stringify(b));
    const size = parts.reduce((n, p) => n + p.length + 1, 0);
    if (size > MAX_RECORD_JSON_BYTES) {
      flush();
      for (const p of parts) {
        current.push(p);
        flush();
      }
      continue;
    }
    if (bytes + size > MAX_RECORD_JSON_BYTES) flush();
    current.push(...parts);
    bytes += size;
  }
  flush();
  return records;
}

/** A record's batches; throws a clear error on anything that is not a committed record of a known version. */
export function decodeCommittedRecord(data: Uint8Array): LogBatch[] {
  let body: unknown;
  try {
    body = JSON.parse(gunzipSync(data).toString("utf8"));
  } catch (err) {
    throw new Error(`committed record is not gzip JSON: ${(err as Error).message}`);
  }
  const v = (body as { v?: unknown } | null)?.v;
  const batches = (body as { batches?: unknown } | null)?.batches;
  if (v !== COMMITTED_RECORD_VERSION || !Array.isArray(batches)) throw new Error(`committed record of unknown version ${JSON.stringify(v)}`);
  for (const b of batches as LogBatch[]) {
    const ok =
      b && typeof b === "object" && typeof b.doc?.tenant === "string" && typeof b.doc?.docId === "string" &&
      Number.isInteger(b.seqStart) && Number.isInteger(b.seqEnd) && Array.isArray(b.entries);
    if (!ok) throw new Error("committed record holds a malformed batch");
  }
  return batches as LogBatch[];
}
