import { PutRecordsCommand, type KinesisClient, type PutRecordsRequestEntry } from "@aws-sdk/client-kinesis";
import type { LogBatch } from "@weft/core";
import { encodeCommittedRecords } from "./committed-records.js";

/** PutRecords' limits: 500 records and 5 MiB (data and partition keys) per request. */
const MAX_PUT_RECORDS = 500;
const MAX_PUT_BYTES = 5 * 1024 * 1024;

export interface CommittedStreamOptions {
  client: KinesisClient;
  streamName: string;
  /**
   * Every record of this writer goes under this key, so to one shard, in put order: a
   * document's batches from one task arrive in order (a document moving to another task may
   * interleave: the materializer skips what it has and fills gaps from the log).
   */
  partitionKey: string;
  /** Tries per record before `append` rejects (records Kinesis refused, e.g. throttled). Default 5. */
  maxAttempts?: number;
  /** Pause before try n is baseBackoffMs * 2^(n-2). Default 25 ms. */
  baseBackoffMs?: number;
}

/**
 * Appends committed batches to the committed-batch stream (committed-records.ts format).
 * `append` resolves once Kinesis holds every record; records it refused (FailedRecordCount)
 * are put again with backoff, up to `maxAttempts`, then it rejects. A retried record may land
 * after later ones: readers tolerate that (see `partitionKey`).
 */
export class CommittedStream {
  constructor(private readonly o: CommittedStreamOptions) {}

  async append(batches: readonly LogBatch[]): Promise<void> {
    const records = encodeCommittedRecords(batches);
    for (const chunk of chunks(records, this.o.partitionKey)) await this.put(chunk);
  }

  private async put(entries: PutRecordsRequestEntry[]): Promise<void> {
    const maxAttempts = this.o.maxAttempts ?? 5;
    let left = entries;
    for (let attempt = 1; ; attempt++) {
      const res = await this.o.client.send(new PutRecordsCommand({ StreamName: this.o.streamName, Records: left }));
      if (!res.FailedRecordCount) return;
      const failed = left.filter((_, i) => res.Records?.[i]?.ErrorCode);
      if (attempt >= maxAttempts) {
        const code = res.Records?.find((r) => r.ErrorCode)?.ErrorCode;
        throw new Error(`kinesis refused ${failed.length} of ${left.length} committed records after ${attempt} tries (${code})`);
      }
      left = failed;
      await new Promise((r) => setTimeout(r, (this.o.baseBackoffMs ?? 25) * 2 ** (attempt - 1)));
    }
  }
}

function chunks(records: Uint8Array[], partitionKey: string): PutRecordsRequestEntry[][] {
  const out: PutRecordsRequestEntry[][] = [];
  let current: PutRecordsRequestEntry[] = [];
  let bytes = 0;
  for (const data of records) {
    const size = data.byteLength + Buffer.byteLength(partitionKey);
    if (current.length === MAX_PUT_RECORDS || (current.length > 0 && bytes + size > MAX_PUT_BYTES)) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push({ Data: data, PartitionKey: partitionKey });
    bytes += size;
  }
  if (current.length > 0) out.push(current);
  return out;
}
