/**
 * Billable usage, counted where it is spent. Every AWS call a handler makes, every Lambda
 * invocation and every API Gateway request or message adds to a UsageMeter under one of these
 * units; the cost model (bill.ts) prices them (prices.ts). Units are AWS's billing units, not
 * raw counts: a PutEvents entry of 70 KB is 2 EventBridge events (64 KB chunks), a WebSocket
 * message of 40 KB is 2 messages (32 KB units), an HTTP API request of 600 KB is 2 requests
 * (512 KB units).
 */
export const USAGE_UNITS = {
  /** DynamoDB write request units (on-demand) = write capacity units consumed. Resource: the table. */
  "dynamodb.writeUnits": "write request units",
  /** DynamoDB read request units (on-demand) = read capacity units consumed. Resource: the table. */
  "dynamodb.readUnits": "read request units",
  /** Lambda invocations. Resource: none (the function is the usage's `fn`). */
  "lambda.invocations": "invocations",
  /** Lambda billed duration in milliseconds (each invocation rounded up to 1 ms); GB-seconds come from the function's memory. */
  "lambda.ms": "billed milliseconds",
  /** API Gateway HTTP API requests, in 512 KB units. */
  "apigw.httpRequests": "HTTP API requests",
  /** API Gateway WebSocket messages, both directions (client -> API, and @connections posts), in 32 KB units. */
  "apigw.wsMessages": "WebSocket messages",
  /** API Gateway WebSocket connection minutes. */
  "apigw.wsConnectionMinutes": "WebSocket connection minutes",
  /** EventBridge custom events published, in 64 KB chunks. */
  "eventbridge.events": "EventBridge events",
  /** EventBridge Scheduler invocations. */
  "scheduler.invocations": "Scheduler invocations",
  /** SQS requests (each 64 KB chunk of a request is one request). */
  "sqs.requests": "SQS requests",
  /** SES emails sent. */
  "ses.emails": "emails",
  /** SNS SMS messages sent (priced per US message). */
  "sns.sms": "SMS messages",
  /** Web push and mobile push messages (no AWS charge; counted for the report). */
  "push.messages": "push messages",
  /** CloudWatch Logs ingested, in bytes. */
  "logs.bytes": "log bytes",
  /**
   * Bytes sent out of AWS to the internet: HTTP API responses and WebSocket messages to clients
   * (payloads; TLS and framing overhead not counted). Resource: none.
   */
  "transfer.outBytes": "bytes out to the internet",
  /**
   * Milliseconds of CPU a container tier (ECS on Fargate, e.g. the room tier) spent on the
   * measured work, attributed to its `fn` (e.g. "rooms"). Billed as the tasks it needs
   * (BillInput.containers), not per millisecond.
   */
  "fargate.vcpuMs": "container vCPU milliseconds",
  /** Bytes a container tier's Network Load Balancer processed, both directions (part of its NLCUs). Resource: none. */
  "nlb.bytes": "load balancer bytes processed",
  /** New TLS connections a container tier's Network Load Balancer accepted (part of its NLCUs). Resource: none. */
  "nlb.newConnections": "load balancer new connections",
  /**
   * Kinesis Data Streams PUT payload units: each record put (PutRecord, each accepted record of
   * PutRecords) is its Data + PartitionKey bytes in 25 KB units, at least one (a 30 KB record
   * is 2). Resource: the stream's name. Priced per unit on provisioned streams.
   */
  "kinesis.putUnits": "Kinesis PUT payload units",
  /**
   * Bytes put to a Kinesis stream (each accepted record's Data + PartitionKey). Resource: the
   * stream's name. Sizes the stream's shards (BillInput.streams) and prices what consumers
   * retrieve (enhanced fan-out, on-demand) and what on-demand streams ingest.
   */
  "kinesis.bytes": "Kinesis bytes put",
  /** Records put to a Kinesis stream (accepted ones). Resource: the stream's name. Shards also bound records, at 1,000 a second each. */
  "kinesis.records": "Kinesis records put",
  /**
   * S3 requests of the PUT tier (PutObject, CopyObject, PostObject, ListObjectsV2, ListBuckets,
   * CreateBucket) that succeeded. Resource: the bucket.
   */
  "s3.putRequests": "S3 PUT, COPY, POST and LIST requests",
  /** S3 requests of the GET tier (GetObject, HeadObject, and the others but DeleteObject(s), which are free) that succeeded. Resource: the bucket. */
  "s3.getRequests": "S3 GET and other requests",
} as const;

export type UsageUnit = keyof typeof USAGE_UNITS;

/** One aggregated usage line: `quantity` of `unit`, spent by function `fn` (on `resource`, e.g. a table). */
export interface UsageLine {
  unit: UsageUnit;
  fn: string;
  resource?: string;
  quantity: number;
}

/** The function usage is attributed to when no handler is running (a test, a load generator). */
export const NO_FUNCTION = "-";

/**
 * Sums usage per (unit, function, resource). Cheap enough to leave on: one Map update per call.
 * Contract: `add` with a non-finite or negative quantity throws (a metering bug must not
 * silently corrupt a bill); `snapshot` returns aggregated lines sorted by unit, fn, resource.
 */
export class UsageMeter {
  private lines = new Map<string, UsageLine>();

  add(unit: UsageUnit, quantity: number, fn: string = NO_FUNCTION, resource?: string): void {
    if (!Number.isFinite(quantity) || quantity < 0) throw new Error(`usage ${unit}: bad quantity ${quantity}`);
    if (quantity === 0) return;
    const key = `${unit}\u0000${fn}\u0000${resource ?? ""}`;
    const line = this.lines.get(key);
    if (line) line.quantity += quantity;
    else this.lines.set(key, { unit, fn, ...(resource !== undefined ? { resource } : {}), quantity });
  }

  snapshot(): UsageLine[] {
    return [...this.lines.values()]
      .map((l) => ({ ...l }))
      .sort((a, b) => a.unit.localeCompare(b.unit) || a.fn.localeCompare(b.fn) || (a.resource ?? "").localeCompare(b.resource ?? ""));
  }

  /** Total quantity of `unit` (optionally of one function). */
  total(unit: UsageUnit, fn?: string): number {
    let sum = 0;
    for (const l of this.lines.values()) if (l.unit === unit && (fn === undefined || l.fn === fn)) sum += l.quantity;
    return sum;
  }

  reset(): void {
    this.lines = new Map();
  }
}

/** `bytes` in billing units of `unitBytes` (at least one unit for any request). */
export function billingUnits(bytes: number, unitBytes: number): number {
  return Math.max(1, Math.ceil(bytes / unitBytes));
}
