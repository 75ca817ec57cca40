import { subscriptions as subscriptionSpecs } from "./manifest.js";
import { componentName, mapRecord } from "./naming.js";
import { consumedQueue } from "./queues.js";

/**
 * One SQS queue per manifest stream subscription: the on-failure destination of that
 * subscription's event source mapping (stream-subscriptions.ts). When a batch exhausts its
 * retries or record age, Lambda sends one message per batch whose body is the on-failure
 * invocation record (`DDBStreamBatchInfo`: stream ARN, shard, first/last sequence number),
 * not the records themselves. The subscription's `onFailure` function consumes the queue
 * (partial batch responses, its own dead-letter queue and alarm: queues.ts) and re-reads the
 * batch from the stream, which keeps records for 24 hours.
 *
 * Created before the functions because both ends need the queue ARN in their IAM policies
 * (stream-permissions.ts); stream-subscriptions.ts subscribes the consumer.
 */
export const failureQueues = mapRecord(subscriptionSpecs, (name, spec) =>
  consumedQueue(componentName(name, "StreamFailureQueue"), spec.onFailure, `stream ${name}: failed batch records`),
);
