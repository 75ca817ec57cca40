import { rooms } from "./manifest-rooms.js";

/**
 * The one resource manifest. `sst.config.ts` (through infra/*) and the local stack
 * (packages/local) both read it, so local wiring cannot drift from production wiring.
 * Pure data: no SST or AWS imports here.
 */
export interface TableSpec {
  partitionKey: string;
  sortKey: string;
  /** DynamoDB stream view; absent = no stream. */
  stream?: "new-image" | "new-and-old-images";
  /** TTL attribute (epoch seconds). */
  ttl?: string;
  /**
   * Provisioned capacity with target-tracking auto scaling, on the stages `capacityOf` names;
   * absent = on-demand everywhere. For tables whose traffic is steady enough that a provisioned
   * unit is used most of the hour (docs/cost.md, cut 8).
   */
  capacity?: ProvisionedCapacitySpec;
  /**
   * The Standard-Infrequent Access table class, on every stage: storage 60% cheaper, requests
   * 25% dearer. For a table whose bill is mostly storage (none today: the log was until its
   * year of raw ops moved into segments, docs/cost.md cuts 11 and 28). Absent = the standard class.
   */
  tableClass?: "standard-ia";
}

/**
 * A provisioned table: auto scaling keeps consumed / provisioned units near `targetUtilization`
 * for reads and writes separately, between `min` and `max` units. Above the provisioned rate a
 * table first spends burst capacity (up to 300 s of unused units), then throttles; the handlers
 * answer a throttled request 503 `unavailable` with Retry-After (docs/api.md). `max` is AWS's
 * default per-table quota (40,000); raise the quota before raising it.
 */
export interface ProvisionedCapacitySpec {
  targetUtilization: number;
  read: { min: number; max: number };
  write: { min: number; max: number };
}

/** Where provisioned capacity applies: production only (other stages idle most of the time, on-demand costs them nothing then). */
export const PROVISIONED_STAGES: readonly string[] = ["production"];

/** A table's capacity on a stage: its provisioned spec on PROVISIONED_STAGES, else on-demand (undefined). */
export function capacityOf(spec: TableSpec, stage: string): ProvisionedCapacitySpec | undefined {
  return PROVISIONED_STAGES.includes(stage) ? spec.capacity : undefined;
}

/** The steady tables' capacity: 70% target utilization (AWS's default for target tracking). */
const STEADY: ProvisionedCapacitySpec = { targetUtilization: 0.7, read: { min: 5, max: 40_000 }, write: { min: 5, max: 40_000 } };

export interface FunctionSpec {
  /** `<file without extension>.<export>`, relative to the repo root (SST's handler syntax). */
  handler: string;
  timeoutSeconds: number;
  memoryMB: number;
  /** Tables the function reads/writes; each becomes env `WEFT_TABLE_<NAME>` and an IAM grant. */
  tables: Array<keyof typeof tables>;
  /** Publishes to the event bus: env `WEFT_EVENT_BUS` (+ `WEFT_EVENTS_ENDPOINT` locally) and a PutEvents grant. */
  bus?: boolean;
  /** Posts to WebSocket connections: env `WEFT_WS_ENDPOINT` (the management API endpoint) and an execute-api:ManageConnections grant. */
  webSocket?: boolean;
  /** Delivers notifications: the providers' settings (infra/channels.ts) and SES/SNS send grants. */
  channels?: boolean;
}

/** A DynamoDB stream -> function event source mapping, with Lambda's own settings. */
export interface StreamSubscriptionSpec {
  table: keyof typeof tables;
  function: keyof typeof functions;
  startingPosition: "TRIM_HORIZON" | "LATEST";
  batchSize: number;
  maximumBatchingWindowInSeconds: number;
  maximumRetryAttempts: number;
  maximumRecordAgeInSeconds: number;
  bisectBatchOnFunctionError: boolean;
  reportBatchItemFailures: boolean;
  parallelizationFactor: number;
  /** Function that receives the on-failure record of a batch that exhausted its retries. */
  onFailure: keyof typeof functions;
  /**
   * Lambda event filtering (an EventBridge-style pattern on the record as Lambda sees it):
   * records that do not match are dropped before any invocation and never billed. The local
   * stream poller applies the same pattern with core's matcher.
   */
  filter?: Record<string, unknown>;
}

/**
 * A Kinesis data stream (infra/streams.ts; locally packages/local/src/kinesis-local). Provisioned
 * mode: `shards` is what it is created with (the cost bench sizes the shards a product's rate
 * needs: 1 MB/s or 1,000 records/s in per shard).
 */
export interface KinesisStreamSpec {
  shards: number;
  retentionHours: number;
}

/**
 * A Kinesis stream -> function event source mapping, with Lambda's own settings (as
 * StreamSubscriptionSpec). `enhancedFanOut`: the mapping reads through a dedicated consumer
 * that AWS pushes records to (~70 ms after the put) instead of polling each shard once a
 * second: what keeps commit -> materialized inside its 300 ms. No on-failure destination: a
 * batch dropped after its retries leaves its documents to be filled from the log at their next
 * batch (see the subscription's comment).
 */
export interface KinesisSubscriptionSpec {
  stream: keyof typeof kinesisStreams;
  function: keyof typeof functions;
  startingPosition: "TRIM_HORIZON" | "LATEST";
  batchSize: number;
  maximumBatchingWindowInSeconds: number;
  maximumRetryAttempts: number;
  maximumRecordAgeInSeconds: number;
  bisectBatchOnFunctionError: boolean;
  reportBatchItemFailures: boolean;
  parallelizationFactor: number;
  enhancedFanOut: boolean;
  /** Lambda event filtering on a Kinesis record's `data` (decoded, as JSON): `{ data: { ... } }`. */
  filter?: Record<string, unknown>;
}

/**
 * The API Gateway WebSocket API. Routes are selected by `$request.body.action`; `$connect`
 * runs the authorizer first (a REQUEST authorizer whose identity source is the `token`
 * query parameter: browsers cannot set headers on a WebSocket upgrade).
 */
export interface WebSocketSpec {
  authorizer: keyof typeof functions;
  /**
   * Where API Gateway reads the authorizer's identity (`route.request.querystring.<name>` or
   * `route.request.header.<name>`); an upgrade missing one is refused with 401 before the
   * authorizer runs. Default `["route.request.querystring.token"]`.
   */
  identitySources?: string[];
  routes: Record<string, keyof typeof functions>;
}

/**
 * An EventBridge rule on the bus: events matching `pattern` (EventBridge pattern syntax) go
 * to `target`, retried with backoff up to the retry policy, then to `deadLetter` (on AWS an
 * SQS dead-letter queue drained by that function; locally the function is invoked with the
 * same SQS-shaped event).
 */
export interface RuleSpec {
  pattern: Record<string, unknown>;
  target: keyof typeof functions;
  retry: { maximumRetryAttempts: number; maximumEventAgeInSeconds: number };
  deadLetter: keyof typeof functions;
}

export interface ScheduleSpec {
  function: keyof typeof functions;
  /** EventBridge schedule on AWS; the handler loops inside one invocation for `loopSeconds`. */
  rate: string;
  loopSeconds: number;
  /** How often the local stack invokes it (the handler is told not to loop). */
  localEveryMs: number;
}

export interface RouteSpec {
  method: "GET" | "POST" | "PUT" | "DELETE";
  path: string;
  function: keyof typeof functions;
}

export const tables = {
  inbox: { partitionKey: "pk", sortKey: "sk", stream: "new-image", ttl: "expiresAt", capacity: STEADY },
  /**
   * Batch items (`b#`) expire 7 days after their append, once the log compactor has put them
   * in segments (`s#`, kept); the newest batch item of a document never expires
   * (adapters/dynamo/log-store.ts, docs/cost.md "The log's year of raw ops in segments").
   */
  /*
   * The standard class since cut 28 (docs/cost.md): with the year of raw ops in segments its
   * bill is requests (a write and a read per sequencer run), which Standard-IA prices 25%
   * higher; storage is a tenth of it. Back to "standard-ia" once the stream is the durable order
   * and the log is written a few seconds of a document at a time (docs/cost.md, "Not yet inside
   * any budget").
   */
  log: { partitionKey: "pk", sortKey: "sk", stream: "new-image", ttl: "expiresAt", capacity: STEADY },
  /**
   * The log as the log writer writes it from the committed stream (docs/durable-order.md, step
   * 2): the log table's item layout, a document's batches of a few seconds in one item, kept 3
   * days. A shadow of `log` (compared in tests) until the stream is the durable order; on demand,
   * and empty where WEFT_LOG_WRITER is not `shadow`.
   */
  streamLog: { partitionKey: "pk", sortKey: "sk", ttl: "expiresAt" },
  state: { partitionKey: "pk", sortKey: "sk", capacity: STEADY },
  quarantine: { partitionKey: "pk", sortKey: "sk", ttl: "expiresAt" },
  /** Materialized document state: a small head item per document plus chunked snapshots. */
  docs: { partitionKey: "pk", sortKey: "sk", capacity: STEADY },
  /**
   * Live WebSocket connections and their subscriptions. The doc -> connections index is an
   * item collection in this table (not a GSI), so the broadcaster's read is strongly consistent.
   */
  connections: { partitionKey: "pk", sortKey: "sk", ttl: "expiresAt", capacity: STEADY },
  /**
   * The audit trail's access events (refusals, access rejections, admin overrides; TTL
   * `expiresAt`, 400 days). Its per-op records are derived from the log on read, not stored.
   */
  audit: { partitionKey: "pk", sortKey: "sk", ttl: "expiresAt" },
  /** The search consumer's inverted index over document text. */
  search: { partitionKey: "pk", sortKey: "sk", capacity: STEADY },
  /** Bus events a rule target could not take after its retries, until re-driven. */
  deadLetters: { partitionKey: "pk", sortKey: "sk", ttl: "expiresAt" },
  /**
   * The notification engine: per user its serialized decision state, feed, decisions, devices
   * and preferences; per document its active watchers (partition prefixes in
   * functions/src/adapters/dynamo/notify-keys.ts).
   */
  notify: { partitionKey: "pk", sortKey: "sk", ttl: "expiresAt", capacity: STEADY },
} satisfies Record<string, TableSpec>;

/** An S3 bucket: linked (name and IAM access) to every function and the room tier that link `linkedWithTable`. */
export interface BucketSpec {
  linkedWithTable: keyof typeof tables;
}

/**
 * S3 buckets. `segments`: the bodies of the log's compacted segments (the log table keeps each
 * segment's keys and names its object: adapters/dynamo/log-segments.ts, docs/cost.md cut 30),
 * linked wherever the log table is, since every reader of the log may read a segment.
 */
export const buckets = {
  segments: { linkedWithTable: "log" },
} satisfies Record<string, BucketSpec>;

/** The link (component) name of a manifest bucket: `segments` -> `SegmentsBucket`. */
export function bucketLink(bucket: string): string {
  return `${bucket.charAt(0).toUpperCase()}${bucket.slice(1)}Bucket`;
}

/** The manifest buckets linked with any of `linkedTables`. */
export function bucketsLinkedWith(linkedTables: readonly string[]): Array<keyof typeof buckets> {
  return (Object.keys(buckets) as Array<keyof typeof buckets>).filter((b) => linkedTables.includes(buckets[b].linkedWithTable));
}

/**
 * Every function's instruction set: Graviton (arm64) bills 20% less per GB-second than x86_64
 * for the same memory, and the handlers are plain JavaScript (no native module is bundled into
 * any of them), so they run unchanged. The cost bench prices the same architecture.
 */
export const LAMBDA_ARCHITECTURE = "arm64" as const;

/**
 * Every function's logging (Lambda's advanced logging controls). Lambda writes a START, an END
 * and a REPORT line per invocation in its default settings (~270 bytes, INFO system logs), a
 * CloudWatch Logs line item paid per invocation: ~$10K a month for a document product's
 * consumers at 40,000 keystrokes/s (docs/cost.md, cut 15). At system log level WARN, Lambda
 * sends only system events at WARN (a failed or timed-out invocation's report, among others),
 * which needs the JSON log format: application lines then carry a JSON envelope (timestamp,
 * level, request id) and are filtered at `applicationLogLevel`. Duration, errors and throttles
 * stay in Lambda's CloudWatch metrics, which do not come from the log. The local stack meters
 * what this setting writes (packages/local/src/lambda.ts).
 */
export const LAMBDA_LOGGING = { format: "json", systemLogLevel: "WARN", applicationLogLevel: "INFO" } as const satisfies LambdaLogging;

/** Lambda's logging settings, as LAMBDA_LOGGING gives them (advanced logging controls). */
export interface LambdaLogging {
  format: "json" | "text";
  systemLogLevel: "DEBUG" | "INFO" | "WARN";
  applicationLogLevel: "TRACE" | "DEBUG" | "INFO" | "WARN" | "ERROR" | "FATAL";
}

export const functions = {
  http: {
    handler: "packages/functions/src/handlers/http.handler",
    timeoutSeconds: 10,
    memoryMB: 1024,
    // notify + connections: the notification API (feed, read sync to the user's sockets, POST /v1/notify).
    tables: ["inbox", "log", "state", "quarantine", "docs", "audit", "search", "deadLetters", "notify", "connections"],
    bus: true,
    webSocket: true,
    channels: true,
  },
  sequencer: {
    handler: "packages/functions/src/handlers/sequencer.handler",
    timeoutSeconds: 60,
    memoryMB: 1024,
    // connections: a rejected op is told to its submitter's live connections; docs: the ACL of a
    // log from before access control is computed once from the materialized state; audit:
    // access rejections are recorded.
    tables: ["inbox", "log", "state", "quarantine", "connections", "docs", "audit"],
    webSocket: true,
  },
  streamFailures: {
    handler: "packages/functions/src/handlers/stream-failures.handler",
    timeoutSeconds: 60,
    memoryMB: 512,
    // It re-runs the sequencer on each record of a failed batch, so it needs what the sequencer needs.
    tables: ["inbox", "log", "state", "quarantine", "docs", "audit"],
  },
  timers: {
    handler: "packages/functions/src/handlers/timers.handler",
    timeoutSeconds: 70,
    memoryMB: 256,
    tables: ["inbox", "state"],
  },
  /** Log stream -> materialized state and snapshots, then one bus entry per committed batch. */
  materializer: {
    handler: "packages/functions/src/handlers/materializer.handler",
    timeoutSeconds: 60,
    memoryMB: 1536,
    // state: the metrics counters (commit -> materialized lag) live there.
    tables: ["log", "docs", "quarantine", "state"],
    bus: true,
  },
  /**
   * Committed stream -> the log written a few seconds of a document at a time (streamLog; a
   * shadow of the log, WEFT_LOG_WRITER=shadow: handlers/log-writer.ts, docs/durable-order.md).
   */
  logWriter: {
    handler: "packages/functions/src/handlers/log-writer.handler",
    timeoutSeconds: 60,
    memoryMB: 512,
    // state: the metrics counters (kept, repeat, late, conflict per tenant) and, with the log's
    // hot retention, its compaction timers live there; log: written itself when the mode is `on`.
    tables: ["streamLog", "log", "state"],
  },
  /** Log stream -> every subscribed WebSocket connection. */
  broadcaster: {
    handler: "packages/functions/src/handlers/broadcaster.handler",
    timeoutSeconds: 30,
    memoryMB: 1024,
    tables: ["log", "connections", "quarantine"],
    webSocket: true,
  },
  /** On-failure destination of both log stream subscriptions: records the lost batch range. */
  logStreamFailures: {
    handler: "packages/functions/src/handlers/log-stream-failures.handler",
    timeoutSeconds: 30,
    memoryMB: 256,
    tables: ["quarantine"],
  },
  /** WebSocket `$connect` authorizer: verifies `?token=` (throws "Unauthorized" -> 401). */
  wsAuthorizer: {
    handler: "packages/functions/src/handlers/ws-authorizer.handler",
    timeoutSeconds: 5,
    memoryMB: 256,
    tables: [],
  },
  /** Every WebSocket route: connect, disconnect, subscribe (with catch-up), unsubscribe, presence. */
  ws: {
    handler: "packages/functions/src/handlers/ws.handler",
    timeoutSeconds: 30,
    memoryMB: 1024,
    tables: ["connections", "log", "state"],
    webSocket: true,
  },
  /** Scheduled: closes WebSocket connections whose token has expired (after a `token_expired` message). */
  tokenExpiry: {
    handler: "packages/functions/src/handlers/ws-token-expiry.handler",
    timeoutSeconds: 70,
    memoryMB: 256,
    tables: ["connections"],
    webSocket: true,
  },
  /** Bus consumer: the search index over document text. */
  search: {
    handler: "packages/functions/src/handlers/search.handler",
    timeoutSeconds: 60,
    memoryMB: 1024,
    tables: ["search", "docs", "log"],
  },
  /** Bus consumer: committed batches -> notifications, decided per recipient by the engine. */
  notify: {
    handler: "packages/functions/src/handlers/notify.handler",
    timeoutSeconds: 60,
    memoryMB: 1024,
    tables: ["notify", "docs", "log", "connections"],
    webSocket: true,
    channels: true,
  },
  /** Scheduled: each user's due notification work (digests, releases, quiet-hours ends, fallbacks, retries). */
  notifyTimers: {
    handler: "packages/functions/src/handlers/notify-timers.handler",
    timeoutSeconds: 70,
    memoryMB: 1024,
    tables: ["notify", "docs", "log", "connections"],
    webSocket: true,
    channels: true,
  },
  /** Scheduled: the due chunks of large notification fan-outs. */
  notifyFanout: {
    handler: "packages/functions/src/handlers/notify-fanout.handler",
    timeoutSeconds: 70,
    memoryMB: 1024,
    tables: ["notify", "docs", "log", "connections"],
    webSocket: true,
    channels: true,
  },
  /** SES bounce and complaint events (SNS, infra/ses-feedback.ts) -> the recipient's email disabled. */
  sesFeedback: {
    handler: "packages/functions/src/handlers/ses-feedback.handler",
    timeoutSeconds: 30,
    memoryMB: 256,
    // Only the profiles and devices: the rest of the notification wiring is built on first use.
    tables: ["notify"],
  },
  /** Scheduled: the search index writes that events deferred to the end of their debounce window. */
  searchTimers: {
    handler: "packages/functions/src/handlers/search-timers.handler",
    timeoutSeconds: 70,
    memoryMB: 1024,
    tables: ["search", "docs", "log"],
  },
  /**
   * Scheduled: compacts documents' logs into segments when their compaction timers are due
   * (the log store adds them on append), before the batch items' 14-day TTL; its failures and
   * a backlog fail the invocation, which the Errors alarm reports (infra/log-compaction.ts).
   */
  logCompactor: {
    handler: "packages/functions/src/handlers/log-compactor.handler",
    timeoutSeconds: 70,
    memoryMB: 1024,
    tables: ["log", "state"],
  },
  /** Dead-letter queue consumer of the bus rules: keeps undeliverable events for list and re-drive. */
  busDeadLetters: {
    handler: "packages/functions/src/handlers/bus-dead-letters.handler",
    timeoutSeconds: 30,
    memoryMB: 256,
    tables: ["deadLetters"],
  },
} satisfies Record<string, FunctionSpec>;

/**
 * The log stream records its two mappings take: batch items as appended (INSERT) by the
 * sequencer function. Not the room tier's (delivered live, and carried to the materializer by
 * the committed stream), nor the log compactor's writes (segments, the TTL taken off or given
 * back to a tail item: MODIFY), nor TTL's deletions (REMOVE): none of those invokes anything.
 */
const LOG_BATCH_INSERTS = {
  eventName: ["INSERT"],
  dynamodb: { Keys: { sk: { S: [{ prefix: "b#" }] } }, NewImage: { deliveredLive: { BOOL: [{ exists: false }] } } },
};

export const subscriptions = {
  sequencer: {
    table: "inbox",
    function: "sequencer",
    startingPosition: "TRIM_HORIZON",
    batchSize: 500,
    maximumBatchingWindowInSeconds: 0,
    maximumRetryAttempts: 4,
    maximumRecordAgeInSeconds: 3600,
    bisectBatchOnFunctionError: true,
    reportBatchItemFailures: true,
    parallelizationFactor: 1,
    onFailure: "streamFailures",
  },
  // A DynamoDB stream shard serves at most two readers well: the log stream has exactly two.
  materializer: {
    table: "log",
    function: "materializer",
    startingPosition: "TRIM_HORIZON",
    batchSize: 500,
    maximumBatchingWindowInSeconds: 0,
    maximumRetryAttempts: 8,
    maximumRecordAgeInSeconds: 86400,
    bisectBatchOnFunctionError: true,
    reportBatchItemFailures: true,
    parallelizationFactor: 1,
    onFailure: "logStreamFailures",
    // The room tier's batches come to the materializer on the committed stream (kinesisSubscriptions).
    filter: LOG_BATCH_INSERTS,
  },
  broadcaster: {
    table: "log",
    function: "broadcaster",
    startingPosition: "LATEST",
    batchSize: 500,
    maximumBatchingWindowInSeconds: 0,
    maximumRetryAttempts: 2,
    // Live delivery of older ops is pointless: a client that missed them resumes with `after`.
    maximumRecordAgeInSeconds: 60,
    bisectBatchOnFunctionError: false,
    reportBatchItemFailures: true,
    parallelizationFactor: 1,
    onFailure: "logStreamFailures",
    // Batches the room tier committed were delivered by the task that committed them (docs/rooms.md).
    filter: LOG_BATCH_INSERTS,
  },
} satisfies Record<string, StreamSubscriptionSpec>;

/**
 * The committed-batch stream: the room tier appends what its runs commit here, group-committed
 * across its documents (one record per flush), and the materializer reads it (docs/rooms.md).
 */
export const kinesisStreams = {
  committed: { shards: 1, retentionHours: 24 },
} satisfies Record<string, KinesisStreamSpec>;

export const kinesisSubscriptions = {
  // The room tier's batches (the log stream's materializer mapping filters them out). A record
  // holds many documents' batches; a document that fails is retried from its record (partial
  // batch response). Retries exhausted: the record is dropped, and its documents are filled
  // from the log when their next batch comes (DocStates.apply) or by an admin rebuild.
  materializerCommitted: {
    stream: "committed",
    function: "materializer",
    startingPosition: "TRIM_HORIZON",
    batchSize: 100,
    // Up to 1 s of records per invocation: the materializer's invocations, its bus events (one per
    // tenant per invocation) and the consumers' invocations follow the second, not the 100 ms
    // flush. Nobody reads the state through it (reads go through the log); it is what search
    // (2 s debounce) and notifications (goal: visible within 3 s) wait for.
    maximumBatchingWindowInSeconds: 1,
    maximumRetryAttempts: 8,
    maximumRecordAgeInSeconds: 86400,
    bisectBatchOnFunctionError: true,
    reportBatchItemFailures: true,
    parallelizationFactor: 1,
    enhancedFanOut: true,
  },
  // The log writer (in shadow: handlers/log-writer.ts). Up to 5 s of records per invocation: a
  // busy document's batches of those seconds become one log item. The shard's shared
  // throughput (no enhanced fan-out: nothing waits on it within a second). A document that fails
  // is retried from its record; the writer recognises what it already wrote.
  logWriterCommitted: {
    stream: "committed",
    function: "logWriter",
    startingPosition: "TRIM_HORIZON",
    batchSize: 1000,
    maximumBatchingWindowInSeconds: 5,
    maximumRetryAttempts: 8,
    maximumRecordAgeInSeconds: 86400,
    bisectBatchOnFunctionError: true,
    reportBatchItemFailures: true,
    parallelizationFactor: 1,
    enhancedFanOut: false,
  },
} satisfies Record<string, KinesisSubscriptionSpec>;

export const webSocket: WebSocketSpec = {
  authorizer: "wsAuthorizer",
  identitySources: ["route.request.querystring.token"],
  routes: {
    $connect: "ws",
    $disconnect: "ws",
    $default: "ws",
    subscribe: "ws",
    unsubscribe: "ws",
    presence: "ws",
    ping: "ws",
  },
};

/**
 * How every SQS queue a function consumes is consumed (infra/queues.ts): stream on-failure
 * queues and the bus rules' dead-letter queues. Messages per invocation (no batching window),
 * with partial batch responses; after `maxReceives` failed receives a message is parked in the
 * queue's own dead-letter queue (kept `parkedRetentionDays`, the SQS maximum), which is alarmed.
 */
export const queueConsumers = { batchSize: 10, maxReceives: 5, parkedRetentionDays: 14 } as const;

/** Source and detail type of the one event per committed document batch. */
export const COMMITTED_EVENT = { source: "weft", detailType: "weft.ops.committed" } as const;

const committed = { source: [COMMITTED_EVENT.source], "detail-type": [COMMITTED_EVENT.detailType] };
export const rules = {
  search: {
    pattern: committed,
    target: "search",
    retry: { maximumRetryAttempts: 8, maximumEventAgeInSeconds: 3600 },
    deadLetter: "busDeadLetters",
  },
  notify: {
    pattern: committed,
    target: "notify",
    retry: { maximumRetryAttempts: 8, maximumEventAgeInSeconds: 3600 },
    deadLetter: "busDeadLetters",
  },
} satisfies Record<string, RuleSpec>;

export const schedules = {
  timers: { function: "timers", rate: "rate(1 minute)", loopSeconds: 55, localEveryMs: 200 },
  searchTimers: { function: "searchTimers", rate: "rate(1 minute)", loopSeconds: 55, localEveryMs: 250 },
  logCompactor: { function: "logCompactor", rate: "rate(1 minute)", loopSeconds: 55, localEveryMs: 1000 },
  notifyTimers: { function: "notifyTimers", rate: "rate(1 minute)", loopSeconds: 55, localEveryMs: 250 },
  notifyFanout: { function: "notifyFanout", rate: "rate(1 minute)", loopSeconds: 55, localEveryMs: 250 },
  tokenExpiry: { function: "tokenExpiry", rate: "rate(1 minute)", loopSeconds: 55, localEveryMs: 1000 },
} satisfies Record<string, ScheduleSpec>;

const http = "http" as const;
export const routes: RouteSpec[] = [
  { method: "GET", path: "/health", function: http },
  { method: "POST", path: "/v1/docs/{docId}/ops", function: http },
  { method: "GET", path: "/v1/docs/{docId}/ops", function: http },
  { method: "GET", path: "/v1/docs/{docId}/ops/{opId}", function: http },
  { method: "GET", path: "/v1/admin/quarantine", function: http },
  { method: "GET", path: "/v1/admin/metrics", function: http },
  { method: "GET", path: "/v1/docs/{docId}", function: http },
  { method: "POST", path: "/v1/admin/docs/{docId}/rebuild", function: http },
  { method: "GET", path: "/v1/admin/audit", function: http },
  { method: "GET", path: "/v1/search", function: http },
  { method: "GET", path: "/v1/admin/dead-letters", function: http },
  { method: "POST", path: "/v1/admin/dead-letters/{id}/redrive", function: http },
  { method: "POST", path: "/v1/notify", function: http },
  { method: "GET", path: "/v1/me/notifications", function: http },
  { method: "POST", path: "/v1/me/notifications/read", function: http },
  { method: "GET", path: "/v1/me/notifications/{id}/explain", function: http },
  { method: "GET", path: "/v1/me/preferences", function: http },
  { method: "PUT", path: "/v1/me/preferences", function: http },
  { method: "POST", path: "/v1/me/devices", function: http },
  { method: "DELETE", path: "/v1/me/devices/{id}", function: http },
  { method: "GET", path: "/v1/admin/notifications/decisions", function: http },
  { method: "PUT", path: "/v1/admin/users/{userId}/contacts", function: http },
  { method: "GET", path: "/v1/admin/notifications/policy", function: http },
  { method: "PUT", path: "/v1/admin/notifications/policy", function: http },
  { method: "GET", path: "/v1/admin/access/policy", function: http },
  { method: "PUT", path: "/v1/admin/access/policy", function: http },
];

/**
 * SST secrets: per-stage settings stored by SST (`npx sst secret set <Name> <value> --stage
 * <stage>`), linked to the functions that read them (every function, or those with
 * `channels: true`) and read at run time through SST's `Resource` (packages/functions/src/linked.ts).
 * They are never copied into a function's environment: Lambda allows 4 KB of environment in all
 * (an FCM service account alone is ~2.3 KB), and environment values are plaintext in the
 * function's configuration, while SST encrypts links into the bundle.
 *
 * `optional: true` secrets get an empty placeholder: left empty, the feature they configure is
 * off (a provider without settings is not used). A required secret has none, so SST refuses to
 * deploy a stage until it is set, instead of shipping functions that reject every token.
 */
export interface SecretSpec {
  linkedTo: "all" | "channels";
  optional: boolean;
  /** What to set, for docs/deploy.md. */
  description: string;
}

export const secrets = {
  JwtJwksUrl: { linkedTo: "all", optional: false, description: "JWKS URL of the identity provider whose tokens the API accepts" },
  JwtIssuer: { linkedTo: "all", optional: false, description: "required `iss` of those tokens" },
  JwtAudience: { linkedTo: "all", optional: false, description: "required `aud` of those tokens" },
  NotifySesFrom: { linkedTo: "channels", optional: true, description: "email sender address (a verified SES identity); empty = no email" },
  NotifySmsEnabled: { linkedTo: "channels", optional: true, description: '"1" sends SMS through SNS; empty = no SMS' },
  NotifySmsSenderId: { linkedTo: "channels", optional: true, description: "SNS SMS sender id (optional)" },
  NotifySmsOriginationNumber: { linkedTo: "channels", optional: true, description: "SNS SMS origination number (optional)" },
  NotifyVapidPublicKey: { linkedTo: "channels", optional: true, description: "web push VAPID public key; the three VAPID settings go together" },
  NotifyVapidPrivateKey: { linkedTo: "channels", optional: true, description: "web push VAPID private key" },
  NotifyVapidSubject: { linkedTo: "channels", optional: true, description: "web push VAPID subject (mailto: or https: URL)" },
  NotifyFcmServiceAccount: { linkedTo: "channels", optional: true, description: "Firebase service account key file (JSON) for Android push" },
  NotifyApnsKey: { linkedTo: "channels", optional: true, description: "APNs auth key (.p8 PEM); the four APNs settings go together" },
  NotifyApnsKeyId: { linkedTo: "channels", optional: true, description: "APNs key id" },
  NotifyApnsTeamId: { linkedTo: "channels", optional: true, description: "Apple team id" },
  NotifyApnsTopic: { linkedTo: "channels", optional: true, description: "APNs topic (the app's bundle id)" },
  NotifyApnsSandbox: { linkedTo: "channels", optional: true, description: '"1" uses the APNs sandbox (development builds)' },
} satisfies Record<string, SecretSpec>;

export type SecretName = keyof typeof secrets;
export type TableName = keyof typeof tables;
export type BucketName = keyof typeof buckets;

/**
 * The SST component (and link) name of a manifest table: `inbox` -> `InboxTable`. A function
 * linked to it reads the physical name as `Resource.InboxTable.name`.
 */
export function tableLink(table: string): string {
  return `${table.charAt(0).toUpperCase()}${table.slice(1)}Table`;
}

/**
 * The environment variable through which SST passes a link where there is no encrypted bundle
 * (`sst dev`, `sst shell`, and the local stack): `SST_RESOURCE_<Name>` = the link's JSON.
 */
export function linkEnvVar(link: string): string {
  return `SST_RESOURCE_${link}`;
}

/**
 * Plain environment variables (small, not secret): the bus and WebSocket wiring (see
 * FunctionSpec.bus / webSocket), the SES configuration set, the local stack's outbox, and the
 * metrics flush interval.
 */
export const ENV = {
  eventBus: "WEFT_EVENT_BUS",
  eventsEndpoint: "WEFT_EVENTS_ENDPOINT",
  webSocketEndpoint: "WEFT_WS_ENDPOINT",
  sesConfigurationSet: "WEFT_SES_CONFIGURATION_SET",
  /** Set by the local stack only: every notification channel delivers to its outbox at this base URL. */
  outboxEndpoint: "WEFT_OUTBOX_ENDPOINT",
  /**
   * The admin metrics' flush interval in ms (core MetricsRecorder). Infra leaves it unset, so
   * deployed functions use the recorder's default (10 s); the local stack sets 0 so the counters
   * are exact after every invocation.
   */
  metricsFlushMs: "WEFT_METRICS_FLUSH_MS",
  /** The committed-batch stream's name (kinesisStreams.committed), set where the room tier runs. */
  committedStream: "WEFT_COMMITTED_STREAM",
  /** Set by the local stack only: the local Kinesis endpoint. */
  kinesisEndpoint: "WEFT_KINESIS_ENDPOINT",
  /** The local stack's S3 endpoint (packages/local s3-local); unset on AWS. */
  s3Endpoint: "WEFT_S3_ENDPOINT",
  /** The room tier's committed-stream flush interval in ms (default: rooms/room-wiring.ts COMMITTED_FLUSH_MS). */
  committedFlushMs: "WEFT_COMMITTED_FLUSH_MS",
  /** The room tier's group-commit delay for busy documents in ms, 0 = off (default: core rooms/room-sequencer.ts ROOM_COMMIT_DELAY). */
  roomCommitDelayMs: "WEFT_ROOM_COMMIT_DELAY_MS",
  /** How long after a subscription the room tier checks its document's materialization (default: rooms/room-wiring.ts MATERIALIZED_CHECK_MS). */
  materializedCheckMs: "WEFT_MATERIALIZED_CHECK_MS",
  /** Least ms between two head writes of a document by one materializer process (default: core snapshot-policy.ts headEveryMs). */
  materializerHeadMs: "WEFT_MATERIALIZER_HEAD_MS",
  /** `off`: the room tier's sockets do not take permessage-deflate (rooms/wire-bytes.ts; default on). */
  roomsDeflate: "WEFT_ROOMS_DEFLATE",
  /** `off`: room tasks take no document leases and sequence every change where it arrives (core rooms/doc-ownership.ts; default on). */
  roomsOwnership: "WEFT_ROOMS_OWNERSHIP",
  /** How long a stopping room task takes to close its sockets, in ms (default: rooms/room-server.ts ROOM_DRAIN_MS; 0 = all at once). */
  roomsDrainMs: "WEFT_ROOMS_DRAIN_MS",
  /**
   * Where the committed stream stands in the durable order (functions/src/log-writer-mode.ts):
   * `off` (unset: infra sets nothing), `shadow` (the log writer writes the streamLog table beside
   * the log), `on` (step 3, being built: the room tier commits through the stream and the log
   * writer writes the log). The local stack sets `shadow`; `npm run bench -- cost` leaves it off
   * unless `--logWriter shadow|on`.
   */
  logWriter: "WEFT_LOG_WRITER",
} as const;

export { rooms, type RoomsSpec } from "./manifest-rooms.js";
export const manifest = { tables, buckets, functions, subscriptions, kinesisStreams, kinesisSubscriptions, schedules, routes, webSocket, rules, secrets, rooms };
export type Manifest = typeof manifest;
