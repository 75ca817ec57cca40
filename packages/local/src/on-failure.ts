import type { LocalFunction } from "./lambda.js";
import type { Logger } from "./log.js";
import { sleep } from "./sleep.js";
import { deliverSqsMessage } from "./sqs-consumer.js";
import { sqsMessage } from "./stream-event.js";

/** Deliveries of one on-failure message before it is dropped (SQS redelivery, locally). */
const FAILURE_DELIVERY_ATTEMPTS = 3;

/**
 * A stream mapping's on-failure destination: Lambda would send the invocation record to SQS and
 * move on; here the on-failure function gets it as an SQS event right away, redelivered a few
 * times if it throws, then dropped with an error log. Without a destination it is only logged.
 */
export async function sendOnFailure(o: {
  onFailure?: LocalFunction;
  /** The mapping's function (names the queue and the log lines). */
  fnName: string;
  record: unknown;
  region: string;
  log: Logger;
  fields: Record<string, unknown>;
}): Promise<void> {
  o.log.warn("stream batch discarded", o.fields);
  if (!o.onFailure) return;
  const message = sqsMessage(JSON.stringify(o.record), `${o.fnName}-on-failure`, o.region);
  for (let attempt = 1; ; attempt++) {
    const out = await deliverSqsMessage(o.onFailure, message, attempt, o.region);
    if (out.ok) return;
    if (attempt === FAILURE_DELIVERY_ATTEMPTS) {
      o.log.error("on-failure record dropped", { ...o.fields, onFailure: o.onFailure.name, error: out.error });
      return;
    }
    await sleep(50 * 2 ** (attempt - 1));
  }
}

/** A delivery port's backoff: waits min(initialMs * 2^(attempt-1), maxMs); false once `signal` aborted. */
export function retryBackoff(signal: AbortSignal, { initialMs, maxMs }: { initialMs: number; maxMs: number }) {
  return async (attempt: number): Promise<boolean> => {
    await sleep(Math.min(initialMs * 2 ** (attempt - 1), maxMs), signal);
    return !signal.aborted;
  };
}

/** The parts of a shard's DeliveryPort both pollers build alike: checkpoints (a failed save is logged, not thrown), backoff and stop. */
export function shardPortBasics(o: {
  checkpoints?: { set(streamArn: string, shardId: string, position: string): void };
  streamArn: string;
  shardId: string;
  log: Logger;
  signal: AbortSignal;
  backoff?: { initialMs: number; maxMs: number };
}) {
  return {
    checkpoint: (position: string) => {
      try {
        o.checkpoints?.set(o.streamArn, o.shardId, position);
      } catch (err) {
        o.log.error("stream checkpoint not saved", { shardId: o.shardId, error: err });
      }
    },
    backoff: retryBackoff(o.signal, o.backoff ?? { initialMs: 50, maxMs: 1000 }),
    stopping: () => o.signal.aborted,
  };
}
