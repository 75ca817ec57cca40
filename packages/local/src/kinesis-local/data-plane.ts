import { parseExplicitHashKey, partitionHash } from "./hash-keys.js";
import { decodeIterator, encodeIterator } from "./iterators.js";
import {
  ACCOUNT,
  KinesisError,
  optInteger,
  optString,
  optTimestampMs,
  reqBlob,
  reqString,
  streamNameOf,
  type Input,
  type Operation,
} from "./requests.js";
import { formatSequenceNumber, parseSequenceNumber } from "./sequence-numbers.js";
import type { LocalStream, ShardState } from "./streams.js";

/**
 * The record operations of the local Kinesis: PutRecord, PutRecords, GetShardIterator and
 * GetRecords, with AWS's limits (a record's data plus partition key at most 1 MiB; PutRecords
 * 1..500 records and at most 5 MiB; GetRecords Limit 1..10000 and at most 10 MiB of data per
 * answer). Throughput per shard is not limited; the only per-record failure of PutRecords is
 * the test hook that fails the next N records with ProvisionedThroughputExceededException.
 */

export const MAX_RECORD_BYTES = 1024 * 1024;
export const MAX_PUT_RECORDS = 500;
export const MAX_PUT_RECORDS_BYTES = 5 * 1024 * 1024;
export const MAX_GET_RECORDS = 10_000;
export const MAX_GET_RECORDS_BYTES = 10 * 1024 * 1024;
const MAX_PARTITION_KEY_CHARS = 256;

const invalid = (message: string) => new KinesisError("InvalidArgumentException", message);

interface Entry {
  key: string;
  data: string;
  bytes: number;
  /** Data plus partition key, as the record size limit counts it. */
  size: number;
  hash: bigint;
}

/** Checks one record of a put (`where` prefixes messages, e.g. "Records[3]."). */
function checkEntry(input: Input, where: string): Entry {
  const key = reqString(input, "PartitionKey");
  const chars = [...key].length;
  if (chars < 1 || chars > MAX_PARTITION_KEY_CHARS) throw invalid(`${where}PartitionKey must be 1 to ${MAX_PARTITION_KEY_CHARS} characters long; it has ${chars}.`);
  const { base64, bytes } = reqBlob(input, "Data");
  const size = bytes + Buffer.byteLength(key, "utf8");
  if (size > MAX_RECORD_BYTES) throw invalid(`${where}Data and PartitionKey together are ${size} bytes, over the limit of ${MAX_RECORD_BYTES} bytes.`);
  const explicit = optString(input, "ExplicitHashKey");
  let hash: bigint | undefined;
  if (explicit !== undefined) {
    hash = parseExplicitHashKey(explicit);
    if (hash === undefined) throw invalid(`${where}ExplicitHashKey ${explicit} is invalid: it must be a decimal integer from 0 to 2^128 - 1.`);
  }
  return { key, data: base64, bytes, size, hash: hash ?? partitionHash(key) };
}

const routed = (stream: LocalStream, e: Entry) => ({ shard: stream.shardFor(e.hash), key: e.key, data: e.data, bytes: e.bytes });

const putRecord: Operation = (store, input, ctx) => {
  const name = streamNameOf(input);
  const entry = checkEntry(input, "");
  const stream = store.get(name);
  const [record] = store.put(stream, [routed(stream, entry)], ctx.now);
  const shard = stream.shards[record.shard];
  return { ShardId: shard.id, SequenceNumber: formatSequenceNumber(record.counter, shard.index), EncryptionType: "NONE" };
};

const putRecords: Operation = (store, input, ctx) => {
  const name = streamNameOf(input);
  const raw = input.Records;
  if (!Array.isArray(raw)) throw new KinesisError("ValidationException", "1 validation error detected: Value at 'records' failed to satisfy constraint: Member must be a list of records");
  if (raw.length < 1 || raw.length > MAX_PUT_RECORDS) throw invalid(`Records must hold 1 to ${MAX_PUT_RECORDS} records; it has ${raw.length}.`);
  const entries = raw.map((r, i) => {
    if (typeof r !== "object" || r === null) throw new KinesisError("ValidationException", `1 validation error detected: Value at 'records.${i + 1}.member' must be a record`);
    return checkEntry(r as Input, `Records[${i}].`);
  });
  const total = entries.reduce((sum, e) => sum + e.size, 0);
  if (total > MAX_PUT_RECORDS_BYTES) throw invalid(`Records together are ${total} bytes, over the limit of ${MAX_PUT_RECORDS_BYTES} bytes per PutRecords request.`);
  const stream = store.get(name);
  const failing = Math.min(ctx.faults.failPutRecords, entries.length);
  ctx.faults.failPutRecords -= failing;
  const stored = store.put(stream, entries.slice(failing).map((e) => routed(stream, e)), ctx.now);
  const failed = entries.slice(0, failing).map((e) => ({
    ErrorCode: "ProvisionedThroughputExceededException",
    ErrorMessage: `Rate exceeded for shard ${stream.shardFor(e.hash).id} in stream ${name} under account ${ACCOUNT}.`,
  }));
  const ok = stored.map((r) => ({ SequenceNumber: formatSequenceNumber(r.counter, r.shard), ShardId: stream.shards[r.shard].id }));
  return { FailedRecordCount: failing, Records: [...failed, ...ok], EncryptionType: "NONE" };
};

const ITERATOR_TYPES = ["TRIM_HORIZON", "LATEST", "AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER", "AT_TIMESTAMP"];

/** The counter of a StartingSequenceNumber that belongs to `shard`, or InvalidArgumentException. */
function counterOf(stream: LocalStream, shard: ShardState, text: string): number {
  const parsed = parseSequenceNumber(text);
  if (parsed === "malformed") throw invalid(`StartingSequenceNumber ${text} is not a valid sequence number: it must be a decimal number.`);
  if (parsed === "foreign" || parsed.shardIndex !== shard.index || parsed.counter < stream.meta.base || parsed.counter > stream.last) {
    throw invalid(`StartingSequenceNumber ${text} used in GetShardIterator on shard ${shard.id} in stream ${stream.name} under account ${ACCOUNT} is invalid because it did not come from this stream.`);
  }
  return parsed.counter;
}

const getShardIterator: Operation = (store, input, ctx) => {
  const name = streamNameOf(input);
  const id = reqString(input, "ShardId");
  const type = reqString(input, "ShardIteratorType");
  if (!ITERATOR_TYPES.includes(type)) throw invalid(`ShardIteratorType ${type} is invalid: it must be one of ${ITERATOR_TYPES.join(", ")}.`);
  const sequence = optString(input, "StartingSequenceNumber");
  const at = optTimestampMs(input, "Timestamp");
  if (type.endsWith("_SEQUENCE_NUMBER") && sequence === undefined) throw invalid(`StartingSequenceNumber is required for ShardIteratorType ${type}.`);
  if (type === "AT_TIMESTAMP" && at === undefined) throw invalid("Timestamp is required for ShardIteratorType AT_TIMESTAMP.");
  const stream = store.get(name);
  const shard = stream.shard(id);
  stream.trim(shard, ctx.now);
  let after: number;
  if (type === "TRIM_HORIZON") after = stream.meta.base;
  else if (type === "LATEST") after = stream.last;
  else if (type === "AT_SEQUENCE_NUMBER") after = counterOf(stream, shard, sequence!) - 1;
  else if (type === "AFTER_SEQUENCE_NUMBER") after = counterOf(stream, shard, sequence!);
  else after = stream.positionAt(shard, at!);
  return { ShardIterator: encodeIterator({ stream: name, id: stream.meta.id, shard: shard.index, after, issuedAt: ctx.now }) };
};

/** MillisBehindLatest: 0 when the answer reaches the shard's tip, else the age of its last record. */
const getRecords: Operation = (store, input, ctx) => {
  const text = reqString(input, "ShardIterator");
  const limit = optInteger(input, "Limit", 1, MAX_GET_RECORDS, MAX_GET_RECORDS);
  const it = decodeIterator(text, ctx.now);
  const stream = store.getIncarnation(it.stream, it.id);
  if ((input.StreamName !== undefined || input.StreamARN !== undefined) && streamNameOf(input) !== stream.name) {
    throw invalid(`The ShardIterator belongs to stream ${stream.name}, not to the stream the request names.`);
  }
  const shard = stream.shards[it.shard];
  if (!shard) throw invalid("Invalid ShardIterator.");
  stream.trim(shard, ctx.now);
  const { records, caughtUp } = stream.readAfter(shard, it.after, limit, MAX_GET_RECORDS_BYTES);
  const last = records[records.length - 1];
  return {
    Records: records.map((r) => ({
      SequenceNumber: formatSequenceNumber(r.counter, r.shard),
      ApproximateArrivalTimestamp: r.at / 1000,
      Data: r.data,
      PartitionKey: r.key,
    })),
    NextShardIterator: encodeIterator({ ...it, after: last?.counter ?? it.after, issuedAt: ctx.now }),
    MillisBehindLatest: caughtUp || !last ? 0 : Math.max(0, ctx.now - last.at),
  };
};

export const dataPlane: Record<string, Operation> = {
  PutRecord: putRecord,
  PutRecords: putRecords,
  GetShardIterator: getShardIterator,
  GetRecords: getRecords,
};
