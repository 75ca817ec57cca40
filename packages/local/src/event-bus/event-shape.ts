import type { SQSMessageAttributes, SQSRecord } from "aws-lambda";
import { LOCAL_ACCOUNT } from "../lambda.js";
import { sqsMessage } from "../stream-event.js";
import type { AcceptedEvent } from "./put-events.js";

/** An event as EventBridge hands it to a rule's target. */
export interface EventBridgeEvent {
  version: "0";
  id: string;
  "detail-type": string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: Record<string, unknown>;
}

/** The event an accepted entry becomes: time as ISO 8601 at whole seconds, like EventBridge. */
export function eventOf(a: AcceptedEvent, region: string): EventBridgeEvent {
  return {
    version: "0",
    id: a.id,
    "detail-type": a.detailType,
    source: a.source,
    account: LOCAL_ACCOUNT,
    time: new Date(a.time).toISOString().replace(/\.\d{3}Z$/, "Z"),
    region,
    resources: a.resources,
    detail: a.detail,
  };
}

export function ruleArn(busName: string, rule: string, region: string): string {
  return `arn:aws:events:${region}:${LOCAL_ACCOUNT}:rule/${busName}/${rule}`;
}

/** Why a target did not take an event, as EventBridge writes it into the dead-letter message. */
export interface DeadLetterReason {
  ruleArn: string;
  targetArn: string;
  errorCode: string;
  errorMessage: string;
  retryAttempts: number;
}

function stringAttribute(value: string) {
  return { stringValue: value, stringListValues: [], binaryListValues: [], dataType: "String" as const };
}

/**
 * The SQS message EventBridge sends to a rule target's dead-letter queue: the body is the event
 * itself; message attributes RULE_ARN, TARGET_ARN, ERROR_CODE, ERROR_MESSAGE and RETRY_ATTEMPTS
 * say where and why it failed.
 */
export function deadLetterMessage(event: EventBridgeEvent, why: DeadLetterReason, queueName: string, region: string): SQSRecord {
  const message = sqsMessage(JSON.stringify(event), queueName, region);
  const attributes: SQSMessageAttributes = {
    RULE_ARN: stringAttribute(why.ruleArn),
    TARGET_ARN: stringAttribute(why.targetArn),
    ERROR_CODE: stringAttribute(why.errorCode),
    ERROR_MESSAGE: stringAttribute(why.errorMessage.slice(0, 1024)),
    RETRY_ATTEMPTS: { ...stringAttribute(String(why.retryAttempts)), dataType: "Number" },
  };
  return { ...message, messageAttributes: attributes };
}
