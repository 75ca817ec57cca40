import { functions as functionSpecs, queueConsumers } from "./manifest.js";
import { queueNotEmptyAlarm } from "./alarms.js";
import { seconds } from "./naming.js";

/** Lambda refuses an SQS mapping whose visibility timeout is below the consumer's timeout; AWS advises 6x. */
const VISIBILITY_PER_CONSUMER_TIMEOUT = 6;

const { batchSize: CONSUMER_BATCH_SIZE, maxReceives: MAX_RECEIVES, parkedRetentionDays } = queueConsumers;

/** What Lambda's SQS poller needs on a queue it consumes for a function subscribed by ARN. */
export const QUEUE_CONSUME = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"];

export interface ConsumedQueue {
  queue: sst.aws.Queue;
  /** Where a message goes after MAX_RECEIVES failed receives; alarmed when not empty. */
  deadLetterQueue: sst.aws.Queue;
}

/**
 * A queue that one of our functions consumes, with everything a consumer needs to be safe:
 * - its own dead-letter queue: a message whose handling keeps failing is parked there after
 *   MAX_RECEIVES receives (kept 14 days, the SQS maximum; manifest `queueConsumers`) instead of being retried until it
 *   expires, and an alarm (alarms.ts) fires as soon as one is parked;
 * - partial batch responses: the consumer reports the messages it could not handle
 *   (`batchItemFailures`), so one poison message never re-runs the rest of its batch;
 * - a visibility timeout of 6x the consumer's timeout.
 * Created before the functions (their IAM policies name the queue); the consumer is subscribed
 * afterwards with subscribeConsumer, by ARN (it is a manifest function built in functions.ts),
 * so it gets the consume grants from the caller (QUEUE_CONSUME), not from SST.
 */
export function consumedQueue(name: string, consumer: keyof typeof functionSpecs, purpose: string): ConsumedQueue {
  const deadLetterQueue = new sst.aws.Queue(`${name}DeadLetterQueue`, {
    transform: { queue: { messageRetentionSeconds: parkedRetentionDays * 24 * 3600 } },
  });
  const queue = new sst.aws.Queue(name, {
    visibilityTimeout: seconds(functionSpecs[consumer].timeoutSeconds * VISIBILITY_PER_CONSUMER_TIMEOUT),
    dlq: { queue: deadLetterQueue.arn, retry: MAX_RECEIVES },
  });
  queueNotEmptyAlarm(`${name}DeadLetters`, deadLetterQueue.nodes.queue.name, `${purpose}: messages that failed ${MAX_RECEIVES} times in ${consumer}`);
  return { queue, deadLetterQueue };
}

/** Subscribes a queue's consumer: batches of CONSUMER_BATCH_SIZE, no batching window, partial batch responses. */
export function subscribeConsumer(queue: ConsumedQueue, consumerArn: $util.Input<string>): void {
  queue.queue.subscribe(consumerArn, { batch: { size: CONSUMER_BATCH_SIZE, partialResponses: true } });
}
