import { functions as functionSpecs, subscriptions as subscriptionSpecs } from "./manifest.js";
import { componentName, mapRecord, seconds } from "./naming.js";

/**
 * Lambda refuses an SQS event source mapping whose queue visibility timeout is shorter than
 * the consumer's timeout; AWS recommends six times the timeout, so a message is not handed
 * out again while an invocation that holds it may still be running.
 */
const VISIBILITY_PER_CONSUMER_TIMEOUT = 6;

/**
 * One SQS queue per manifest stream subscription: the on-failure destination of that
 * subscription's event source mapping (stream-subscriptions.ts). When a batch exhausts its
 * retries or record age, Lambda sends one message per batch whose body is the on-failure
 * invocation record (`DDBStreamBatchInfo`: stream ARN, shard, first/last sequence number),
 * not the records themselves. The subscription's `onFailure` function consumes the queue and
 * re-reads the batch from the stream, which keeps records for 24 hours.
 *
 * Created before the functions because both ends need the queue ARN in their IAM policies
 * (see stream-permissions.ts).
 */
export const failureQueues = mapRecord(subscriptionSpecs, (name, spec) =>
  new sst.aws.Queue(componentName(name, "StreamFailureQueue"), {
    visibilityTimeout: seconds(functionSpecs[spec.onFailure].timeoutSeconds * VISIBILITY_PER_CONSUMER_TIMEOUT),
  }),
);
