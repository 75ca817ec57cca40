import { kinesisStreams as streamSpecs, kinesisSubscriptions as subscriptionSpecs, type KinesisStreamSpec } from "./manifest.js";
import { componentName, entries, stageName } from "./naming.js";

/**
 * The manifest's Kinesis streams (provisioned, `shards` each; encrypted with the AWS-managed
 * key), named `<app>-<stage>-<Name>` like SST names its own resources. The functions and the
 * room tier get their grants from the stream resources and their names from `streamName`.
 */
export function streamName(stream: keyof typeof streamSpecs): string {
  return stageName($app.name, $app.stage, componentName(stream, "Stream"), 128);
}

export const kinesisStreamResources = Object.fromEntries(
  entries(streamSpecs).map(([name, spec]: [keyof typeof streamSpecs, KinesisStreamSpec]) => [
    name,
    new aws.kinesis.Stream(componentName(name, "Stream"), {
      name: streamName(name),
      shardCount: spec.shards,
      retentionPeriod: spec.retentionHours,
      streamModeDetails: { streamMode: "PROVISIONED" },
      encryptionType: "KMS",
      kmsKeyId: "alias/aws/kinesis",
    }),
  ]),
) as Record<keyof typeof streamSpecs, aws.kinesis.Stream>;

/** What Lambda's mapping calls with the function's role: read the shards, and subscribe through an enhanced fan-out consumer. */
const STREAM_READ = [
  "kinesis:DescribeStream",
  "kinesis:DescribeStreamSummary",
  "kinesis:DescribeStreamConsumer",
  "kinesis:GetRecords",
  "kinesis:GetShardIterator",
  "kinesis:ListShards",
  "kinesis:ListStreams",
  "kinesis:SubscribeToShard",
];

/** Grants a function needs for the Kinesis subscriptions that invoke it (derived from the manifest, as stream-permissions.ts). */
export function kinesisPermissions(fn: string): sst.aws.FunctionPermissionArgs[] {
  return entries(subscriptionSpecs)
    .filter(([, sub]) => sub.function === fn)
    .map(([, sub]) => {
      const arns = streamArns(sub.stream);
      return { actions: STREAM_READ, resources: [arns.stream, arns.consumers] };
    });
}

/** What a writer of the stream (the room tier) may do. */
export function kinesisPutPermissions(streams: readonly string[]): sst.aws.FunctionPermissionArgs[] {
  return streams.map((s) => {
    if (!(s in streamSpecs)) throw new Error(`manifest: rooms puts to stream "${s}", which is not a manifest Kinesis stream`);
    return { actions: ["kinesis:PutRecord", "kinesis:PutRecords", "kinesis:DescribeStreamSummary"], resources: [streamArns(s as keyof typeof streamSpecs).stream] };
  });
}

/** The stream's ARN, and its enhanced fan-out consumers'. */
function streamArns(stream: keyof typeof streamSpecs) {
  const arn = kinesisStreamResources[stream].arn;
  return { stream: arn, consumers: $interpolate`${arn}/consumer/*` };
}
