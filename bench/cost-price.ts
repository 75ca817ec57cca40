import {
  billProduct,
  measured,
  notMeasurable,
  scheduleUsagePerMonth,
  type CapacityMode,
  type ContainerService,
  type KinesisStreamBilling,
  type ProductCost,
  type StoredData,
  type UsageLine,
} from "../packages/core/src/cost/index.js";
import { capacityOf, functions, kinesisStreams, kinesisSubscriptions, LAMBDA_ARCHITECTURE, rooms, schedules, tables, type TableSpec } from "../infra/manifest.js";
import { ROOMS_FUNCTION } from "../packages/functions/src/rooms/room-server.js";
import type { ProductSpec } from "./cost-products.js";

/** What one product's workload measured. */
export interface MeasuredRun {
  events: number;
  eventsByKind: Record<string, number>;
  /** Usage of the run, the scheduled functions' idle polling taken out. */
  usage: UsageLine[];
  /** The scheduled functions' idle usage per ms (locally: one tick per `localEveryMs`). */
  idle: UsageLine[];
  elapsedMs: number;
  /** Bytes each table grew by during the run (DescribeTable's TableSizeBytes). */
  tableGrowth: Record<string, number>;
  /** Bytes each manifest bucket grew by during the run (its objects' sizes), by logical name. */
  bucketGrowth?: Record<string, number>;
  /**
   * Per table with a TTL, how long its growth stays, in days: the run's growth weighted item by
   * item by each item's own TTL (cost-ttl-growth.ts). Tables not listed keep TABLE_RETENTION_DAYS.
   */
  retentionDays?: Record<string, number>;
  load: Record<string, unknown>;
}

/** What "kept forever" is billed as: the stored data of a year. */
export const STORAGE_HORIZON_DAYS = 365;

/**
 * How long Weft keeps what each table holds (the TTLs it sets; no TTL = kept, billed at the
 * 1-year horizon). For a table with a TTL attribute the bench measures it item by item instead
 * (MeasuredRun.retentionDays); then this is what its items without a TTL count as.
 */
export const TABLE_RETENTION_DAYS: Record<string, number | "forever"> = {
  inbox: 7,
  log: "forever",
  state: "forever",
  quarantine: 30,
  docs: "forever",
  connections: 1,
  // Access events only (TTL 400 days); the per-op records are derived from the log, not stored.
  audit: 400,
  search: "forever",
  deadLetters: 30,
  // Per item (MeasuredRun.retentionDays): dedupe pages 7 days, decision records 30, sender
  // budgets hours, feed items 180 days after their last version; the per-user items set no TTL,
  // so they count as kept.
  notify: "forever",
};

/** How long Weft keeps what each bucket holds: the log's segments, as the log table's (kept). */
export const BUCKET_RETENTION_DAYS: Record<string, number | "forever"> = {
  segments: "forever",
};

/** A scheduled loop on AWS ticks every 250 ms (packages/functions/src/handlers/timer-loop.ts). */
const AWS_TICK_MS = 250;

/**
 * The scheduled functions' fixed monthly usage on AWS: one Scheduler invocation a minute per
 * schedule, each a Lambda invocation billed for its whole loop, and per tick of the loop the
 * idle work measured locally (one local invocation = one tick).
 */
export function scheduledFixedUsage(idlePerMs: UsageLine[]): UsageLine[] {
  return scheduleUsagePerMonth(
    Object.values(schedules).map((s) => {
      const ticks = (s.loopSeconds * 1000) / AWS_TICK_MS;
      const perTick = idlePerMs.filter((l) => l.fn === s.function && !l.unit.startsWith("lambda.") && !l.unit.startsWith("scheduler."));
      return {
        fn: s.function,
        everySeconds: 60,
        billedMsPerInvocation: s.loopSeconds * 1000,
        perInvocation: perTick.map((l) => ({ unit: l.unit, resource: l.resource, quantity: l.quantity * s.localEveryMs * ticks })),
      };
    }),
  );
}

/** The manifest's table classes: table -> class, for the tables not of the standard class. */
const TABLE_CLASSES = Object.fromEntries(Object.entries(tables as Record<string, TableSpec>).flatMap(([name, spec]) => (spec.tableClass ? [[name, spec.tableClass]] : [])));

/** A local table's manifest name (`weft-local-log` -> `log`): the report names tables as the manifest does. */
export const logicalTable = (physical: string) => physical.replace(/^weft-local-/, "");

/**
 * Tables' growth per event as stored data, each with its retention, attributed to the function
 * that wrote the most units to it.
 */
function storedData(run: MeasuredRun): StoredData[] {
  const writer = (table: string) =>
    run.usage
      .filter((l) => l.unit === "dynamodb.writeUnits" && l.resource === table)
      .sort((a, b) => b.quantity - a.quantity)[0]?.fn;
  const tables = Object.entries(run.tableGrowth)
    .filter(([, bytes]) => bytes > 0)
    .map(([table, bytes]) => {
      const name = logicalTable(table);
      const fn = writer(name);
      const ia = TABLE_CLASSES[name] === "standard-ia";
      return { name, store: ia ? ("dynamodb-ia" as const) : ("dynamodb" as const), bytesPerEvent: bytes / run.events, retentionDays: run.retentionDays?.[name] ?? TABLE_RETENTION_DAYS[name] ?? "forever", ...(fn ? { fn } : {}) };
    });
  const bucketWriter = (bucket: string) =>
    run.usage
      .filter((l) => l.unit === "s3.putRequests" && l.resource === bucket)
      .sort((a, b) => b.quantity - a.quantity)[0]?.fn;
  const buckets = Object.entries(run.bucketGrowth ?? {})
    .filter(([, bytes]) => bytes > 0)
    .map(([name, bytes]) => {
      const fn = bucketWriter(name);
      return { name, store: "s3" as const, bytesPerEvent: bytes / run.events, retentionDays: BUCKET_RETENTION_DAYS[name] ?? "forever", ...(fn ? { fn } : {}) };
    });
  return [...tables, ...buckets];
}

/** Each table's capacity mode as deployed on `stage` (infra/manifest.ts `capacityOf`); unlisted tables are on-demand. */
export function stageCapacity(stage: string): Record<string, CapacityMode> {
  return Object.fromEntries(
    Object.entries(tables).flatMap(([name, spec]) => {
      const c = capacityOf(spec, stage);
      return c ? [[name, { mode: "provisioned" as const, targetUtilization: c.targetUtilization }]] : [];
    }),
  );
}

/** The product's bill at its average and peak rates, or "not yet measurable"; tables billed as deployed on `stage`. */
export function priceProduct(product: ProductSpec, run: MeasuredRun | undefined, stage = "production"): ProductCost {
  if (!run || product.notYet) return notMeasurable(product.name, product.notYet ?? "no workload");
  if (run.events <= 0) throw new Error(`${product.id}: the workload produced no events`);
  // A product whose load opened no room socket has no room tier: what the previous product's
  // tasks still do as they wind down (their timers' slices, tens of ms) is not its usage.
  if (!(run.load as { connections?: number } | undefined)?.connections) run = { ...run, usage: run.usage.filter((l) => l.fn !== ROOMS_FUNCTION) };
  run = { ...run, usage: run.usage.map((l) => (l.resource ? { ...l, resource: logicalTable(l.resource) } : l)), tableGrowth: Object.fromEntries(Object.entries(run.tableGrowth).map(([t, b]) => [logicalTable(t), b])), ...(run.retentionDays ? { retentionDays: Object.fromEntries(Object.entries(run.retentionDays).map(([t, d]) => [logicalTable(t), d])) } : {}) };
  const bill = billProduct({
    product: product.name,
    usage: run.usage,
    events: run.events,
    rates: { average: product.averagePerSec, peak: product.peakPerSec },
    memoryMB: Object.fromEntries(Object.entries(functions).map(([name, f]) => [name, f.memoryMB])),
    architecture: LAMBDA_ARCHITECTURE,
    capacity: stageCapacity(stage),
    tableClass: TABLE_CLASSES,
    fixedMonthly: scheduledFixedUsage(run.idle),
    storage: { items: storedData(run), horizonDays: STORAGE_HORIZON_DAYS },
    budgetUsd: product.budgetUsdPerMonth,
    ...(product.budgetExcludes ? { budgetExcludes: product.budgetExcludes } : {}),
    ...(run.usage.some((l) => l.fn === ROOMS_FUNCTION) ? { containers: { [ROOMS_FUNCTION]: roomTier(product, run) } } : {}),
    ...(run.usage.some((l) => l.unit.startsWith("kinesis.")) ? { streams: kinesisBilling() } : {}),
  });
  return measured(bill);
}

/** The manifest's Kinesis streams as deployed (infra/kinesis-streams.ts): provisioned, their shards the least, and their consumers. */
function kinesisBilling(): Record<string, KinesisStreamBilling> {
  return Object.fromEntries(
    Object.entries(kinesisStreams).map(([name, spec]) => {
      const subs = Object.values(kinesisSubscriptions).filter((s) => s.stream === name);
      const billing: KinesisStreamBilling = {
        mode: "provisioned",
        minShards: spec.shards,
        efoConsumers: subs.filter((s) => s.enhancedFanOut).length,
        standardConsumers: subs.filter((s) => !s.enhancedFanOut).length,
      };
      return [name, billing];
    }),
  );
}

/**
 * The room tier as deployed (infra/manifest-rooms.ts) for the product's rates: its tasks' size,
 * scaling target and connections per task, and the connections open at each rate, scaled from
 * the workload's (one per member and document, at the rate the load is paced to).
 */
function roomTier(product: ProductSpec, run: MeasuredRun): ContainerService {
  const load = run.load as { connections?: number; nominalEventsPerSec?: number };
  if (!load.connections || !load.nominalEventsPerSec) throw new Error(`${product.id}: the room tier's usage came from a load that reports no connections`);
  const open = (rate: number) => Math.ceil((load.connections! * rate) / load.nominalEventsPerSec!);
  return {
    vcpu: Number.parseFloat(rooms.cpu),
    memoryGb: Number.parseFloat(rooms.memory),
    architecture: rooms.architecture,
    targetUtilization: rooms.scaling.cpuUtilization / 100,
    minTasks: rooms.scaling.min,
    maxConnectionsPerTask: rooms.maxConnectionsPerTask,
    capacity: rooms.capacity,
    activeConnections: { average: open(product.averagePerSec), peak: open(product.peakPerSec) },
  };
}
