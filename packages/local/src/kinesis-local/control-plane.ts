import {
  ACCOUNT,
  checkStreamName,
  decodeToken,
  encodeToken,
  KinesisError,
  optInteger,
  optString,
  reqString,
  streamArn,
  streamNameOf,
  type Input,
  type Operation,
} from "./requests.js";
import { formatSequenceNumber } from "./sequence-numbers.js";
import { DEFAULT_RETENTION_HOURS, MAX_RETENTION_HOURS, type LocalStream, type ShardState, type StreamMode } from "./streams.js";

/**
 * The stream management operations of the local Kinesis: CreateStream, DeleteStream,
 * ListStreams, DescribeStream, DescribeStreamSummary, ListShards and the retention changes.
 * Each takes the parsed JSON body and answers the JSON body of a success (awsJson1_1 shapes:
 * timestamps in epoch seconds); a refusal is a thrown KinesisError.
 */

/** Most shards a stream may have locally (AWS's limit is per account and region). */
export const MAX_SHARDS = 100;
/** Shards of a new ON_DEMAND stream when no ShardCount is given (as on AWS). */
export const ON_DEMAND_SHARDS = 4;

const invalid = (message: string) => new KinesisError("InvalidArgumentException", message);

function modeOf(input: Input): StreamMode {
  const details = input.StreamModeDetails;
  if (details === undefined || details === null) return "PROVISIONED";
  const mode = typeof details === "object" ? (details as Input).StreamMode : undefined;
  if (mode !== "PROVISIONED" && mode !== "ON_DEMAND") {
    throw new KinesisError("ValidationException", "1 validation error detected: Value at 'streamModeDetails.streamMode' failed to satisfy constraint: Member must satisfy enum value set: [PROVISIONED, ON_DEMAND]");
  }
  return mode;
}

/** ShardCount: required for PROVISIONED, ON_DEMAND_SHARDS by default for ON_DEMAND; 1..MAX_SHARDS. */
const createStream: Operation = (store, input, ctx) => {
  const name = checkStreamName(reqString(input, "StreamName"));
  const mode = modeOf(input);
  const count = input.ShardCount ?? (mode === "ON_DEMAND" ? ON_DEMAND_SHARDS : undefined);
  if (count === undefined || count === null) throw invalid("ShardCount is required for a PROVISIONED stream.");
  if (typeof count !== "number") throw new KinesisError("ValidationException", "1 validation error detected: Value at 'shardCount' must be an integer");
  if (!Number.isInteger(count) || count < 1) throw invalid(`ShardCount ${String(count)} is invalid: it must be a positive integer.`);
  if (count > MAX_SHARDS) {
    throw new KinesisError("LimitExceededException", `This request would exceed the shard limit for the account ${ACCOUNT} in ${ctx.region}. Current shard count for the account: 0. Limit: ${MAX_SHARDS}.`);
  }
  store.create({ name, createdAt: ctx.now, mode, shardCount: count, retentionHours: DEFAULT_RETENTION_HOURS });
  return {};
};

const deleteStream: Operation = (store, input) => {
  store.delete(streamNameOf(input));
  return {};
};

function summaryOf(stream: LocalStream, region: string) {
  return {
    StreamName: stream.name,
    StreamARN: streamArn(region, stream.name),
    StreamStatus: "ACTIVE",
    StreamModeDetails: { StreamMode: stream.meta.mode },
    StreamCreationTimestamp: stream.meta.createdAt / 1000,
  };
}

const listStreams: Operation = (store, input, ctx) => {
  const limit = optInteger(input, "Limit", 1, 10000, 100);
  const token = optString(input, "NextToken");
  let from = optString(input, "ExclusiveStartStreamName");
  if (token !== undefined) {
    if (from !== undefined) throw invalid("NextToken and ExclusiveStartStreamName cannot be given together.");
    from = decodeToken<{ after: string }>(token, "NextToken", (v) => typeof v.after === "string").after;
  }
  const names = store.names().filter((n) => from === undefined || n > from);
  const page = names.slice(0, limit);
  const more = names.length > page.length;
  return {
    StreamNames: page,
    HasMoreStreams: more,
    ...(more ? { NextToken: encodeToken({ after: page[page.length - 1] }) } : {}),
    StreamSummaries: page.map((n) => summaryOf(store.get(n), ctx.region)),
  };
};

function shardOf(stream: LocalStream, shard: ShardState) {
  return {
    ShardId: shard.id,
    HashKeyRange: { StartingHashKey: shard.range.start.toString(), EndingHashKey: shard.range.end.toString() },
    SequenceNumberRange: { StartingSequenceNumber: formatSequenceNumber(stream.meta.base, shard.index) },
  };
}

const common = (stream: LocalStream) => ({
  RetentionPeriodHours: stream.meta.retentionHours,
  EnhancedMonitoring: [{ ShardLevelMetrics: [] }],
  EncryptionType: "NONE",
});

const describeStreamSummary: Operation = (store, input, ctx) => {
  const stream = store.get(streamNameOf(input));
  return {
    StreamDescriptionSummary: { ...summaryOf(stream, ctx.region), ...common(stream), OpenShardCount: stream.shards.length, ConsumerCount: 0 },
  };
};

/** Shards after `exclusiveStart` (a shard id; shards are in id order). */
function shardsAfter(stream: LocalStream, exclusiveStart: string | undefined): ShardState[] {
  return exclusiveStart === undefined ? stream.shards : stream.shards.filter((s) => s.id > exclusiveStart);
}

const describeStream: Operation = (store, input, ctx) => {
  const name = streamNameOf(input);
  const limit = optInteger(input, "Limit", 1, 10000, 100);
  const stream = store.get(name);
  const rest = shardsAfter(stream, optString(input, "ExclusiveStartShardId"));
  const { StreamCreationTimestamp, ...summary } = summaryOf(stream, ctx.region);
  return {
    StreamDescription: {
      ...summary,
      Shards: rest.slice(0, limit).map((s) => shardOf(stream, s)),
      HasMoreShards: rest.length > limit,
      StreamCreationTimestamp,
      ...common(stream),
    },
  };
};

interface ShardsToken {
  s: string;
  i: string;
  after: string;
}

/**
 * ListShards: by StreamName/StreamARN, or by a NextToken alone (never both, as on AWS). Every
 * shard is open, so the ShardFilter types other than AFTER_SHARD_ID select all shards.
 */
const listShards: Operation = (store, input) => {
  const max = optInteger(input, "MaxResults", 1, 10000, 1000);
  const token = optString(input, "NextToken");
  let stream: LocalStream;
  let after: string | undefined;
  if (token !== undefined) {
    if (input.StreamName !== undefined || input.StreamARN !== undefined) throw invalid("NextToken and StreamName/StreamARN cannot be given together.");
    const t = decodeToken<ShardsToken>(token, "NextToken", (v) => typeof v.s === "string" && typeof v.i === "string" && typeof v.after === "string");
    stream = store.getIncarnation(t.s, t.i);
    after = t.after;
  } else {
    stream = store.get(streamNameOf(input));
    after = optString(input, "ExclusiveStartShardId");
    const filter = input.ShardFilter as Input | undefined;
    if (filter !== undefined && filter !== null) {
      const type = reqString(filter, "Type");
      const types = ["AFTER_SHARD_ID", "AT_TRIM_HORIZON", "FROM_TRIM_HORIZON", "AT_LATEST", "AT_TIMESTAMP", "FROM_TIMESTAMP"];
      if (!types.includes(type)) throw new KinesisError("ValidationException", `1 validation error detected: Value '${type}' at 'shardFilter.type' failed to satisfy constraint: Member must satisfy enum value set: [${types.join(", ")}]`);
      if (type === "AFTER_SHARD_ID") after = reqString(filter, "ShardId");
    }
  }
  const rest = shardsAfter(stream, after);
  const page = rest.slice(0, max);
  const more = rest.length > page.length;
  return {
    Shards: page.map((s) => shardOf(stream, s)),
    ...(more ? { NextToken: encodeToken({ s: stream.name, i: stream.meta.id, after: page[page.length - 1].id } satisfies ShardsToken) } : {}),
  };
};

/** Increase: DEFAULT_RETENTION_HOURS..MAX_RETENTION_HOURS and not below the current period; Decrease: the reverse. */
function retentionChange(direction: "increase" | "decrease"): Operation {
  return (store, input) => {
    const name = streamNameOf(input);
    const hours = input.RetentionPeriodHours;
    if (typeof hours !== "number" || !Number.isInteger(hours)) throw new KinesisError("ValidationException", "1 validation error detected: Value at 'retentionPeriodHours' failed to satisfy constraint: Member must be an integer");
    const stream = store.get(name);
    if (hours < DEFAULT_RETENTION_HOURS || hours > MAX_RETENTION_HOURS) {
      throw invalid(`Minimum allowed retention period is ${DEFAULT_RETENTION_HOURS} hours and maximum is ${MAX_RETENTION_HOURS} hours; requested ${hours}.`);
    }
    const current = stream.meta.retentionHours;
    if (direction === "increase" ? hours < current : hours > current) {
      throw invalid(`Requested retention period (${hours} hours) for stream ${name} can not be ${direction === "increase" ? "shorter" : "longer"} than existing retention period (${current} hours). Use ${direction === "increase" ? "DecreaseStreamRetentionPeriod" : "IncreaseStreamRetentionPeriod"} API.`);
    }
    store.setRetention(stream, hours);
    return {};
  };
}

export const controlPlane: Record<string, Operation> = {
  CreateStream: createStream,
  DeleteStream: deleteStream,
  ListStreams: listStreams,
  DescribeStreamSummary: describeStreamSummary,
  DescribeStream: describeStream,
  ListShards: listShards,
  IncreaseStreamRetentionPeriod: retentionChange("increase"),
  DecreaseStreamRetentionPeriod: retentionChange("decrease"),
};
