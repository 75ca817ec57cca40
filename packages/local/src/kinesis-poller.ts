import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  ListShardsCommand,
  type _Record,
} from "@aws-sdk/client-kinesis";
import { matches, type EventPattern } from "@weft/core";
import type { KinesisSubscriptionSpec } from "../../../infra/manifest.js";
import type { CheckpointStore } from "./checkpoints.js";
import { functionArn, invoke, type LocalFunction } from "./lambda.js";
import { createLogger, type Logger } from "./log.js";
import { sleep } from "./sleep.js";
import { deliverBatch, type DeliveryPort, type Discard, type PollerCounters } from "./stream-batch.js";
import { sendOnFailure, shardPortBasics } from "./on-failure.js";
import { MAX_EVENT_BYTES } from "./stream-shard.js";

export type KinesisSettings = Omit<KinesisSubscriptionSpec, "stream" | "function" | "onFailure">;

export interface KinesisPollerOptions {
  /** The local Kinesis endpoint (kinesis-local). */
  endpoint: string;
  streamName: string;
  settings: KinesisSettings;
  fn: LocalFunction;
  /** Receives the on-failure invocation record as an SQS event; without it discarded batches are only logged. */
  onFailure?: LocalFunction;
  region?: string;
  /** Pause before polling a shard again after it returned nothing. Default 10 ms (enhanced fan-out pushes records within ~70 ms on AWS). */
  idleMs?: number;
  /** Once a shard has been quiet for 2 s. Default 100 ms. */
  quietIdleMs?: number;
  backoff?: { initialMs: number; maxMs: number };
  checkpoints?: CheckpointStore;
  log?: Logger;
}

/** The Kinesis record of a Lambda event (aws-lambda's KinesisStreamRecord). */
export interface LambdaKinesisRecord {
  kinesis: {
    kinesisSchemaVersion: "1.0";
    partitionKey: string;
    sequenceNumber: string;
    data: string;
    approximateArrivalTimestamp: number;
  };
  eventSource: "aws:kinesis";
  eventVersion: "1.0";
  eventID: string;
  eventName: "aws:kinesis:record";
  invokeIdentityArn: string;
  awsRegion: string;
  eventSourceARN: string;
}

const QUIET_AFTER_MS = 2000;
const ERROR_PAUSE_MS = 500;
/** GetRecords' largest Limit. */
const MAX_GET_RECORDS = 10_000;

/**
 * Lambda's event source mapping for one Kinesis stream, run against the local endpoint: each
 * shard read in order by its own loop, batches of up to `batchSize` records (and at most
 * Lambda's 6 MB event) gathered for at most the batching window, delivered with the same
 * retries, bisection, partial batch responses, record age and on-failure hand-off as the
 * DynamoDB stream poller (stream-batch.ts). With `enhancedFanOut` AWS pushes records to the
 * mapping (~70 ms); here a shard is polled every `idleMs` either way. The local stream does
 * not reshard, so shards are listed once at start.
 */
export class KinesisPoller {
  readonly counters: PollerCounters = { invocations: 0, retries: 0, bisections: 0, failuresSent: 0 };
  streamArn = "";
  private readonly region: string;
  private readonly log: Logger;
  private readonly client: KinesisClient;
  private readonly abort = new AbortController();
  private readonly workers = new Set<Promise<void>>();

  constructor(private readonly o: KinesisPollerOptions) {
    this.region = o.region ?? process.env.AWS_REGION ?? "us-east-1";
    this.log = o.log ?? createLogger();
    this.client = new KinesisClient({
      endpoint: o.endpoint,
      region: this.region,
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
    });
  }

  /** Lists the shards and positions each (so LATEST means "after start() resolved"). */
  async start(): Promise<void> {
    this.streamArn = `arn:aws:kinesis:${this.region}:000000000000:stream/${this.o.streamName}`;
    const shards = await this.client.send(new ListShardsCommand({ StreamName: this.o.streamName }));
    const opened: Array<Promise<void>> = [];
    for (const s of shards.Shards ?? []) if (s.ShardId) opened.push(this.runShard(s.ShardId));
    await Promise.all(opened);
  }

  /** Stops polling and waits for in-flight invocations; unsettled records are read again by the next poller. */
  async stop(): Promise<void> {
    this.abort.abort();
    await Promise.all(this.workers);
    this.client.destroy();
  }

  private async runShard(shardId: string): Promise<void> {
    const saved = this.o.checkpoints?.get(this.streamArn, shardId);
    let iterator: string | undefined = await this.iterator(shardId, saved);
    let lastRead = saved;
    const port = this.port(shardId);
    const signal = this.abort.signal;
    const worker = (async () => {
      let lastRecordAt = Date.now();
      while (!signal.aborted) {
        try {
          iterator ??= await this.iterator(shardId, lastRead);
          const batch = await this.gather(() => iterator!, (next) => (iterator = next));
          if (batch.length === 0) {
            const quiet = Date.now() - lastRecordAt > QUIET_AFTER_MS;
            await sleep(quiet ? (this.o.quietIdleMs ?? 100) : (this.o.idleMs ?? 10), signal);
            continue;
          }
          lastRecordAt = Date.now();
          lastRead = batch.at(-1)!.SequenceNumber;
          const filter = this.o.settings.filter as EventPattern | undefined;
          const kept = filter ? batch.filter((r) => matches(filter, filterView(r))) : batch;
          if (kept.length > 0 && !(await deliverBatch(kept, port))) return;
          if (kept.at(-1) !== batch.at(-1)) port.checkpoint(lastRead!);
        } catch (err) {
          if (err instanceof Error && err.name === "ExpiredIteratorException") {
            iterator = undefined;
            continue;
          }
          if (!signal.aborted) this.log.warn("kinesis read failed", { stream: this.o.streamName, shardId, error: err });
          iterator = undefined;
          await sleep(ERROR_PAUSE_MS, signal);
        }
      }
    })();
    this.workers.add(worker);
    void worker.finally(() => this.workers.delete(worker));
  }

  /** Reads up to batchSize records, waiting at most the batching window once the first is in; cut at Lambda's event size. */
  private async gather(current: () => string, advance: (next: string | undefined) => void): Promise<_Record[]> {
    const { batchSize, maximumBatchingWindowInSeconds } = this.o.settings;
    const out: _Record[] = [];
    let bytes = 14;
    let windowEnd: number | undefined;
    while (out.length < batchSize && !this.abort.signal.aborted) {
      const limit = Math.min(MAX_GET_RECORDS, batchSize - out.length);
      const res = await this.client.send(new GetRecordsCommand({ ShardIterator: current(), Limit: limit }));
      advance(res.NextShardIterator);
      for (const r of res.Records ?? []) {
        out.push(r);
        bytes += (r.Data?.byteLength ?? 0) * 1.34 + 400;
      }
      if (out.length === 0 || bytes > MAX_EVENT_BYTES) break;
      windowEnd ??= Date.now() + maximumBatchingWindowInSeconds * 1000;
      const remaining = windowEnd - Date.now();
      if ((res.Records ?? []).length === limit) continue;
      if (remaining <= 0) break;
      await sleep(Math.min(this.o.idleMs ?? 10, remaining), this.abort.signal);
    }
    return out;
  }

  private async iterator(shardId: string, after: string | undefined): Promise<string | undefined> {
    const res = await this.client.send(
      new GetShardIteratorCommand({
        StreamName: this.o.streamName,
        ShardId: shardId,
        ...(after
          ? { ShardIteratorType: "AFTER_SEQUENCE_NUMBER", StartingSequenceNumber: after }
          : { ShardIteratorType: this.o.settings.startingPosition }),
      }),
    );
    return res.ShardIterator;
  }

  private lambdaRecord(shardId: string, r: _Record): LambdaKinesisRecord {
    return {
      kinesis: {
        kinesisSchemaVersion: "1.0",
        partitionKey: r.PartitionKey ?? "",
        sequenceNumber: r.SequenceNumber ?? "",
        data: Buffer.from(r.Data ?? new Uint8Array()).toString("base64"),
        approximateArrivalTimestamp: (r.ApproximateArrivalTimestamp?.getTime() ?? Date.now()) / 1000,
      },
      eventSource: "aws:kinesis",
      eventVersion: "1.0",
      eventID: `${shardId}:${r.SequenceNumber}`,
      eventName: "aws:kinesis:record",
      invokeIdentityArn: `arn:aws:iam::000000000000:role/${this.o.fn.name}`,
      awsRegion: this.region,
      eventSourceARN: this.streamArn,
    };
  }

  private port(shardId: string): DeliveryPort<_Record> {
    const { fn, settings, checkpoints } = this.o;
    const basics = shardPortBasics({ checkpoints, streamArn: this.streamArn, shardId, log: this.log, signal: this.abort.signal, backoff: this.o.backoff });
    return {
      settings,
      sequenceOf: (r) => r.SequenceNumber ?? "",
      enteredAt: (r) => r.ApproximateArrivalTimestamp?.getTime(),
      counters: this.counters,
      log: this.log,
      logFields: { function: fn.name, stream: this.o.streamName, shardId },
      invoke: (records) => invoke(fn, { Records: records.map((r) => this.lambdaRecord(shardId, r)) }, this.region),
      discard: (records, why) => this.sendFailure(shardId, records, why),
      ...basics,
    };
  }

  /** The on-failure destination gets Lambda's invocation record for Kinesis (KinesisBatchInfo), as an SQS event. */
  private async sendFailure(shardId: string, records: _Record[], why: Discard): Promise<void> {
    const first = records[0];
    const last = records[records.length - 1];
    const record = {
      version: "1.0",
      timestamp: new Date().toISOString(),
      requestContext: {
        requestId: why.requestId ?? crypto.randomUUID(),
        functionArn: functionArn(this.o.fn.name, this.region),
        condition: why.condition,
        approximateInvokeCount: why.approximateInvokeCount,
      },
      responseContext: { statusCode: 200, executedVersion: "$LATEST", functionError: why.functionError },
      KinesisBatchInfo: {
        shardId,
        startSequenceNumber: first.SequenceNumber,
        endSequenceNumber: last.SequenceNumber,
        approximateArrivalOfFirstRecord: first.ApproximateArrivalTimestamp?.toISOString(),
        approximateArrivalOfLastRecord: last.ApproximateArrivalTimestamp?.toISOString(),
        batchSize: records.length,
        streamArn: this.streamArn,
      },
    };
    const fields = { function: this.o.fn.name, shardId, condition: why.condition, batch: record.KinesisBatchInfo };
    await sendOnFailure({ onFailure: this.o.onFailure, fnName: this.o.fn.name, record, region: this.region, log: this.log, fields });
    this.counters.failuresSent++;
  }
}

/**
 * What Lambda's event filter sees of a Kinesis record: only `data`, decoded from base64 and read
 * as JSON (AWS filters Kinesis records on their data alone); data that is not JSON shows
 * nothing, so a pattern on `data` drops it.
 */
function filterView(r: _Record): { data?: unknown } {
  try {
    return { data: JSON.parse(Buffer.from(r.Data ?? new Uint8Array()).toString("utf8")) };
  } catch {
    return {};
  }
}
