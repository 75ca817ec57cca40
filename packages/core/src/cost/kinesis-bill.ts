import type { BillInput, BillLine, BillUnit, KinesisStreamBilling, KinesisStreamSizing } from "./bill-types.js";
import { BYTES_PER_GB, HOURS_PER_MONTH, SECONDS_PER_MONTH, priceOf, type Price, type PriceTable } from "./prices.js";
import { NO_FUNCTION, type UsageLine } from "./usage.js";
import { ceilTolerant, sum } from "./numbers.js";

/*
 * Kinesis Data Streams in the bill: each stream of BillInput.streams sized and priced at one
 * rate, as KinesisStreamBilling (bill-types.ts) says. bill.ts routes the `kinesis.*` usage here.
 */

/** Units that size and price a Kinesis stream (BillInput.streams), by the usage line's `resource`. */
export type KinesisUnit = "kinesis.putUnits" | "kinesis.bytes" | "kinesis.records";

export function isKinesisUnit(unit: BillUnit): unit is KinesisUnit {
  return unit === "kinesis.putUnits" || unit === "kinesis.bytes" || unit === "kinesis.records";
}

/**
 * A provisioned shard's throughput: 1 MiB/s or 1,000 records/s in; 2 MiB/s out shared by every
 * standard (GetRecords) consumer, plus 2 MiB/s of its own for each enhanced fan-out consumer.
 */
export const KINESIS_SHARD = { bytesInPerSecond: 2 ** 20, recordsInPerSecond: 1000, bytesOutPerSecond: 2 * 2 ** 20 } as const;

/** One of a stream's usage lines in the month (`kinesis.*`, one function's; `fixedQuantity` from fixed monthly usage). */
export interface StreamUsage {
  unit: BillUnit;
  fn: string;
  quantity: number;
  fixedQuantity: number;
}

/**
 * One stream's month at one rate. Lines that follow a function's puts (PUT payload units,
 * GB ingested, GB retrieved) are that function's, one per putting function; the stream's
 * hours (shard-, stream- and consumer-shard-hours) are NO_FUNCTION's and carry the stream's
 * bytes as their quantity. Every line's resource is the stream.
 */
export function billKinesisStream(
  stream: string,
  billing: KinesisStreamBilling,
  usage: readonly StreamUsage[],
  prices: PriceTable,
): { sizing: KinesisStreamSizing; lines: BillLine[] } {
  const of = (unit: KinesisUnit) => usage.filter((m) => m.unit === unit);
  const total = (unit: KinesisUnit): StreamUsage => ({
    unit, fn: NO_FUNCTION, quantity: sum(of(unit).map((m) => m.quantity)), fixedQuantity: sum(of(unit).map((m) => m.fixedQuantity)),
  });
  const bytes = total("kinesis.bytes");
  const bytesPerSecond = bytes.quantity / SECONDS_PER_MONTH;
  const recordsPerSecond = total("kinesis.records").quantity / SECONDS_PER_MONTH;
  const efo = billing.efoConsumers;
  const standard = billing.standardConsumers ?? 0;
  const sizing: KinesisStreamSizing = { stream, mode: billing.mode, bytesPerSecond, recordsPerSecond, efoConsumers: efo, standardConsumers: standard };

  const line = (m: StreamUsage, item: string, billedQuantity: number, price: Price, usd = priceOf(billedQuantity, price)): BillLine => ({
    service: "Kinesis", item, fn: m.fn, resource: stream, unit: m.unit, quantity: m.quantity, fixedQuantity: m.fixedQuantity,
    billedQuantity, billedUnit: price.unit, usd, label: `Kinesis ${item}, ${m.fn}, ${stream} stream`,
  });
  /** A line per function of `unit`'s usage, billed `quantity x perUnit` of `price`, sharing the price of their total volume. */
  const perFunction = (unit: KinesisUnit, item: string, price: Price, perUnit: number): BillLine[] => {
    const lines = of(unit);
    const volume = sum(lines.map((m) => m.quantity * perUnit));
    const usd = priceOf(volume, price);
    return lines.map((m) => line(m, item, m.quantity * perUnit, price, volume > 0 ? (usd * m.quantity * perUnit) / volume : 0));
  };
  const k = prices.kinesis;

  if (billing.mode === "on-demand") {
    const lines = [line(bytes, "stream hours", HOURS_PER_MONTH, k.onDemandStreamHours), ...perFunction("kinesis.bytes", "ingestion", k.onDemandIngestedGb, 1 / BYTES_PER_GB)];
    const consumers = efo + standard;
    if (consumers > 0) lines.push(...perFunction("kinesis.bytes", "retrievals", k.onDemandRetrievedGb, consumers / BYTES_PER_GB));
    return { sizing, lines };
  }

  const bounds = [
    ["bytes", ceilTolerant(bytesPerSecond / KINESIS_SHARD.bytesInPerSecond)],
    ["records", ceilTolerant(recordsPerSecond / KINESIS_SHARD.recordsInPerSecond)],
    ["reads", ceilTolerant((bytesPerSecond * standard) / KINESIS_SHARD.bytesOutPerSecond)],
    ["minShards", billing.minShards ?? 1],
  ] as const;
  const [shardsBoundBy, shards] = bounds.reduce((max, b) => (b[1] > max[1] ? b : max));
  Object.assign(sizing, { shards, shardsBoundBy });
  const shardHours = shards * HOURS_PER_MONTH;
  const lines = [line(bytes, "shard hours", shardHours, k.shardHours), ...perFunction("kinesis.putUnits", "PUT payload units", k.putPayloadUnits, 1)];
  if (efo > 0) {
    lines.push(
      line(bytes, "enhanced fan-out consumer-shard hours", efo * shardHours, k.efoConsumerShardHours),
      ...perFunction("kinesis.bytes", "enhanced fan-out retrievals", k.efoRetrievedGb, efo / BYTES_PER_GB),
    );
  }
  return { sizing, lines };
}

/** Throws unless `s` is a valid KinesisStreamBilling (the error names the product and the stream). */
export function checkKinesisStream(input: BillInput, stream: string, s: KinesisStreamBilling): void {
  const p = `bill ${input.product}: stream "${stream}"`;
  if (typeof s !== "object" || s === null) throw new Error(`${p}: expected an object, got ${String(s)}`);
  if (s.mode !== "provisioned" && s.mode !== "on-demand") throw new Error(`${p}: unknown mode ${String(s.mode)} (provisioned or on-demand)`);
  if (s.minShards !== undefined && !(Number.isInteger(s.minShards) && s.minShards >= 1)) throw new Error(`${p}: minShards must be an integer >= 1, got ${s.minShards}`);
  if (!(Number.isInteger(s.efoConsumers) && s.efoConsumers >= 0)) throw new Error(`${p}: efoConsumers must be an integer >= 0, got ${s.efoConsumers}`);
  if (s.standardConsumers !== undefined && !(Number.isInteger(s.standardConsumers) && s.standardConsumers >= 0)) {
    throw new Error(`${p}: standardConsumers must be an integer >= 0, got ${s.standardConsumers}`);
  }
}

/** Throws when `l`, a `kinesis.*` line of `what` ("usage", "fixed monthly usage"), names no stream of input.streams. */
export function checkKinesisLine(input: BillInput, what: string, l: UsageLine): void {
  if (l.resource !== undefined && Object.hasOwn(input.streams ?? {}, l.resource)) return;
  const on = l.resource === undefined ? "without a stream (resource)" : `on stream "${l.resource}"`;
  throw new Error(`bill ${input.product}: ${what}: ${l.unit} of function "${l.fn}" ${on}, which has no entry in streams (needed to size its shards and consumers)`);
}


