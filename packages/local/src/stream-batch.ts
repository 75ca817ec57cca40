import type { _Record } from "@aws-sdk/client-dynamodb-streams";
import type { StreamSubscriptionSpec } from "../../../infra/manifest.js";
import type { InvokeOutcome } from "./lambda.js";
import type { Logger } from "./log.js";
import type { FailureCondition } from "./stream-event.js";

/**
 * Lambda's error handling for one batch of one shard: retries, bisection, partial batch
 * responses, record age and the on-failure hand-off. Delivery is strictly ordered: the
 * pieces of a batch (after bisection or a partial failure) are settled front to back, and
 * nothing after a record is invoked before that record succeeded or was discarded.
 */

export type DeliverySettings = Pick<
  StreamSubscriptionSpec,
  "maximumRetryAttempts" | "maximumRecordAgeInSeconds" | "bisectBatchOnFunctionError" | "reportBatchItemFailures"
>;

export interface PollerCounters {
  /** Function invocations (first tries, retries and bisected halves). */
  invocations: number;
  /** Re-invocations of a batch (or its failed remainder) after a failure; bisections excluded. */
  retries: number;
  /** Batches split in two after a function error. */
  bisections: number;
  /** Batches handed to the on-failure destination. */
  failuresSent: number;
}

export interface Discard {
  condition: FailureCondition;
  approximateInvokeCount: number;
  requestId?: string;
  functionError?: string;
}

/**
 * One shard's delivery: `R` is the stream's record as its reader returns it (a DynamoDB
 * stream record, a Kinesis record). The port names each record's sequence number (the
 * partial batch response's itemIdentifier) and when it entered the stream (for record age).
 */
export interface DeliveryPort<R = _Record> {
  settings: DeliverySettings;
  /** The record's sequence number in its shard. Default: a DynamoDB stream record's. */
  sequenceOf?(record: R): string;
  /**
   * The latest time (epoch ms) the record may have entered the stream, or undefined when
   * unknown (never expires). Default: a DynamoDB stream record's creation time, which
   * DynamoDB Local truncates to the minute, so counted from the end of that minute.
   */
  enteredAt?(record: R): number | undefined;
  counters: PollerCounters;
  log: Logger;
  logFields: Record<string, unknown>;
  invoke(records: R[]): Promise<InvokeOutcome>;
  /** Hands records that will not be retried to the on-failure destination. */
  discard(records: R[], why: Discard): Promise<void>;
  /** Everything up to and including this sequence number is settled. */
  checkpoint(sequenceNumber: string): void;
  /** Waits before retry `attempt` (1-based); resolves false when the poller is stopping. */
  backoff(attempt: number): Promise<boolean>;
  stopping(): boolean;
}

/**
 * DynamoDB Local stamps stream records with their creation time truncated to the minute, so
 * a record's age is counted from the end of that minute: records are never expired early.
 */
const CREATION_TIME_GRANULARITY_MS = 60_000;

interface Piece<R> {
  records: R[];
  /** Failed attempts so far with the same first record; bisection does not count (as on AWS). */
  retries: number;
  invokes: number;
  lastRequestId?: string;
}

type Verdict = { kind: "ok" } | { kind: "partial"; from: number } | { kind: "failed"; reason: string; functionError?: string };

/**
 * Settles `batch`. Resolves true when every record succeeded or was discarded (and
 * checkpointed), false when the poller began stopping first (unsettled records are then
 * not checkpointed and are read again by the next poller that resumes from the checkpoint).
 */
export async function deliverBatch<R = _Record>(batch: R[], port: DeliveryPort<R>): Promise<boolean> {
  const { settings, counters } = port;
  const seq = port.sequenceOf ?? (dynamoSeq as unknown as (r: R) => string);
  const enteredAt = port.enteredAt ?? (dynamoEnteredAt as unknown as (r: R) => number | undefined);
  const queue: Array<Piece<R>> = [{ records: batch, retries: 0, invokes: 0 }];
  while (queue.length > 0) {
    if (port.stopping()) return false;
    const head = queue[0];
    const expired = expiredCount(head.records, enteredAt, settings.maximumRecordAgeInSeconds, Date.now());
    if (expired > 0) {
      const gone = head.records.splice(0, expired);
      await port.discard(gone, { condition: "RecordAgeExceeded", approximateInvokeCount: head.invokes, requestId: head.lastRequestId });
      port.checkpoint(seq(gone[gone.length - 1]));
      if (head.records.length === 0) queue.shift();
      continue;
    }

    const outcome = await port.invoke(head.records);
    counters.invocations++;
    head.invokes++;
    head.lastRequestId = outcome.requestId;
    const v = verdict(outcome, head.records.map(seq), settings.reportBatchItemFailures);
    if (v.kind === "ok") {
      port.checkpoint(seq(head.records[head.records.length - 1]));
      queue.shift();
      continue;
    }

    port.log.warn("stream batch failed", {
      ...port.logFields,
      records: head.records.length,
      firstSequenceNumber: seq(head.records[0]),
      ...(v.kind === "failed" ? { reason: v.reason } : { failedFrom: seq(head.records[v.from]) }),
    });
    if (v.kind === "partial" && v.from > 0) {
      // Resume from the lowest failed item: what precedes it is done.
      port.checkpoint(seq(head.records[v.from - 1]));
      head.records = head.records.slice(v.from);
      head.retries = 0;
    } else if (v.kind === "failed" && settings.bisectBatchOnFunctionError && head.records.length > 1) {
      counters.bisections++;
      const mid = Math.ceil(head.records.length / 2);
      const halves = [head.records.slice(0, mid), head.records.slice(mid)];
      queue.splice(0, 1, ...halves.map((records) => ({ records, retries: head.retries, invokes: 0 })));
      continue;
    }

    head.retries++;
    const max = settings.maximumRetryAttempts;
    if (max >= 0 && head.retries > max) {
      await port.discard(head.records, {
        condition: "RetryAttemptsExhausted",
        approximateInvokeCount: head.invokes,
        requestId: head.lastRequestId,
        functionError: v.kind === "failed" ? v.functionError : undefined,
      });
      port.checkpoint(seq(head.records[head.records.length - 1]));
      queue.shift();
      continue;
    }
    counters.retries++;
    if (!(await port.backoff(head.retries))) return false;
  }
  return true;
}

/**
 * Reads an invocation outcome as Lambda does. Without ReportBatchItemFailures any return is
 * success. With it: null, no/null `batchItemFailures` or an empty list is success; a list
 * of `{ itemIdentifier }` naming sequence numbers of the batch is a partial failure from the
 * lowest one; anything else (not an object, not a list, an empty, missing or unknown
 * identifier) fails the whole batch.
 */
function verdict(outcome: InvokeOutcome, records: string[], reportBatchItemFailures: boolean): Verdict {
  if (!outcome.ok) return { kind: "failed", reason: outcome.error.message, functionError: "Unhandled" };
  const res = outcome.result;
  if (!reportBatchItemFailures || res === null) return { kind: "ok" };
  if (typeof res !== "object" || Array.isArray(res)) return { kind: "failed", reason: "malformed response: not an object" };
  const failures = (res as { batchItemFailures?: unknown }).batchItemFailures;
  if (failures === undefined || failures === null) return { kind: "ok" };
  if (!Array.isArray(failures)) return { kind: "failed", reason: "malformed response: batchItemFailures is not a list" };
  if (failures.length === 0) return { kind: "ok" };
  const index = new Map(records.map((s, i) => [s, i]));
  let from = records.length;
  for (const f of failures) {
    const id = (f as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    const i = typeof id === "string" ? index.get(id) : undefined;
    if (i === undefined) return { kind: "failed", reason: `malformed response: itemIdentifier ${JSON.stringify(id)} is not in the batch` };
    from = Math.min(from, i);
  }
  return { kind: "partial", from };
}

/** How many leading records are older than `maxAgeSeconds` (-1 = no limit). */
function expiredCount<R>(records: R[], enteredAt: (r: R) => number | undefined, maxAgeSeconds: number, now: number): number {
  if (maxAgeSeconds < 0) return 0;
  let n = 0;
  for (const r of records) {
    const at = enteredAt(r);
    if (at === undefined || now - at <= maxAgeSeconds * 1000) break;
    n++;
  }
  return n;
}

function dynamoEnteredAt(r: _Record): number | undefined {
  const created = r.dynamodb?.ApproximateCreationDateTime?.getTime();
  return created === undefined ? undefined : created + CREATION_TIME_GRANULARITY_MS;
}

function dynamoSeq(r: _Record): string {
  return r.dynamodb?.SequenceNumber ?? "";
}

/** A DynamoDB stream record's sequence number. */
export const seq = dynamoSeq;
