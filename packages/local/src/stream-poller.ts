import { DescribeTableCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DescribeStreamCommand, type DynamoDBStreamsClient, type _Record, type Shard } from "@aws-sdk/client-dynamodb-streams";
import { dynamoClient, dynamoStreamsClient } from "@weft/functions/adapters/dynamo/client";
import { matches, type EventPattern } from "@weft/core";
import type { StreamSubscriptionSpec } from "../../../infra/manifest.js";
import { SHARD_DONE, type CheckpointStore } from "./checkpoints.js";
import { functionArn, invoke, type LocalFunction } from "./lambda.js";
import { createLogger, type Logger } from "./log.js";
import { sleep } from "./sleep.js";
import { deliverBatch, type DeliveryPort, type Discard, type PollerCounters } from "./stream-batch.js";
import { invocationRecord, lambdaRecord } from "./stream-event.js";
import { sendOnFailure, shardPortBasics } from "./on-failure.js";
import { ShardReader, type StartPosition } from "./stream-shard.js";

export type { PollerCounters } from "./stream-batch.js";

/** A manifest subscription's event source mapping settings (`parallelizationFactor` is taken as 1). */
export type StreamSettings = Omit<StreamSubscriptionSpec, "table" | "function" | "onFailure">;

export interface StreamPollerOptions {
  /** DynamoDB (Local) endpoint serving both the table and its stream. */
  endpoint: string;
  tableName: string;
  settings: StreamSettings;
  fn: LocalFunction;
  /** Receives the on-failure invocation record as an SQS event; without it discarded batches are only logged. */
  onFailure?: LocalFunction;
  /** Region put in events and ARNs. Default: AWS_REGION, else us-east-1. */
  region?: string;
  /**
   * Pause before polling a shard again after it returned nothing: `idleMs` (default 25) while
   * records came in the last 2 s, then `quietIdleMs` (default 100). Each empty poll costs a
   * few ms of CPU in DynamoDB Local, so a quiet stack idles cheaply and an active one reacts fast.
   */
  idleMs?: number;
  quietIdleMs?: number;
  /** Pause before retry n is min(initialMs * 2^(n-1), maxMs). Default 50 ms doubling to 1 s. */
  backoff?: { initialMs: number; maxMs: number };
  /** How often to look for new shards. Default 1 s (and at once when a shard ends). */
  discoveryMs?: number;
  /** Persisted per-shard positions; without it every start begins at `startingPosition`. */
  checkpoints?: CheckpointStore;
  log?: Logger;
}

interface ShardState {
  parentId?: string;
  closed: boolean;
  /** Listed by the first discovery (LATEST applies only to those, as on AWS). */
  initial: boolean;
  state: "waiting" | "running" | "done";
}

/**
 * Lambda's event source mapping for one DynamoDB stream, run against DynamoDB Local. Each
 * shard is read by its own loop, in parallel with the others; a child shard starts only
 * once its parent has been read to its end. Within a shard delivery is strictly ordered
 * (see stream-batch.ts for retries, bisection, partial batch responses and the on-failure
 * hand-off). `stop()` lets in-flight invocations finish and leaves unsettled records for the
 * next poller.
 */
export class StreamPoller {
  readonly counters: PollerCounters = { invocations: 0, retries: 0, bisections: 0, failuresSent: 0 };
  /** The stream being read; set by `start()`. */
  streamArn = "";
  private readonly region: string;
  private readonly log: Logger;
  private readonly dynamo: DynamoDBClient;
  private readonly streams: DynamoDBStreamsClient;
  private readonly abort = new AbortController();
  private readonly shards = new Map<string, ShardState>();
  private readonly workers = new Set<Promise<void>>();
  private discovery: Promise<void> = Promise.resolve();
  private loop: Promise<void> = Promise.resolve();

  constructor(private readonly o: StreamPollerOptions) {
    this.region = o.region ?? process.env.AWS_REGION ?? "us-east-1";
    this.log = o.log ?? createLogger();
    this.dynamo = dynamoClient(o.endpoint);
    this.streams = dynamoStreamsClient(o.endpoint);
  }

  /** Finds the stream and positions the initial shards (so LATEST means "after start() resolved"). */
  async start(): Promise<void> {
    const table = await this.dynamo.send(new DescribeTableCommand({ TableName: this.o.tableName }));
    const arn = table.Table?.LatestStreamArn;
    if (!arn || !table.Table?.StreamSpecification?.StreamEnabled) throw new Error(`table ${this.o.tableName} has no stream`);
    this.streamArn = arn;
    await this.discover(true);
    this.loop = this.discoveryLoop();
  }

  /** Stops polling, waits for in-flight invocations (and on-failure deliveries) to finish. */
  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
    await this.discovery;
    await Promise.all(this.workers);
    this.dynamo.destroy();
    this.streams.destroy();
  }

  private async discoveryLoop(): Promise<void> {
    const signal = this.abort.signal;
    while (!signal.aborted) {
      await sleep(this.o.discoveryMs ?? 1000, signal);
      if (!signal.aborted) await this.rediscover();
    }
  }

  /** Runs a discovery after any in progress (discoveries never overlap); never rejects. */
  private rediscover(): Promise<void> {
    if (this.abort.signal.aborted) return this.discovery;
    this.discovery = this.discovery
      .then(() => this.discover(false))
      .catch((err) => this.log.warn("stream shard discovery failed", { table: this.o.tableName, error: err }));
    return this.discovery;
  }

  private async discover(initial: boolean): Promise<void> {
    for (const s of await this.listShards()) {
      if (!s.ShardId || this.shards.has(s.ShardId)) continue;
      this.shards.set(s.ShardId, {
        parentId: s.ParentShardId,
        closed: s.SequenceNumberRange?.EndingSequenceNumber !== undefined,
        initial,
        state: "waiting",
      });
    }
    const opening: Array<Promise<void>> = [];
    for (let progressed = true; progressed && !this.abort.signal.aborted; ) {
      progressed = false;
      for (const [id, shard] of this.shards) {
        const parent = shard.parentId ? this.shards.get(shard.parentId) : undefined;
        if (shard.state !== "waiting" || (parent && parent.state !== "done")) continue;
        const start = this.startPosition(id, shard);
        progressed = true;
        if (start === SHARD_DONE) shard.state = "done";
        else opening.push(this.runShard(id, shard, start));
      }
    }
    await Promise.all(opening);
  }

  private async listShards(): Promise<Shard[]> {
    const out: Shard[] = [];
    let from: string | undefined;
    do {
      const res = await this.streams.send(new DescribeStreamCommand({ StreamArn: this.streamArn, ExclusiveStartShardId: from }));
      out.push(...(res.StreamDescription?.Shards ?? []));
      from = res.StreamDescription?.LastEvaluatedShardId;
    } while (from);
    return out;
  }

  /** A checkpoint wins; else LATEST for shards open at start (closed ones are all past), else TRIM_HORIZON. */
  private startPosition(id: string, shard: ShardState): StartPosition | typeof SHARD_DONE {
    const saved = this.o.checkpoints?.get(this.streamArn, id);
    if (saved === SHARD_DONE) return SHARD_DONE;
    if (saved) return { type: "AFTER_SEQUENCE_NUMBER", sequenceNumber: saved };
    if (shard.initial && this.o.settings.startingPosition === "LATEST") return shard.closed ? SHARD_DONE : { type: "LATEST" };
    return { type: "TRIM_HORIZON" };
  }

  /** Starts the shard's loop; resolves once its iterator is positioned. */
  private runShard(id: string, shard: ShardState, start: StartPosition): Promise<void> {
    shard.state = "running";
    const reader = new ShardReader(
      {
        streams: this.streams,
        streamArn: this.streamArn,
        shardId: id,
        batchSize: this.o.settings.batchSize,
        batchingWindowMs: this.o.settings.maximumBatchingWindowInSeconds * 1000,
        idleMs: this.o.idleMs ?? 25,
        quietIdleMs: this.o.quietIdleMs ?? 100,
        recordBytes: (r) => Buffer.byteLength(JSON.stringify(lambdaRecord(r, this.streamArn, this.region))),
        signal: this.abort.signal,
        log: this.log,
      },
      start,
    );
    const opened = reader.open();
    const worker = opened.then(async () => {
      const port = this.port(id);
      for (let batch = await reader.nextBatch(); batch; batch = await reader.nextBatch()) {
        // Event filtering, as Lambda does it: records that do not match are dropped unbilled.
        const filter = this.o.settings.filter as EventPattern | undefined;
        const kept = filter ? batch.filter((r) => matches(filter, lambdaRecord(r, this.streamArn, this.region))) : batch;
        if (kept.length > 0 && !(await deliverBatch(kept, port))) return;
        if (kept.at(-1) !== batch.at(-1)) port.checkpoint(batch.at(-1)!.dynamodb!.SequenceNumber!);
      }
      if (!reader.ended) return;
      shard.state = "done";
      port.checkpoint(SHARD_DONE);
      void this.rediscover();
    });
    this.workers.add(worker);
    void worker.finally(() => this.workers.delete(worker));
    return opened;
  }

  private port(shardId: string): DeliveryPort {
    const { fn, settings, checkpoints } = this.o;
    const basics = shardPortBasics({ checkpoints, streamArn: this.streamArn, shardId, log: this.log, signal: this.abort.signal, backoff: this.o.backoff });
    return {
      settings,
      counters: this.counters,
      log: this.log,
      logFields: { function: fn.name, shardId },
      invoke: (records) => invoke(fn, { Records: records.map((r) => lambdaRecord(r, this.streamArn, this.region)) }, this.region),
      discard: (records, why) => this.sendFailure(shardId, records, why),
      ...basics,
    };
  }

  /** The on-failure destination gets Lambda's invocation record (DDBStreamBatchInfo); see on-failure.ts. */
  private async sendFailure(shardId: string, records: _Record[], why: Discard): Promise<void> {
    const record = invocationRecord({
      ...why,
      records,
      shardId,
      streamArn: this.streamArn,
      functionArn: functionArn(this.o.fn.name, this.region),
    });
    const fields = { function: this.o.fn.name, shardId, condition: why.condition, batch: record.DDBStreamBatchInfo };
    await sendOnFailure({ onFailure: this.o.onFailure, fnName: this.o.fn.name, record, region: this.region, log: this.log, fields });
    this.counters.failuresSent++;
  }
}
