import type { PriceTable } from "./prices.js";
import type { StoredData } from "./storage.js";
import type { UsageLine, UsageUnit } from "./usage.js";

/** Lambda's or a container's instruction set: prices differ (Weft's functions run x86_64 unless configured). */
export type Architecture = "x86_64" | "arm64";

/**
 * A DynamoDB table's capacity mode. On-demand bills request units as used. Provisioned bills
 * `ceil(units per second / targetUtilization)` capacity units for every hour of the month, the
 * units per second being the table's usage at the billed rate spread evenly over the month (a
 * steady rate, as target tracking would settle on); 0 < targetUtilization <= 1. AWS's minimum
 * of 1 WCU and 1 RCU per table is not added (under $0.50 a month). Only request units are
 * provisioned, per usage `resource` (a GSI metered under its own resource name is sized on its own).
 */
/** A DynamoDB table class: Standard-IA bills requests 1.25x and storage 0.4x the standard class. */
export type TableClass = "standard" | "standard-ia";

export type CapacityMode = { mode: "on-demand" } | { mode: "provisioned"; targetUtilization: number };

/**
 * A container service on ECS Fargate (the room tier, docs/rooms.md), keyed in
 * BillInput.containers by the `fn` its usage lines (`fargate.vcpuMs`, `nlb.bytes`,
 * `nlb.newConnections`) are attributed to. At each rate it runs
 * `max(minTasks, ceil(vCPU-seconds per second / (vcpu x targetUtilization)), ceil(open
 * connections / maxConnectionsPerTask))` tasks for every hour of the month, and, unless
 * `loadBalancer` is false, one Network Load Balancer with a TLS listener billed its hours and
 * NLCU-hours (prices.elb.nlcuHours). Public IPv4 addresses are not billed here.
 */
export interface ContainerService {
  /** vCPUs per task (> 0). */
  vcpu: number;
  /** Memory per task in GB (> 0). */
  memoryGb: number;
  /** The tasks' CPU architecture: prices.fargate has Linux prices for both. */
  architecture: Architecture;
  /** 0 < u <= 1: tasks are sized so the CPU work uses this share of their vCPUs (auto scaling's CPU target). */
  targetUtilization: number;
  /** The fewest tasks that run (an integer >= 1). */
  minTasks: number;
  /** Open connections one task serves at most (> 0). */
  maxConnectionsPerTask: number;
  /**
   * Open client connections at each rate (they hold memory on the tasks and NLCUs on the load
   * balancer): `average` (>= 0) at rates.average, `peak` (>= average; needs rates.peak) at
   * rates.peak. Connections scale with the event rate: a bill named "peak" at another rate
   * scales `peak` by eventsPerSecond / rates.peak, any other bill (and a "peak" one without
   * `peak`) scales `average` by eventsPerSecond / rates.average.
   */
  activeConnections: { average: number; peak?: number };
  /** Behind one Network Load Balancer with a TLS listener (default true). */
  loadBalancer?: boolean;
  /**
   * Where the tasks run (an ECS capacity provider strategy): the first `onDemandBase` on regular
   * Fargate, and of the rest `onDemandWeight` in every `onDemandWeight + spotWeight` on regular
   * Fargate and the others on Fargate Spot (billed at prices.fargate's Spot rates). Absent: all
   * on regular Fargate.
   */
  capacity?: ContainerCapacity;
}

/** ContainerService.capacity: integers, onDemandBase >= 0, weights >= 0 and not both 0. */
export interface ContainerCapacity {
  onDemandBase: number;
  onDemandWeight: number;
  spotWeight: number;
}

/**
 * A Kinesis data stream, keyed in BillInput.streams by its name (the `resource` of its
 * `kinesis.*` usage lines; every such line's stream must have one). Consumers are registered
 * enhanced fan-out (EFO) consumers (Lambda event source mappings with a consumer ARN: pushed
 * records, ~70 ms propagation) and standard ones (polling GetRecords, ~200 ms and up).
 *
 * Provisioned: at each rate the stream runs, for every hour of the month,
 * `max(minShards ?? 1, ceil(bytes/s / 1 MiB), ceil(records/s / 1,000), ceil(bytes/s x
 * standardConsumers / 2 MiB))` shards: a shard takes in 1 MiB/s or 1,000 records/s, and serves
 * 2 MiB/s of reads shared by all standard consumers, while each EFO consumer gets 2 MiB/s per
 * shard of its own (so EFO never sets the shard count; AWS allows 20 EFO consumers a stream).
 * Billed: shard-hours, PUT payload units (`kinesis.putUnits`), and per EFO consumer its
 * consumer-shard-hours and the GB it retrieves (`kinesis.bytes` once per consumer). Standard
 * reads are part of the shard-hours. Extended retention is not billed (24 hours kept).
 *
 * On-demand: one stream-hour every hour, the GB ingested (`kinesis.bytes`) and the GB
 * retrieved by every consumer (EFO and standard alike, at the on-demand retrieval price; AWS's
 * per-record 1 KB rounding of on-demand data is not applied). `minShards` is ignored.
 */
export interface KinesisStreamBilling {
  mode: "provisioned" | "on-demand";
  /** Provisioned: the fewest shards the stream keeps (an integer >= 1; default 1). */
  minShards?: number;
  /** Registered enhanced fan-out consumers (an integer >= 0). */
  efoConsumers: number;
  /** Standard (shared-throughput, GetRecords) consumers (an integer >= 0; default 0). */
  standardConsumers?: number;
}

/** What billProduct prices. Every quantity is checked; a bad input throws an Error naming it. */
export interface BillInput {
  product: string;
  /** Usage measured by a run (the benchmark's UsageMeter snapshot). */
  usage: readonly UsageLine[];
  /** How many product events the run's usage represents (> 0). */
  events: number;
  /** The product's rate in events per second: average (> 0) and optionally peak (>= average). */
  rates: { average: number; peak?: number };
  /** Each function's memory in MB; every function with `lambda.ms` usage must have one. */
  memoryMB: Readonly<Record<string, number>>;
  /** One architecture for all functions, or per function (missing ones: x86_64). Default x86_64. */
  architecture?: Architecture | Readonly<Record<string, Architecture>>;
  /** Capacity mode per table (the usage line's `resource`); tables not listed are on-demand. */
  capacity?: Readonly<Record<string, CapacityMode>>;
  /** Table class per table; tables not listed are of the standard class. Storage items name their class by `store`. */
  tableClass?: Readonly<Record<string, TableClass>>;
  /**
   * Usage per MONTH that does not scale with the event rate: schedules' invocations and their
   * Lambda time and polling (see scheduleUsagePerMonth), a fixed number of connections' minutes.
   * Added to every rate's bill as is.
   */
  fixedMonthly?: readonly UsageLine[];
  /**
   * Container services (ECS Fargate and their Network Load Balancers), keyed by the usage lines'
   * `fn`; every `fargate.*` and `nlb.*` usage line's function must have one. Tiers do not apply.
   */
  containers?: Readonly<Record<string, ContainerService>>;
  /**
   * Kinesis data streams, keyed by stream name; every `kinesis.*` usage line's `resource` must
   * have one. Each is billed at every rate as its mode says (KinesisStreamBilling). Tiers do not apply.
   */
  streams?: Readonly<Record<string, KinesisStreamBilling>>;
  /** Steady-state stored data (storage.ts), priced at each rate; `horizonDays` is needed for "forever" retention. */
  storage?: { items: readonly StoredData[]; horizonDays?: number };
  /** Monthly budget in USD (> 0): each rate's bill reports its headroom against it. */
  budgetUsd?: number;
  /**
   * Services the budget does not cover (each listed at most once; only with budgetUsd), e.g. a
   * product whose brief bills per-message channel fees (SES, SNS) to the teams that send them:
   * the headroom is taken against the total without their lines, and reports what they add.
   */
  budgetExcludes?: readonly ServiceName[];
  /** Prices to use (default PRICES). */
  prices?: PriceTable;
}

export type ServiceName =
  | "DynamoDB"
  | "Lambda"
  | "API Gateway"
  | "EventBridge"
  | "EventBridge Scheduler"
  | "SQS"
  | "SES"
  | "SNS"
  | "Push"
  | "CloudWatch Logs"
  | "Data transfer"
  | "S3"
  | "Fargate"
  | "Elastic Load Balancing"
  | "Kinesis";

/** A line's usage unit: a metered unit, or bytes held in a store (storage lines). */
export type BillUnit = UsageUnit | "stored.bytes";

/** One priced line: what function `fn` spent on `service` (on `resource`, e.g. a table) in a month. */
export interface BillLine {
  service: ServiceName;
  /** What is billed: "writes", "reads", "write capacity", "compute", "requests", "storage", ... */
  item: string;
  fn: string;
  resource?: string;
  unit: BillUnit;
  /**
   * Usage in the month in `unit`: event-driven plus fixed. A container service's lines carry the
   * usage they were sized from: Fargate lines its `fargate.vcpuMs`, load balancer lines its
   * `nlb.bytes` (each 0 when none was metered); a Kinesis stream's lines that are not any
   * function's (shard-, stream- and consumer-shard-hours; fn "-") its `kinesis.bytes`.
   */
  quantity: number;
  /** The part of `quantity` that came from fixed monthly usage. */
  fixedQuantity: number;
  /** What the price is per: GB-seconds, WCU-hours, GB-months, or `quantity` itself. */
  billedQuantity: number;
  billedUnit: string;
  /**
   * USD in the month. A tiered price is applied to the month's total volume of that price and
   * spread over its lines in proportion to their volume; provisioned capacity likewise over the
   * table's lines. Container services are billed for the tasks and load balancer they size
   * to, Kinesis streams for their shards (or stream-hours) and consumers.
   */
  usd: number;
  /** "DynamoDB writes, sequencer, log table". */
  label: string;
}

/** A provisioned table's sizing at one rate. */
export interface ProvisionedSizing {
  table: string;
  targetUtilization: number;
  writeUnitsPerSecond: number;
  readUnitsPerSecond: number;
  writeCapacityUnits: number;
  readCapacityUnits: number;
}

/** A container service's sizing at one rate (BillInput.containers). */
export interface ContainerSizing {
  fn: string;
  /** Tasks running every hour of the month. */
  tasks: number;
  /** Of `tasks`, those on Fargate Spot (ContainerService.capacity; 0 without it; a fraction: the month's average share). */
  spotTasks: number;
  /** What set `tasks` (ties: cpu, then connections): the CPU work at the target utilization, the open connections per task, or minTasks. */
  tasksBoundBy: "cpu" | "connections" | "minTasks";
  /** vCPU-seconds of work per second (the `fargate.vcpuMs` at this rate, spread over the month). */
  vcpuPerSecond: number;
  /** Open client connections at this rate. */
  activeConnections: number;
  /** Whether the service is behind a Network Load Balancer (the load balancer fields below are 0 without one). */
  loadBalancer: boolean;
  /** New connections a second through the load balancer (`nlb.newConnections` spread over the month). */
  newConnectionsPerSecond: number;
  /** GB (2^30 bytes) the load balancer processes an hour (`nlb.bytes` spread over the month). */
  gbProcessedPerHour: number;
  /** NLCUs billed every hour: the largest of new connections / 50, active connections / 3,000 and GB an hour / 1 (TLS listener). */
  nlcu: number;
  /** The NLCU dimension that set `nlcu` (ties: in that order); absent without a load balancer. */
  nlcuBoundBy?: "newConnections" | "activeConnections" | "bytes";
}

/** A Kinesis stream's sizing at one rate (BillInput.streams). */
export interface KinesisStreamSizing {
  stream: string;
  mode: KinesisStreamBilling["mode"];
  /** Bytes put a second (`kinesis.bytes` at this rate, spread over the month). */
  bytesPerSecond: number;
  /** Records put a second (`kinesis.records`, likewise). */
  recordsPerSecond: number;
  /** Provisioned: shards running every hour of the month (absent on-demand, where AWS sizes the stream). */
  shards?: number;
  /** What set `shards` (ties: in that order): bytes in, records in, standard consumers' reads, or minShards. */
  shardsBoundBy?: "bytes" | "records" | "reads" | "minShards";
  efoConsumers: number;
  standardConsumers: number;
}

/** The month's bill at one steady rate. Sums are of `lines` and agree with `totalUsd` up to float rounding. */
export interface RateBill {
  rate: "average" | "peak" | string;
  eventsPerSecond: number;
  eventsPerMonth: number;
  /** Every line, most expensive first. */
  lines: BillLine[];
  byService: Array<{ service: ServiceName; usd: number }>;
  byFunction: Array<{ fn: string; usd: number }>;
  /** DynamoDB lines (requests, capacity, storage) by table. */
  byTable: Array<{ table: string; usd: number }>;
  provisioned: ProvisionedSizing[];
  /** Container services' sizing at this rate, by fn (empty without BillInput.containers). */
  containers: ContainerSizing[];
  /** Kinesis streams' sizing at this rate, by name (empty without BillInput.streams). */
  streams: KinesisStreamSizing[];
  totalUsd: number;
  /** The part of the total due to fixed monthly usage (by each line's fixed share of its volume). */
  fixedUsd: number;
  /** (total - fixed) per million events: what the events themselves cost at this rate. */
  usdPerMillionEvents: number;
  /** total per million events, fixed costs included. */
  allInUsdPerMillionEvents: number;
  /**
   * Present when a budget was given: budget - the total it covers (negative when over budget),
   * and that as % of the budget; with BillInput.budgetExcludes, the services left out and their
   * USD at this rate (the total still includes them).
   */
  headroom?: { budgetUsd: number; usd: number; percent: number; excludes?: { services: ServiceName[]; usd: number } };
  /** The three biggest lines, most expensive first (fewer when there are fewer lines). */
  top: BillLine[];
}

/** A product's bill: rate-independent usage per event, and the month at each rate. */
export interface ProductBill {
  product: string;
  priceTableDate: string;
  region: string;
  events: number;
  /** Measured usage per product event, per unit (fixed usage excluded). */
  unitsPerEvent: Partial<Record<UsageUnit, number>>;
  /** DynamoDB request units per product event, per table. */
  dynamodbPerEvent: Record<string, { writeUnits: number; readUnits: number }>;
  average: RateBill;
  /** Everything at the peak rate for the whole month (the sizing a peak needs). */
  peak?: RateBill;
}
