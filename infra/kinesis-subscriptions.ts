import { kinesisSubscriptions as subscriptionSpecs } from "./manifest.js";
import { componentName, entries, stageName } from "./naming.js";
import { kinesisStreamResources } from "./kinesis-streams.js";
import { mappingSettings } from "./stream-subscriptions.js";

/**
 * One event source mapping per manifest Kinesis subscription, every setting from the manifest
 * (the local Kinesis poller reads the same entry). With `enhancedFanOut` the mapping reads
 * through its own stream consumer (SubscribeToShard: records pushed ~70 ms after the put,
 * 2 MB/s per shard of its own) instead of polling each shard once a second. No on-failure
 * destination (see the manifest): a dropped batch's documents are filled from the log.
 */
export const kinesisMappings = entries(subscriptionSpecs).map(([name, sub]) => {
  const stream = kinesisStreamResources[sub.stream];
  const source = sub.enhancedFanOut
    ? new aws.kinesis.StreamConsumer(componentName(name, "Consumer"), {
        name: stageName($app.name, $app.stage, componentName(name, "Consumer"), 128),
        streamArn: stream.arn,
      }).arn
    : stream.arn;
  return new aws.lambda.EventSourceMapping(componentName(name, "KinesisMapping"), {
    eventSourceArn: source,
    ...mappingSettings(sub),
  }, { deleteBeforeReplace: true });
});
