import { functions as functionSpecs, subscriptions as subscriptionSpecs } from "./manifest.js";
import { entries } from "./naming.js";
import { failureQueues } from "./failure-queues.js";
import { QUEUE_CONSUME } from "./queues.js";
import { tables } from "./tables.js";

/** What Lambda's stream poller, and the failure handler's own re-read, call on a stream. */
const STREAM_READ = ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:ListStreams"];


/**
 * IAM statements a function needs because of the manifest's stream subscriptions, on top of
 * the table grants its `tables` list gives it. Derived from `subscriptions`, so they follow
 * the wiring and not the (independently edited) table lists:
 *
 * - the subscribed function: read the table's stream (Lambda polls it with the function's
 *   role, and refuses to create the mapping without these), and `sqs:SendMessage` on the
 *   failure queue (Lambda delivers on-failure records with the function's role);
 * - the `onFailure` function: read the same stream (it re-reads failed batches from it), and
 *   consume the failure queue. SST grants queue consumption only to functions it builds in
 *   `Queue.subscribe`; ours are subscribed by ARN, so the grant is made here.
 *
 * Stream grants use `<table ARN>/stream/*`: every stream the table ever had, because
 * disabling and re-enabling a stream changes its ARN.
 */
export function streamPermissions(fn: keyof typeof functionSpecs): sst.aws.FunctionPermissionArgs[] {
  const out: sst.aws.FunctionPermissionArgs[] = [];
  for (const [name, sub] of entries(subscriptionSpecs)) {
    const streams = [$interpolate`${tables[sub.table].arn}/stream/*`];
    const queue = [failureQueues[name].queue.arn];
    if (sub.function === fn) {
      out.push({ actions: STREAM_READ, resources: streams }, { actions: ["sqs:SendMessage"], resources: queue });
    }
    if (sub.onFailure === fn) {
      out.push({ actions: STREAM_READ, resources: streams }, { actions: QUEUE_CONSUME, resources: queue });
    }
  }
  return out;
}
