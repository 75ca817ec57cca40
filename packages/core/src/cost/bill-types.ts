import type { PriceTable } from "./prices.js";
import type { StoredData } from "./storage.js";
import type { UsageLine, UsageUnit } from "./usage.js";

/** Lambda instruction set: duration prices differ (Weft's functions run x86_64 unless configured). */
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
  /** Steady-state stored data (storage.ts), priced at each rate; `horizonDays` is needed for "forever" retention. */
  storage?: { items: readonly StoredData[]; horizonDays?: number };
  /** Monthly budget in USD (> 0): each rate's bill reports its headroom against it. */
  budgetUsd?: number;
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
  | "S3";

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
  /** Usage in the month in `unit`: event-driven plus fixed. */
  quantity: number;
  /** The part of `quantity` that came from fixed monthly usage. */
  fixedQuantity: number;
  /** What the price is per: GB-seconds, WCU-hours, GB-months, or `quantity` itself. */
  billedQuantity: number;
  billedUnit: string;
  /**
   * USD in the month. A tiered price is applied to the month's total volume of that price and
   * spread over its lines in proportion to their volume; provisioned capacity likewise over the
   * table's lines.
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
  totalUsd: number;
  /** The part of the total due to fixed monthly usage (by each line's fixed share of its volume). */
  fixedUsd: number;
  /** (total - fixed) per million events: what the events themselves cost at this rate. */
  usdPerMillionEvents: number;
  /** total per million events, fixed costs included. */
  allInUsdPerMillionEvents: number;
  /** Present when a budget was given: budget - total (negative when over budget), and that as % of the budget. */
  headroom?: { budgetUsd: number; usd: number; percent: number };
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
