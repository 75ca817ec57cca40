import { subscriptions as subscriptionSpecs, tables as tableSpecs, type StreamSubscriptionSpec } from "./manifest.js";
import { componentName, entries } from "./naming.js";
import { failureQueues } from "./failure-queues.js";
import { subscribeConsumer } from "./queues.js";
import { functions } from "./functions.js";
import { tables } from "./tables.js";

/**
 * One Lambda event source mapping per manifest stream subscription, with every setting
 * taken from the manifest (the local stream poller reads the same entry). A raw
 * `aws.lambda.EventSourceMapping` rather than `Dynamo.subscribe`, because SST's subscriber
 * exposes only filters (set here from the manifest's `filter`) and would leave batching, retries, bisection, record age,
 * parallelization, partial batch responses and the on-failure destination at Lambda's
 * defaults (among them: retry forever, which blocks a shard behind one poison record).
 *
 * Failure path: a batch that exhausts `maximumRetryAttempts` or `maximumRecordAgeInSeconds`
 * is skipped and described in a message to the subscription's failure queue, which the
 * manifest's `onFailure` function consumes.
 */
export const streamMappings = entries(subscriptionSpecs).map(([name, sub]) => {
  if (!tableSpecs[sub.table].stream) {
    throw new Error(`manifest: subscription "${name}" reads table "${sub.table}", which has no stream`);
  }
  const queue = failureQueues[name];
  subscribeConsumer(queue, functions[sub.onFailure].arn);
  // Replaced delete-first: Lambda refuses a second mapping of one stream to one function, so
  // Pulumi's default (create the new one, then delete the old) would fail (docs/deploy.md).
  return new aws.lambda.EventSourceMapping(componentName(name, "StreamMapping"), {
    eventSourceArn: tables[sub.table].nodes.table.streamArn,
    ...mappingSettings(sub),
    destinationConfig: { onFailure: { destinationArn: queue.queue.arn } },
  }, { deleteBeforeReplace: true });
});

/** A manifest subscription's Lambda settings (DynamoDB or Kinesis), as the mapping's arguments. */
export function mappingSettings(sub: Omit<StreamSubscriptionSpec, "table" | "onFailure" | "function"> & { function: keyof typeof functions }) {
  return {
    functionName: functions[sub.function].name,
    startingPosition: sub.startingPosition,
    batchSize: sub.batchSize,
    maximumBatchingWindowInSeconds: sub.maximumBatchingWindowInSeconds,
    maximumRetryAttempts: sub.maximumRetryAttempts,
    maximumRecordAgeInSeconds: sub.maximumRecordAgeInSeconds,
    bisectBatchOnFunctionError: sub.bisectBatchOnFunctionError,
    parallelizationFactor: sub.parallelizationFactor,
    functionResponseTypes: sub.reportBatchItemFailures ? ["ReportBatchItemFailures"] : [],
    ...(sub.filter ? { filterCriteria: { filters: [{ pattern: JSON.stringify(sub.filter) }] } } : {}),
  };
}
