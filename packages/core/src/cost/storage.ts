import { BYTES_PER_GB, PRICES, SECONDS_PER_DAY, priceOf, type Price, type PriceTable } from "./prices.js";
import { NO_FUNCTION } from "./usage.js";

/**
 * Steady-state storage: what a product keeps, and what keeping it costs each month. A store that
 * keeps `bytesPerEvent` for `retentionDays` at a steady `eventsPerSecond` holds, once the oldest
 * data starts expiring, bytesPerEvent x eventsPerSecond x retention seconds; that is the stored
 * volume priced here. Data kept "forever" never reaches a steady state, so it is priced at a
 * horizon (e.g. 365 days of growth): the month's cost AT the horizon, not the average before it.
 */

/** Where data is kept: a DynamoDB table, an S3 bucket (the lake, later issues), or a CloudWatch Logs group. */
/** Where data is kept: a DynamoDB table of the standard or the Standard-IA class, S3, CloudWatch Logs. */
export type StoreKind = "dynamodb" | "dynamodb-ia" | "s3" | "logs";

/** DynamoDB bills 100 bytes of overhead per stored item on top of its attributes' bytes. */
export const DYNAMODB_ITEM_OVERHEAD_BYTES = 100;

/** One kept data set. */
export interface StoredData {
  /** Table, bucket or log group. */
  name: string;
  store: StoreKind;
  /** Bytes kept per product event (the bench measures item bytes per table). Logs: bytes as stored (compressed). */
  bytesPerEvent: number;
  /** DynamoDB only: items kept per product event; each adds DYNAMODB_ITEM_OVERHEAD_BYTES. Default 0 (bytesPerEvent already counts it). */
  itemsPerEvent?: number;
  /** How long an event's data is kept, in days (> 0), or "forever" (needs a horizon). */
  retentionDays: number | "forever";
  /** Function that writes it, for by-function views. Default NO_FUNCTION. */
  fn?: string;
}

/** One store at one rate. */
export interface StorageLine {
  name: string;
  store: StoreKind;
  fn: string;
  /** Billed bytes per event (item overhead included). */
  bytesPerEvent: number;
  /** Days of data held: the retention, or the horizon for "forever". */
  heldDays: number;
  storedBytes: number;
  storedGb: number;
  /** Monthly cost; a tiered price (S3) is applied to all stores of that kind together and spread by volume. */
  usdPerMonth: number;
}

export interface StorageReport {
  eventsPerSecond: number;
  lines: StorageLine[];
  totalGb: number;
  totalUsdPerMonth: number;
}

export interface StorageOptions {
  /** Days of growth to price "forever" data at (> 0). Required when any item is kept forever. */
  horizonDays?: number;
  prices?: PriceTable;
}

/** The price of a GB-month in each kind of store. */
export function storagePrice(store: StoreKind, prices: PriceTable = PRICES): Price {
  if (store === "dynamodb") return prices.dynamodb.storageGbMonths;
  if (store === "dynamodb-ia") return prices.dynamodb.infrequentAccess.storageGbMonths;
  if (store === "s3") return prices.s3.storageGbMonths;
  if (store === "logs") return prices.logs.storedGbMonths;
  throw new Error(`storage: unknown store ${String(store)}`);
}

/**
 * Stored volume and monthly cost of each item at `eventsPerSecond` (>= 0), in input order.
 * Throws on a negative or non-finite rate, byte count or item count, a non-positive retention,
 * or "forever" without a positive `horizonDays`.
 */
export function steadyStateStorage(
  items: readonly StoredData[],
  eventsPerSecond: number,
  options: StorageOptions = {},
): StorageReport {
  const prices = options.prices ?? PRICES;
  if (!Number.isFinite(eventsPerSecond) || eventsPerSecond < 0) throw new Error(`storage: bad rate ${eventsPerSecond} events/s`);
  const { horizonDays } = options;
  if (horizonDays !== undefined && !(Number.isFinite(horizonDays) && horizonDays > 0)) {
    throw new Error(`storage: bad horizon ${horizonDays} days`);
  }
  const sized = items.map((item) => {
    const where = `storage ${item.name}`;
    if (!Number.isFinite(item.bytesPerEvent) || item.bytesPerEvent < 0) throw new Error(`${where}: bad bytes per event ${item.bytesPerEvent}`);
    const itemsPerEvent = item.itemsPerEvent ?? 0;
    if (!Number.isFinite(itemsPerEvent) || itemsPerEvent < 0) throw new Error(`${where}: bad items per event ${itemsPerEvent}`);
    if (itemsPerEvent > 0 && item.store !== "dynamodb" && item.store !== "dynamodb-ia") throw new Error(`${where}: itemsPerEvent is for DynamoDB tables only`);
    let heldDays: number;
    if (item.retentionDays === "forever") {
      if (horizonDays === undefined) throw new Error(`${where}: kept forever, so a horizonDays is required`);
      heldDays = horizonDays;
    } else {
      if (!(Number.isFinite(item.retentionDays) && item.retentionDays > 0)) throw new Error(`${where}: bad retention ${item.retentionDays} days`);
      heldDays = item.retentionDays;
    }
    const bytesPerEvent = item.bytesPerEvent + itemsPerEvent * DYNAMODB_ITEM_OVERHEAD_BYTES;
    const storedBytes = bytesPerEvent * eventsPerSecond * heldDays * SECONDS_PER_DAY;
    return { item, bytesPerEvent, heldDays, storedBytes, storedGb: storedBytes / BYTES_PER_GB };
  });
  // A tiered price applies to the month's total volume in that kind of store.
  const gbByStore = new Map<StoreKind, number>();
  for (const s of sized) gbByStore.set(s.item.store, (gbByStore.get(s.item.store) ?? 0) + s.storedGb);
  const lines = sized.map((s): StorageLine => {
    const totalGb = gbByStore.get(s.item.store) ?? 0;
    const storeUsd = priceOf(totalGb, storagePrice(s.item.store, prices));
    return {
      name: s.item.name,
      store: s.item.store,
      fn: s.item.fn ?? NO_FUNCTION,
      bytesPerEvent: s.bytesPerEvent,
      heldDays: s.heldDays,
      storedBytes: s.storedBytes,
      storedGb: s.storedGb,
      usdPerMonth: totalGb > 0 ? (storeUsd * s.storedGb) / totalGb : 0,
    };
  });
  return {
    eventsPerSecond,
    lines,
    totalGb: lines.reduce((a, l) => a + l.storedGb, 0),
    totalUsdPerMonth: lines.reduce((a, l) => a + l.usdPerMonth, 0),
  };
}
