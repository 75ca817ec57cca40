import type { SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { TENANT_ID_PATTERN, UNKNOWN_TENANT, deadLetterId, type DeadLetter, type DeadLetterStore } from "@weft/core";
import { wiring } from "../wiring.js";

/**
 * Consumer of the bus rules' dead-letter queue: stores each message as a DeadLetter (tenant from
 * the event's detail) so a tenant admin can list and re-drive it. Two message shapes arrive:
 * - EventBridge's own (a target it could not invoke): the body is the event, message attributes
 *   RULE_ARN, TARGET_ARN, ERROR_CODE, ERROR_MESSAGE, RETRY_ATTEMPTS (the local stack sends this
 *   shape for every failed target);
 * - Lambda's on-failure destination record (the target ran and kept failing after Lambda's async
 *   retries): `{requestContext: {functionArn, condition, approximateInvokeCount}, requestPayload:
 *   <the event>, responsePayload: {errorType, errorMessage}}`.
 * Storing is idempotent per (event id, rule), so a redelivered message changes nothing. A failed
 * store is reported in `batchItemFailures` (partial batch response): SQS delivers only that
 * message again, and parks it in the queue's own dead-letter queue after its last receive
 * (infra/queues.ts). A body that is neither shape is logged and skipped (retrying cannot fix it).
 */
export async function handler(event: SQSEvent): Promise<SQSBatchResponse> {
  const store = wiring().deadLetters;
  const batchItemFailures: SQSBatchResponse["batchItemFailures"] = [];
  for (const record of event.Records) {
    try {
      await storeRecord(store, record);
    } catch (err) {
      console.error(JSON.stringify({ level: "error", msg: "dead letter not stored; SQS delivers it again", messageId: record.messageId, error: (err as Error).message }));
      batchItemFailures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures };
}

export async function storeRecord(store: DeadLetterStore, record: SQSRecord, now = Date.now()): Promise<"stored" | "duplicate" | "skipped"> {
  const letter = deadLetterFromRecord(record, now);
  if (!letter) {
    console.error(JSON.stringify({ level: "error", msg: "dead-letter message is not an EventBridge event; skipped", messageId: record.messageId, body: record.body.slice(0, 2000) }));
    return "skipped";
  }
  return store.put(letter);
}

interface BusEvent {
  id: string;
  source: string;
  "detail-type": string;
  time?: string;
  detail: Record<string, unknown>;
}

/** The DeadLetter a queue message describes, or undefined when it holds no EventBridge event. */
export function deadLetterFromRecord(record: SQSRecord, now: number): DeadLetter | undefined {
  let body: unknown;
  try {
    body = JSON.parse(record.body);
  } catch {
    return undefined;
  }
  const attr = (name: string) => record.messageAttributes?.[name]?.stringValue;
  let event: unknown = body;
  let ruleArn = attr("RULE_ARN");
  let targetArn = attr("TARGET_ARN");
  let errorCode = attr("ERROR_CODE") ?? attr("ErrorCode");
  let errorMessage = attr("ERROR_MESSAGE") ?? attr("ErrorMessage");
  let retryAttempts = numberOr(attr("RETRY_ATTEMPTS"));
  if (isObject(body) && isObject(body.requestContext) && "requestPayload" in body) {
    const ctx = body.requestContext;
    const response = isObject(body.responsePayload) ? body.responsePayload : {};
    event = body.requestPayload;
    targetArn = typeof ctx.functionArn === "string" ? ctx.functionArn.replace(/:\$LATEST$/, "") : undefined;
    errorCode = typeof response.errorType === "string" ? response.errorType : String(ctx.condition ?? "FunctionError");
    errorMessage = typeof response.errorMessage === "string" ? response.errorMessage : String(ctx.condition ?? "");
    retryAttempts = typeof ctx.approximateInvokeCount === "number" ? ctx.approximateInvokeCount - 1 : undefined;
  }
  if (!isBusEvent(event)) return undefined;
  const rule = ruleArn?.split("/").pop() || `target:${targetArn?.split(":").pop() ?? "unknown"}`;
  const deadAt = numberOr(record.attributes?.SentTimestamp) ?? now;
  const tenant = typeof event.detail.tenant === "string" && TENANT_ID_PATTERN.test(event.detail.tenant) ? event.detail.tenant : UNKNOWN_TENANT;
  const time = event.time ? Date.parse(event.time) : NaN;
  return {
    id: deadLetterId(deadAt, event.id, rule),
    tenant,
    ...(typeof event.detail.docId === "string" ? { docId: event.detail.docId } : {}),
    eventId: event.id,
    rule,
    ...(ruleArn ? { ruleArn } : {}),
    ...(targetArn ? { targetArn } : {}),
    errorCode: errorCode ?? "UNKNOWN",
    errorMessage: errorMessage ?? "",
    ...(retryAttempts !== undefined ? { retryAttempts } : {}),
    deadAt,
    event: { source: event.source, detailType: event["detail-type"], detail: event.detail, ...(Number.isFinite(time) ? { time } : {}) },
    status: "dead",
    redrives: 0,
  };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function isBusEvent(v: unknown): v is BusEvent {
  return isObject(v) && typeof v.id === "string" && typeof v.source === "string" && typeof v["detail-type"] === "string" && isObject(v.detail);
}

function numberOr(v: string | undefined): number | undefined {
  const n = v === undefined ? NaN : Number(v);
  return Number.isFinite(n) ? n : undefined;
}
