import { createHash, randomBytes, randomUUID } from "node:crypto";
import type { _Record, AttributeValue } from "@aws-sdk/client-dynamodb-streams";
import type { AttributeValue as LambdaAttributeValue, DynamoDBRecord, SQSEvent, SQSRecord } from "aws-lambda";
import { LOCAL_ACCOUNT } from "./lambda.js";

/**
 * The payloads Lambda's DynamoDB event source mapping produces: the DynamoDBStreamEvent
 * record a function receives, and the invocation record it sends to an SQS on-failure
 * destination (which the local stack hands to the on-failure function as an SQS event).
 */

type LambdaImage = Record<string, LambdaAttributeValue>;

/**
 * One stream record as Lambda delivers it: the GetRecords record with the stack's region,
 * the stream ARN as `eventSourceARN`, the creation time in epoch seconds and binary values
 * in base64 (the wire form; the SDK hands them over as bytes).
 */
export function lambdaRecord(r: _Record, streamArn: string, region: string): DynamoDBRecord {
  const d = r.dynamodb ?? {};
  const out: DynamoDBRecord = {
    eventID: r.eventID,
    eventName: r.eventName,
    eventVersion: r.eventVersion ?? "1.1",
    eventSource: r.eventSource ?? "aws:dynamodb",
    awsRegion: region,
    dynamodb: {
      ApproximateCreationDateTime: d.ApproximateCreationDateTime && Math.floor(d.ApproximateCreationDateTime.getTime() / 1000),
      Keys: d.Keys && image(d.Keys),
      NewImage: d.NewImage && image(d.NewImage),
      OldImage: d.OldImage && image(d.OldImage),
      SequenceNumber: d.SequenceNumber,
      SizeBytes: d.SizeBytes,
      StreamViewType: d.StreamViewType,
    },
    eventSourceARN: streamArn,
  };
  // TTL deletions carry the DynamoDB service principal.
  if (r.userIdentity) out.userIdentity = { type: r.userIdentity.Type, principalId: r.userIdentity.PrincipalId };
  return out;
}

function image(m: Record<string, AttributeValue>): LambdaImage {
  const out: LambdaImage = {};
  for (const [k, v] of Object.entries(m)) out[k] = attribute(v);
  return out;
}

function attribute(v: AttributeValue): LambdaAttributeValue {
  if (v.B !== undefined) return { B: Buffer.from(v.B).toString("base64") };
  if (v.BS !== undefined) return { BS: v.BS.map((b) => Buffer.from(b).toString("base64")) };
  if (v.M !== undefined) return { M: image(v.M) };
  if (v.L !== undefined) return { L: v.L.map(attribute) };
  return v as LambdaAttributeValue;
}

export type FailureCondition = "RetryAttemptsExhausted" | "RecordAgeExceeded";

export interface DiscardedBatch {
  records: _Record[];
  shardId: string;
  streamArn: string;
  functionArn: string;
  /** Request id of the last invocation of the batch (a fresh id if it was never invoked). */
  requestId?: string;
  condition: FailureCondition;
  approximateInvokeCount: number;
  /** "Unhandled" when the last invocation threw; absent when it returned a response. */
  functionError?: string;
}

/** The JSON document Lambda sends to an on-failure destination for a discarded stream batch. */
export function invocationRecord(b: DiscardedBatch, now = new Date()) {
  const first = b.records[0].dynamodb;
  const last = b.records[b.records.length - 1].dynamodb;
  return {
    version: "1.0",
    timestamp: now.toISOString(),
    requestContext: {
      requestId: b.requestId ?? randomUUID(),
      functionArn: b.functionArn,
      condition: b.condition,
      approximateInvokeCount: b.approximateInvokeCount,
    },
    responseContext: { statusCode: 200, executedVersion: "$LATEST", functionError: b.functionError },
    DDBStreamBatchInfo: {
      shardId: b.shardId,
      startSequenceNumber: first?.SequenceNumber,
      endSequenceNumber: last?.SequenceNumber,
      approximateArrivalOfFirstRecord: isoSeconds(first?.ApproximateCreationDateTime),
      approximateArrivalOfLastRecord: isoSeconds(last?.ApproximateCreationDateTime),
      batchSize: b.records.length,
      streamArn: b.streamArn,
    },
  };
}

function isoSeconds(d: Date | undefined): string | undefined {
  return d?.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** The SQS message the on-failure destination queue holds for one invocation record. */
export function sqsMessage(body: string, queueName: string, region: string, sentAt = Date.now()): SQSRecord {
  return {
    messageId: randomUUID(),
    receiptHandle: "",
    body,
    attributes: {
      ApproximateReceiveCount: "0",
      SentTimestamp: String(sentAt),
      SenderId: "AROALOCAL00000000000:weft-local",
      ApproximateFirstReceiveTimestamp: String(Date.now()),
    },
    messageAttributes: {},
    md5OfBody: createHash("md5").update(body).digest("hex"),
    eventSource: "aws:sqs",
    eventSourceARN: `arn:aws:sqs:${region}:${LOCAL_ACCOUNT}:${queueName}`,
    awsRegion: region,
  };
}

/** The SQS event delivering `message` for the `receiveCount`-th time (1 = first delivery). */
export function sqsDelivery(message: SQSRecord, receiveCount: number): SQSEvent {
  const attributes = { ...message.attributes, ApproximateReceiveCount: String(receiveCount) };
  return { Records: [{ ...message, attributes, receiptHandle: randomBytes(48).toString("base64") }] };
}
