import { randomInt } from "node:crypto";
import { assertCounterNames, type MetricsStore } from "@weft/core";
import { N, S } from "./codec.js";
import { Table, type DynamoAdapterOptions, type Item } from "./table.js";

/** Counter attributes carry a prefix so that no counter name (e.g. "pk") can collide with a key attribute. */
const PREFIX = "c:";
/** Sort key of a tenant's counter items; shard k is `counters#<k>`. */
const SK = "counters";

/**
 * Shards per tenant. Writers are already paced per process (MetricsRecorder's flush interval),
 * so per item the rate is (containers / interval / METRICS_SHARDS); 8 keeps even thousands of
 * containers far below an item's 1,000 write units a second, while `get` reads only 8 small items.
 */
export const METRICS_SHARDS = 8;

export interface DynamoMetricsStoreOptions extends DynamoAdapterOptions {
  /** Shard count (default METRICS_SHARDS). Readers sum whatever shards exist, so it may change between deploys. */
  shards?: number;
  /** Which shard an add goes to, in [0, shards) (default: uniformly random per add; tests pass a fixed order). */
  pickShard?: () => number;
}

/**
 * MetricsStore on the `state` table: a tenant's counters are spread over up to `shards` items
 * (pk = "metrics#" + tenant, sk = "counters#<k>"), one attribute per counter, and each add is
 * one atomic UpdateItem ADD on one shard picked at random (names go through
 * ExpressionAttributeNames placeholders). A single item per tenant was a hot key: every
 * function's writes for the tenant met on it, and an item sustains at most 1,000 write units
 * a second. The shards share the partition key, so DynamoDB can split the item collection
 * across partitions by sort key under load (the state table has no local secondary index,
 * which would forbid that).
 *
 * `get` is one strongly consistent Query on the partition (sk begins_with "counters", which
 * also takes in the single "counters" item written before sharding) summing every shard.
 *
 * Size: a shard holds only counter attributes, no bookkeeping; an UpdateItem is billed one
 * unit per started KB of the whole item, so its size is what each write costs. Shards
 * collect the tenant's counter names over time, the lag histogram buckets most of them
 * (about 20 bytes per touched bucket).
 */
export class DynamoMetricsStore implements MetricsStore {
  private readonly table: Table;
  private readonly shards: number;
  private readonly pickShard: () => number;

  constructor(opts: DynamoMetricsStoreOptions) {
    this.table = new Table(opts);
    this.shards = opts.shards ?? METRICS_SHARDS;
    if (!Number.isInteger(this.shards) || this.shards < 1) throw new Error(`metrics shards must be a positive integer, got ${opts.shards}`);
    this.pickShard = opts.pickShard ?? (() => randomInt(this.shards));
  }

  async add(tenant: string, deltas: Record<string, number>): Promise<void> {
    assertCounterNames(deltas);
    const entries = Object.entries(deltas);
    if (entries.length === 0) return;
    const shard = this.pickShard();
    if (!Number.isInteger(shard) || shard < 0 || shard >= this.shards) throw new Error(`metrics shard out of range: ${shard}`);
    await this.table.update({
      Key: { pk: S(partition(tenant)), sk: S(`${SK}#${shard}`) },
      UpdateExpression: `ADD ${entries.map((_, i) => `#n${i} :v${i}`).join(", ")}`,
      ExpressionAttributeNames: Object.fromEntries(entries.map(([name], i) => [`#n${i}`, PREFIX + name])),
      ExpressionAttributeValues: Object.fromEntries(entries.map(([, delta], i) => [`:v${i}`, N(delta)])),
    });
  }

  async get(tenant: string): Promise<Record<string, number>> {
    const sums: Record<string, number> = {};
    const pages = this.table.query({
      KeyConditionExpression: "pk = :pk AND begins_with(sk, :sk)",
      ExpressionAttributeValues: { ":pk": S(partition(tenant)), ":sk": S(SK) },
      ConsistentRead: true,
    });
    for await (const items of pages) for (const item of items) addCounters(sums, item);
    return sums;
  }
}

function partition(tenant: string): string {
  return `metrics#${tenant}`;
}

function addCounters(sums: Record<string, number>, item: Item): void {
  for (const [attr, v] of Object.entries(item)) {
    if (!attr.startsWith(PREFIX) || v.N === undefined) continue;
    const name = attr.slice(PREFIX.length);
    sums[name] = (sums[name] ?? 0) + Number(v.N);
  }
}
