import {
  LOG_HOT_RETENTION_MS,
  type DocRef,
  AclReader,
  TtlCache,
  DEFAULT_ACCESS_POLICY,
  DEFAULT_METRICS_FLUSH_MS,
  DEFAULT_SEQUENCER_CONFIG,
  type AccessPolicy,
  type AccessPolicyStore,
  MetricsRecorder,
  Sequencer,
  DocStates,
  jsonLineSink,
  notifyRejected,
  type AuditStore,
  type Bus,
  type Clock,
  type ConnectionStore,
  type Gateway,
  type DocStateStore,
  type DeadLetterStore,
  type InboxStore,
  type LogStore,
  type MetricsStore,
  type QuarantineStore,
  type SearchIndexStore,
  type SequencerHeads,
  type SequencerStateStore,
  type TimerStore,
  type DocLeaseStore,
  type FanoutDeps,
  type SequencerDeps,
} from "@weft/core";
import { ENV, type TableName } from "../../../infra/manifest.js";
import { linkedBucket, linkedTable } from "./linked.js";
import { s3Client } from "./adapters/s3/client.js";
import { S3ObjectStore } from "./adapters/s3/object-store.js";
import { gatewayFromEnv } from "./adapters/apigw/routing-gateway.js";
import { clockFromEnv } from "./clock.js";
import { notifyWiring, type NotifyWiring } from "./notify/notify-wiring.js";
import { CapacityAccumulator } from "./adapters/dynamo/capacity.js";
import { DynamoConnectionStore } from "./adapters/dynamo/connection-store.js";
import { dynamoClient } from "./adapters/dynamo/client.js";
import { DynamoDocStateStore } from "./adapters/dynamo/doc-state-store.js";
import { DynamoInboxStore } from "./adapters/dynamo/inbox-store.js";
import { DynamoLogStore, LOG_COMPACTION_TIMERS } from "./adapters/dynamo/log-store.js";
import { DynamoMetricsStore } from "./adapters/dynamo/metrics-store.js";
import { DynamoQuarantineStore } from "./adapters/dynamo/quarantine-store.js";
import { DynamoSequencerStateStore } from "./adapters/dynamo/sequencer-state-store.js";
import { DynamoTimerStore } from "./adapters/dynamo/timer-store.js";
import { DynamoDocLeaseStore } from "./adapters/dynamo/doc-lease-store.js";
import { DynamoDeadLetterStore } from "./adapters/dynamo/dead-letter-store.js";
import { DynamoAuditStore } from "./adapters/dynamo/audit-store.js";
import { DynamoSearchIndexStore } from "./adapters/dynamo/search-index-store.js";
import { EventBridgeBus, eventBridgeClient } from "./adapters/eventbridge/bus.js";
import { DynamoAccessPolicyStore } from "./adapters/dynamo/access-policy-store.js";

/** How long a process trusts a tenant's cached access policy: a change applies to new documents within this. */
export const ACCESS_POLICY_TTL_MS = 2000;

export interface Wiring {
  inbox: InboxStore;
  log: LogStore;
  /**
   * Compacts a document's batch items into segments (DynamoLogStore.compact), for the log
   * compactor function.
   */
  compactLog: (doc: DocRef) => Promise<{ segments: number; ops: number; through: number }>;
  /** When documents' logs are due for compaction (the state table, prefix "log-compact"); see LOG_HOT_RETENTION_MS. */
  logCompactionTimers: TimerStore;
  /**
   * The log the log writer writes from the committed stream (the streamLog table; shadow of
   * `log` until the stream is the durable order: handlers/log-writer.ts). Items expire after
   * STREAM_LOG_SHADOW_RETENTION_MS.
   */
  streamLog: DynamoLogStore;
  state: SequencerStateStore;
  /** The sequencer run's first reads (the same store as `state`: the checkpoint with the log's tail in one Query). */
  sequencerHeads: SequencerHeads;
  timers: TimerStore;
  /** Which room task owns which document (the state table, sk "lease"; core rooms/doc-ownership.ts). */
  docLeases: DocLeaseStore;
  quarantine: QuarantineStore;
  metricsStore: MetricsStore;
  metrics: MetricsRecorder;
  clock: Clock;
  sequencer: Sequencer;
  /** Materialized document states (the docs table) kept up to date from the log. */
  docStates: DocStates;
  docStateStore: DocStateStore;
  /** The event bus (EventBridge): WEFT_EVENT_BUS names it, WEFT_EVENTS_ENDPOINT points at the local stack's. */
  bus: Bus;
  /** Bus events whose rule target failed (the deadLetters table). */
  deadLetters: DeadLetterStore;
  /** Live WebSocket connections, subscriptions and presence (the connections table). */
  connections: ConnectionStore;
  /** Posts to WebSocket connections: the API Gateway management API at WEFT_WS_ENDPOINT. */
  gateway: Gateway;
  /** The audit trail's access events (the audit table; its per-op records are derived from the log on read). */
  auditStore: AuditStore;
  /** The search consumer's inverted index (the search table). */
  searchIndex: SearchIndexStore;
  /** Deferred search index writes (debounce), kept in the search table apart from the sequencer's timers. */
  searchTimers: TimerStore;
  /** The notification engine's stores, channels and service (the notify table). */
  notify: NotifyWiring;
  /** Consumed DynamoDB capacity of every call this process made (read by the benchmark). */
  meter: CapacityAccumulator;
  /** Documents' current ACLs for the request path (cached; see core access/acl-reader.ts). */
  acls: AclReader;
  /** When WebSocket connections' tokens expire (the connections table; keyed {tenant, docId: connectionId}). */
  tokenTimers: TimerStore;
  /** Tenants' access policies (the state table). */
  accessPolicies: AccessPolicyStore;
  /** A tenant's access policy, cached for ACCESS_POLICY_TTL_MS (defaults when never set). */
  accessPolicy: (tenant: string) => Promise<AccessPolicy>;
  /** Forgets this process's cached access policy of a tenant (after it changed it). */
  forgetAccessPolicy: (tenant: string) => void;
}

let current: Wiring | undefined;

function table(name: TableName, env: NodeJS.ProcessEnv): string {
  const value = linkedTable(name, env);
  if (!value) throw new Error(`this function is not linked to the ${name} table`);
  return value;
}

/**
 * The metrics recorder's flush interval: WEFT_METRICS_FLUSH_MS, unset = DEFAULT_METRICS_FLUSH_MS
 * (what deployed functions run with: infra does not set it). The local stack sets 0.
 */
export function metricsFlushMs(env: NodeJS.ProcessEnv): number {
  const raw = env[ENV.metricsFlushMs];
  if (raw === undefined || raw === "") return DEFAULT_METRICS_FLUSH_MS;
  const ms = Number(raw);
  if (!Number.isFinite(ms) || ms < 0) throw new Error(`${ENV.metricsFlushMs} must be a number of ms >= 0, got "${raw}"`);
  return ms;
}

/** What live delivery (core/live) needs, read from the wiring without touching other adapters. */
export function liveDeps(w: Wiring) {
  return { connections: w.connections, gateway: w.gateway, log: w.log, clock: w.clock, logSink: jsonLineSink };
}

/** What the WebSocket routes (core/live/session.ts) need: live delivery plus access checks and token expiry timers. */
export function sessionDeps(w: Wiring) {
  return { ...liveDeps(w), acls: w.acls, state: w.state, tokenTimers: w.tokenTimers };
}

/** A stand-in for an adapter this function is not wired to: every method call rejects, saying so. */
function unwired<T extends object>(what: string): T {
  const fail = () => Promise.reject(new Error(`this function is not wired to ${what}`));
  return new Proxy({} as T, { get: (_, key) => (key === "then" ? undefined : fail) });
}

/** Defines `key` on `target` as a getter that builds the value on first use and keeps it. */
function lazy<T extends object, K extends keyof T>(target: T, key: K, build: () => T[K]): void {
  let value: T[K] | undefined;
  Object.defineProperty(target, key, { enumerable: true, get: () => (value ??= build()) });
}

/**
 * The adapters one process (a Lambda container, or the local stack) uses, built from the
 * environment: table names from the function's linked tables (linked.ts), DynamoDB Local via WEFT_DYNAMO_ENDPOINT, the hold
 * window from WEFT_HOLD_WINDOW_MS, the metrics flush interval from WEFT_METRICS_FLUSH_MS. Each adapter is built on first use, so a function needs only
 * the tables it touches (the manifest lists them; infra grants exactly those).
 */
export function wiring(env: NodeJS.ProcessEnv = process.env): Wiring {
  if (current) return current;
  const client = dynamoClient(env.WEFT_DYNAMO_ENDPOINT);
  const meter = new CapacityAccumulator();
  const opts = (name: TableName) => ({ client, table: table(name, env), meter });
  const w = { clock: clockFromEnv(env), meter } as Wiring;
  lazy(w, "inbox", () => new DynamoInboxStore(opts("inbox")));
  // Batch items expire after the hot retention where this process can schedule their
  // compaction (the state table holds the timers); a function without it keeps them.
  lazy(w, "logCompactionTimers", () =>
    linkedTable("state", env) ? new DynamoTimerStore({ ...opts("state"), ...LOG_COMPACTION_TIMERS }) : unwired<TimerStore>("the state table"),
  );
  // The log's segment bodies, where this process is linked to the segments bucket (everything
  // linked to the log table is, on AWS and in the local stack); without it they stay in the items.
  const segmentsBucket = linkedBucket("segments", env);
  let segments: S3ObjectStore | undefined;
  const segmentObjects = () => (segmentsBucket ? (segments ??= new S3ObjectStore({ client: s3Client(env[ENV.s3Endpoint]), bucket: segmentsBucket })) : undefined);
  let dynamoLog: DynamoLogStore | undefined;
  const logStore = () =>
    (dynamoLog ??= new DynamoLogStore({
      ...opts("log"),
      ...(segmentsBucket ? { segmentObjects: segmentObjects() } : {}),
      now: () => w.clock.now(),
      ...(linkedTable("state", env) ? { hot: { retentionMs: LOG_HOT_RETENTION_MS, timers: w.logCompactionTimers } } : {}),
    }));
  lazy(w, "log", logStore);
  lazy(w, "streamLog", () =>
    linkedTable("streamLog", env)
      ? new DynamoLogStore({ ...opts("streamLog"), now: () => w.clock.now(), expireAfterMs: STREAM_LOG_SHADOW_RETENTION_MS })
      : unwired<DynamoLogStore>("the streamLog table"),
  );
  w.compactLog = (doc) => logStore().compact(doc);
  // The checkpoint item lives in the log table, read with the log's last batch (LOG_CHECKPOINT_SK).
  let dynamoState: DynamoSequencerStateStore | undefined;
  const stateStore = () =>
    (dynamoState ??= new DynamoSequencerStateStore({ ...opts("state"), checkpointTable: table("log", env), ...(segmentsBucket ? { segmentObjects: segmentObjects() } : {}) }));
  lazy(w, "state", stateStore);
  lazy(w, "sequencerHeads", stateStore);
  lazy(w, "timers", () => new DynamoTimerStore(opts("state")));
  lazy(w, "docLeases", () => new DynamoDocLeaseStore(opts("state")));
  lazy(w, "quarantine", () => new DynamoQuarantineStore(opts("quarantine")));
  lazy(w, "metricsStore", () => new DynamoMetricsStore(opts("state")));
  lazy(w, "docStateStore", () => new DynamoDocStateStore(opts("docs")));
  lazy(w, "docStates", () => {
    const headEveryMs = env[ENV.materializerHeadMs];
    return new DocStates({ log: w.log, store: w.docStateStore, clock: w.clock, config: headEveryMs === undefined ? {} : { headEveryMs: Number(headEveryMs) } });
  });
  // Building never throws (handlers spread the wiring); a function without the bus fails on publish.
  lazy(w, "bus", () => {
    const name = env[ENV.eventBus];
    if (!name) return { publish: async () => Promise.reject(new Error(`${ENV.eventBus} is not set: this function is not wired to the event bus`)) };
    return new EventBridgeBus({ client: eventBridgeClient(env[ENV.eventsEndpoint]), eventBusName: name });
  });
  lazy(w, "deadLetters", () => new DynamoDeadLetterStore(opts("deadLetters")));
  // Building never throws (the http handler spreads the wiring); a function without the table fails on use.
  lazy(w, "auditStore", () => (linkedTable("audit", env) ? new DynamoAuditStore(opts("audit")) : unwired<AuditStore>("the audit table")));
  lazy(w, "searchTimers", () =>
    linkedTable("search", env) ? new DynamoTimerStore({ ...opts("search"), prefix: "search-timers" }) : unwired<TimerStore>("the search table"),
  );
  lazy(w, "searchIndex", () =>
    linkedTable("search", env) ? new DynamoSearchIndexStore(opts("search")) : unwired<SearchIndexStore>("the search table"),
  );
  lazy(w, "notify", () =>
    linkedTable("notify", env)
      ? notifyWiring({ table: opts("notify"), clock: w.clock, docStates: () => w.docStates, connections: () => w.connections, gateway: () => w.gateway, env })
      : unwired<NotifyWiring>("the notify table"),
  );
  lazy(w, "accessPolicies", () => new DynamoAccessPolicyStore(opts("state")));
  const policies = new TtlCache<AccessPolicy>(ACCESS_POLICY_TTL_MS, 10_000);
  w.accessPolicy = (tenant) => policies.get(tenant, async () => (await w.accessPolicies.get(tenant)) ?? DEFAULT_ACCESS_POLICY);
  w.forgetAccessPolicy = (tenant) => policies.delete(tenant);
  lazy(w, "acls", () => new AclReader({ state: w.state, log: w.log, states: linkedTable("docs", env) ? w.docStates : undefined }));
  lazy(w, "metrics", () => new MetricsRecorder(w.metricsStore, jsonLineSink, () => w.clock.now(), { intervalMs: metricsFlushMs(env) }));
  // Like the bus: building never throws; a function not wired to the WebSocket API fails on use.
  const webSocket = Boolean(linkedTable("connections", env) && env[ENV.webSocketEndpoint]);
  lazy(w, "connections", () =>
    linkedTable("connections", env) ? new DynamoConnectionStore(opts("connections")) : unwired<ConnectionStore>("the connections table"),
  );
  lazy(w, "tokenTimers", () =>
    linkedTable("connections", env) ? new DynamoTimerStore({ ...opts("connections"), prefix: "token-expiry" }) : unwired<TimerStore>("the connections table"),
  );
  lazy(w, "gateway", () => (env[ENV.webSocketEndpoint] ? gatewayFromEnv(env) : unwired<Gateway>("the WebSocket API")));
  lazy(w, "sequencer", () => new Sequencer({ inbox: w.inbox, ...sequencerDeps(w, webSocket ? liveDeps(w) : undefined, env) }));
  current = w;
  return w;
}

/** How long the log writer's shadow items are kept: enough to compare them with the log's, never a second year of it. */
export const STREAM_LOG_SHADOW_RETENTION_MS = 3 * 86_400_000;

/**
 * What the core sequencer runs on, but the inbox: the function's (the inbox table) and a room
 * task's (in memory, rooms/room-wiring.ts) differ only there and in the gateway `live` posts
 * rejection notices through (none: not told).
 */
export function sequencerDeps(w: Wiring, live: FanoutDeps | undefined, env: NodeJS.ProcessEnv = process.env): Omit<SequencerDeps, "inbox"> {
  return {
    log: w.log,
    state: w.state,
    heads: w.sequencerHeads,
    timers: w.timers,
    quarantine: w.quarantine,
    clock: w.clock,
    metrics: w.metrics,
    logSink: jsonLineSink,
    // A log from before access control: its ACL is computed once from the materialized state.
    states: linkedTable("docs", env) ? w.docStates : undefined,
    accessPolicy: w.accessPolicy,
    // Rejected ops are told to their submitters' live connections (best effort).
    notices: live ? { rejected: (doc, rejections) => notifyRejected(live, doc, rejections).then(() => undefined) } : undefined,
    // Access rejections (forbidden, last_owner, acl_too_large) go to the audit trail (best effort).
    accessAudit: linkedTable("audit", env) ? (doc, events) => w.auditStore.putAccessEvents(doc, events) : undefined,
    config: {
      ...DEFAULT_SEQUENCER_CONFIG,
      holdWindowMs: Number(env.WEFT_HOLD_WINDOW_MS ?? DEFAULT_SEQUENCER_CONFIG.holdWindowMs),
    },
  };
}
