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
}

export interface FunctionSpec {
  /** `<file without extension>.<export>`, relative to the repo root (SST's handler syntax). */
  handler: string;
  timeoutSeconds: number;
  memoryMB: number;
  /** Tables the function reads/writes; each becomes env `WEFT_TABLE_<NAME>` and an IAM grant. */
  tables: Array<keyof typeof tables>;
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
  inbox: { partitionKey: "pk", sortKey: "sk", stream: "new-image", ttl: "expiresAt" },
  log: { partitionKey: "pk", sortKey: "sk" },
  state: { partitionKey: "pk", sortKey: "sk" },
  quarantine: { partitionKey: "pk", sortKey: "sk", ttl: "expiresAt" },
} satisfies Record<string, TableSpec>;

export const functions = {
  http: {
    handler: "packages/functions/src/handlers/http.handler",
    timeoutSeconds: 10,
    memoryMB: 1024,
    tables: ["inbox", "log", "state", "quarantine"],
  },
  sequencer: {
    handler: "packages/functions/src/handlers/sequencer.handler",
    timeoutSeconds: 60,
    memoryMB: 1024,
    tables: ["inbox", "log", "state", "quarantine"],
  },
  streamFailures: {
    handler: "packages/functions/src/handlers/stream-failures.handler",
    timeoutSeconds: 60,
    memoryMB: 512,
    // It re-runs the sequencer on each record of a failed batch, so it needs what the sequencer needs.
    tables: ["inbox", "log", "state", "quarantine"],
  },
  timers: {
    handler: "packages/functions/src/handlers/timers.handler",
    timeoutSeconds: 70,
    memoryMB: 256,
    tables: ["inbox", "state"],
  },
} satisfies Record<string, FunctionSpec>;

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
} satisfies Record<string, StreamSubscriptionSpec>;

export const schedules = {
  timers: { function: "timers", rate: "rate(1 minute)", loopSeconds: 55, localEveryMs: 200 },
} satisfies Record<string, ScheduleSpec>;

const http = "http" as const;
export const routes: RouteSpec[] = [
  { method: "GET", path: "/health", function: http },
  { method: "POST", path: "/v1/docs/{docId}/ops", function: http },
  { method: "GET", path: "/v1/docs/{docId}/ops", function: http },
  { method: "GET", path: "/v1/docs/{docId}/ops/{opId}", function: http },
  { method: "GET", path: "/v1/admin/quarantine", function: http },
  { method: "GET", path: "/v1/admin/metrics", function: http },
];

/** Env var through which a function learns a table's physical name. */
export function tableEnvVar(table: string): string {
  return `WEFT_TABLE_${table.toUpperCase()}`;
}

export const manifest = { tables, functions, subscriptions, schedules, routes };
export type Manifest = typeof manifest;
