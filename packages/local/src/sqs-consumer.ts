import type { SQSBatchResponse, SQSRecord } from "aws-lambda";
import { invoke, type LocalFunction } from "./lambda.js";
import { sqsDelivery } from "./stream-event.js";

export type SqsDeliveryOutcome = { ok: true } | { ok: false; error: Error };

/**
 * One SQS delivery of `message` to a queue consumer, judged as Lambda's SQS poller judges a
 * mapping with `ReportBatchItemFailures` (infra/queues.ts subscribes every consumer that way):
 * the message failed if the handler threw, or returned it in `batchItemFailures`. A malformed
 * response (not an object with a `batchItemFailures` array of `{itemIdentifier}`) fails the
 * whole batch, as on AWS.
 */
export async function deliverSqsMessage(fn: LocalFunction, message: SQSRecord, receiveCount: number, region: string): Promise<SqsDeliveryOutcome> {
  const out = await invoke(fn, sqsDelivery(message, receiveCount), region);
  if (!out.ok) return out;
  const failures = batchItemFailures(out.result);
  if (failures === "malformed") return { ok: false, error: new Error(`${fn.name} returned a malformed partial batch response`) };
  if (failures.includes(message.messageId)) return { ok: false, error: new Error(`${fn.name} reported the message in batchItemFailures`) };
  return { ok: true };
}

function batchItemFailures(result: unknown): string[] | "malformed" {
  // No return value (or an empty one) means every message succeeded.
  if (result === null || result === undefined) return [];
  const list = (result as Partial<SQSBatchResponse>).batchItemFailures;
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) return "malformed";
  const ids: string[] = [];
  for (const item of list) {
    if (!item || typeof item.itemIdentifier !== "string" || item.itemIdentifier === "") return "malformed";
    ids.push(item.itemIdentifier);
  }
  return ids;
}
