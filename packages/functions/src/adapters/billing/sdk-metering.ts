import { billingUnits } from "@weft/core/cost/usage";
import { consumedUnits, failedCallUnits, reportsCapacity, type DynamoUnits } from "./dynamo-usage.js";
import { EVENT_UNIT_BYTES, WS_MESSAGE_UNIT_BYTES, eventEntryBytes, smsParts, type EventEntryFields } from "./message-units.js";
import { awaitAws, currentFunction, meterUsage, safely } from "./usage-context.js";

/**
 * The latency each AWS call is assumed to have from a Lambda function in the same region
 * (typical p50s, not measured here). The local stack bills a handler's duration with these in
 * place of the time it actually awaited DynamoDB Local and the local endpoints (usage-context
 * `Invocation.billedMs`). Assumptions:
 * - DynamoDB (and DynamoDB Streams): 4 ms per request (single-digit ms for item reads/writes;
 *   a large Query page takes longer, a small one less);
 * - EventBridge PutEvents: 15 ms;
 * - API Gateway management API (PostToConnection and the others): 10 ms;
 * - SES SendEmail and SNS Publish: 30 ms;
 * - Kinesis (PutRecords of a few records, and the other calls): 20 ms, an assumption (a
 *   PutRecords is acknowledged once the records are stored in three zones; AWS quotes no p50,
 *   and a large batch takes longer);
 * - S3 (a small object's PUT or GET): 100 ms, the low end of the 100-200 ms AWS's performance
 *   guidelines give for small objects' first byte;
 * - push providers (web push services, FCM, APNs; outside AWS, over the internet): 50 ms.
 */
export const MODELLED_LATENCY_MS = {
  dynamodb: 4,
  dynamodbStreams: 4,
  eventbridge: 15,
  apigwManagement: 10,
  ses: 30,
  sns: 30,
  kinesis: 20,
  s3: 100,
  push: 50,
} as const;

/** The AWS services whose SDK clients are metered. */
export type SdkService = Exclude<keyof typeof MODELLED_LATENCY_MS, "push">;

type Args = { input: any };
type Handler = (args: Args) => Promise<{ output: any }>;

/** The part of an AWS SDK v3 client the metering needs (every generated client has it). */
export interface MeterableClient {
  middlewareStack: {
    add(middleware: (next: Handler, context: { commandName?: string }) => Handler, options: { step: "initialize"; name: string; priority?: "high" }): void;
  };
}

const MIDDLEWARE_NAME = "weftUsageMetering";
const metered = new WeakSet<object>();

/**
 * Attaches the usage metering middleware to `client` (once; returns the client). Every call
 * through it is timed for the calling invocation's billed duration (`awaitAws` with the
 * service's MODELLED_LATENCY_MS), and what AWS bills for it goes to processUsage under the
 * function making the call (captured when the call starts):
 * - dynamodb: read and write request units per physical table from ConsumedCapacity, which
 *   the middleware requests (ReturnConsumedCapacity TOTAL, when the input leaves it unset or
 *   NONE) on the ten item operations; failed conditional writes and canceled transactions as
 *   dynamo-usage.ts `failedCallUnits` says;
 * - dynamodbStreams: nothing. Stream reads by Lambda's event source mappings are free, the
 *   local stack's poller reads outside any function, and the few GetRecords the failure
 *   handlers make (a stream read request unit each) are not worth a unit of their own;
 * - eventbridge: PutEvents, per entry EventBridge accepted (no ErrorCode in the answer; a
 *   failed entry is not billed and its retry is counted when it succeeds), billingUnits of
 *   its size (message-units.ts `eventEntryBytes`) in 64 KB -> "eventbridge.events", on the
 *   entry's bus;
 * - apigwManagement: PostToConnection that succeeded, billingUnits(Data bytes, 32 KB) ->
 *   "apigw.wsMessages" and its Data bytes -> "transfer.outBytes" (a GoneException sent nothing). GetConnection and DeleteConnection
 *   are not billed by API Gateway (they are not messages);
 * - ses: SendEmail that succeeded, one "ses.emails" per recipient (To, Cc and Bcc);
 * - sns: Publish to a PhoneNumber that succeeded, one "sns.sms" per SMS part (`smsParts`);
 *   publishes to topics are not SMS and not counted;
 * - kinesis: PutRecord that succeeded, and each record of PutRecords that Kinesis accepted (no
 *   ErrorCode in the answer's Records[i]; a refused record is not billed and its retry is
 *   counted when it succeeds): billingUnits(Data + PartitionKey bytes, 25 KB) ->
 *   "kinesis.putUnits", those bytes -> "kinesis.bytes" and 1 -> "kinesis.records", on the
 *   stream (StreamName, or the name in StreamARN). Reads (GetRecords, SubscribeToShard) and
 *   control calls (ListShards, DescribeStream, ...) are not billed per call: shard-hours and
 *   enhanced fan-out pay for them (cost/kinesis-bill.ts);
 * - s3: each request S3 answered, successful or refused with a 4xx (S3 bills those too, e.g. a
 *   GET of a missing key), on its bucket: PutObject, CopyObject, the List calls and
 *   CreateBucket -> "s3.putRequests"; DeleteObject(s) are free; every other call ->
 *   "s3.getRequests". Bytes stored are the storage model's (the bench measures the bucket).
 * Metering never throws into the call: its own errors are swallowed (usage-context `safely`).
 */
export function meterSdkClient<C extends MeterableClient>(client: C, service: SdkService): C {
  if (metered.has(client)) return client;
  metered.add(client);
  const latency = MODELLED_LATENCY_MS[service];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const operation = (context.commandName ?? "").replace(/Command$/, "");
      const fn = currentFunction();
      const call = service === "dynamodb" ? withConsumedCapacity(operation, args) : args;
      return awaitAws(latency, async () => {
        let result: { output: any };
        try {
          result = await next(call);
        } catch (err) {
          if (service === "dynamodb") safely(() => addDynamo(failedCallUnits(operation, call.input, err), fn));
          if (service === "s3" && answeredWith4xx(err)) safely(() => addS3(operation, call.input, fn));
          throw err;
        }
        safely(() => countSuccess(service, operation, call.input, result.output, fn));
        return result;
      });
    },
    { step: "initialize", name: MIDDLEWARE_NAME, priority: "high" },
  );
  return client;
}

/** The call with ReturnConsumedCapacity TOTAL when the operation reports capacity and the input does not ask for it (a copy: the caller's input is left alone). */
function withConsumedCapacity(operation: string, args: Args): Args {
  if (!reportsCapacity(operation)) return args;
  const asked = args.input?.ReturnConsumedCapacity;
  if (asked !== undefined && asked !== "NONE") return args;
  return { ...args, input: { ...args.input, ReturnConsumedCapacity: "TOTAL" } };
}

function addDynamo(units: DynamoUnits[], fn: string): void {
  for (const u of units) meterUsage(u.kind === "read" ? "dynamodb.readUnits" : "dynamodb.writeUnits", u.units, { fn, resource: u.table });
}

function countSuccess(service: SdkService, operation: string, input: Record<string, any>, output: any, fn: string): void {
  switch (service) {
    case "dynamodb":
      return addDynamo(consumedUnits(operation, input, output), fn);
    case "eventbridge": {
      if (operation !== "PutEvents") return;
      const answers: Array<{ ErrorCode?: string }> | undefined = output?.Entries;
      const perBus = new Map<string, number>();
      (input.Entries as Array<EventEntryFields & { EventBusName?: string }> | undefined)?.forEach((entry, i) => {
        if (answers?.[i]?.ErrorCode) return;
        const bus = entry.EventBusName ?? "default";
        perBus.set(bus, (perBus.get(bus) ?? 0) + billingUnits(eventEntryBytes(entry), EVENT_UNIT_BYTES));
      });
      for (const [bus, events] of perBus) meterUsage("eventbridge.events", events, { fn, resource: bus });
      return;
    }
    case "apigwManagement":
      if (operation === "PostToConnection") {
        meterUsage("apigw.wsMessages", billingUnits(byteLength(input.Data), WS_MESSAGE_UNIT_BYTES), { fn });
        meterUsage("transfer.outBytes", byteLength(input.Data), { fn });
      }
      return;
    case "ses": {
      if (operation !== "SendEmail") return;
      const d = input.Destination ?? {};
      const recipients = (d.ToAddresses?.length ?? 0) + (d.CcAddresses?.length ?? 0) + (d.BccAddresses?.length ?? 0);
      meterUsage("ses.emails", Math.max(1, recipients), { fn });
      return;
    }
    case "sns":
      if (operation === "Publish" && input.PhoneNumber) meterUsage("sns.sms", smsParts(String(input.Message ?? "")), { fn });
      return;
    case "kinesis":
      return addKinesis(operation, input, output, fn);
    case "s3":
      return addS3(operation, input, fn);
    case "dynamodbStreams":
      return;
  }
}

/** S3's PUT tier (priced 12.5x a GET); DELETE requests are free. */
const S3_PUT_TIER = new Set(["PutObject", "CopyObject", "PostObject", "ListObjectsV2", "ListObjects", "ListBuckets", "CreateBucket", "CreateMultipartUpload", "UploadPart", "CompleteMultipartUpload"]);
const S3_FREE = new Set(["DeleteObject", "DeleteObjects", "AbortMultipartUpload"]);

function addS3(operation: string, input: Record<string, any>, fn: string): void {
  if (S3_FREE.has(operation)) return;
  meterUsage(S3_PUT_TIER.has(operation) ? "s3.putRequests" : "s3.getRequests", 1, { fn, resource: String(input.Bucket ?? "?") });
}

/** An error S3 answered with a 4xx status (billed), not a network failure or a 5xx. */
function answeredWith4xx(err: unknown): boolean {
  const status = (err as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
  return status !== undefined && status >= 400 && status < 500;
}

/** Kinesis bills each record's PUT payload in 25 KB units. */
export const KINESIS_PUT_UNIT_BYTES = 25 * 1024;

/** A record's size as Kinesis counts it for PUT payload units and throughput: its Data plus its PartitionKey (UTF-8). */
export function kinesisRecordBytes(record: { Data?: unknown; PartitionKey?: string }): number {
  return byteLength(record.Data) + byteLength(record.PartitionKey);
}

/** The stream a Kinesis call names: StreamName, else the name in StreamARN (arn:aws:kinesis:<region>:<account>:stream/<name>). */
export function kinesisStreamName(input: { StreamName?: string; StreamARN?: string }): string {
  if (input.StreamName) return input.StreamName;
  const arn = input.StreamARN ?? "";
  const at = arn.indexOf(":stream/");
  return at >= 0 ? arn.slice(at + ":stream/".length) : arn || "?";
}

/** PutRecord, or the records of PutRecords that Kinesis accepted: their units, bytes and count on their stream. */
function addKinesis(operation: string, input: Record<string, any>, output: any, fn: string): void {
  type Entry = { Data?: unknown; PartitionKey?: string };
  const answers: Array<{ ErrorCode?: string }> | undefined = output?.Records;
  const records: Entry[] =
    operation === "PutRecord" ? [input] : operation === "PutRecords" ? ((input.Records ?? []) as Entry[]).filter((_, i) => !answers?.[i]?.ErrorCode) : [];
  if (records.length === 0) return;
  const resource = kinesisStreamName(input);
  const bytes = records.map(kinesisRecordBytes);
  meterUsage("kinesis.putUnits", bytes.reduce((sum, b) => sum + billingUnits(b, KINESIS_PUT_UNIT_BYTES), 0), { fn, resource });
  meterUsage("kinesis.bytes", bytes.reduce((sum, b) => sum + b, 0), { fn, resource });
  meterUsage("kinesis.records", records.length, { fn, resource });
}

function byteLength(data: unknown): number {
  if (typeof data === "string") return Buffer.byteLength(data, "utf8");
  if (ArrayBuffer.isView(data)) return data.byteLength;
  return 0;
}
