import { ScanCommand, type AttributeValue, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { itemSize } from "../packages/functions/src/adapters/dynamo/capacity.js";

/*
 * How long what a run wrote is kept, item by item. A table whose items carry different TTLs (the
 * notify table: dedupe keys 7 days, decision records 30, the feed 180, sender budgets hours) is
 * not stored for one table-wide retention: the steady state holds each item for its own TTL.
 */

/** Per item key (pk + sk): its size (DynamoDB's item size rules) and its TTL attribute, epoch seconds. */
export type TableItems = Map<string, { bytes: number; expiresAt?: number }>;

/** Every item of `table` (a strongly consistent scan; the bench's own reads, not metered). */
export async function scanItems(dynamo: DynamoDBClient, table: string, ttlAttribute: string): Promise<TableItems> {
  const out: TableItems = new Map();
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await dynamo.send(new ScanCommand({ TableName: table, ConsistentRead: true, ExclusiveStartKey: start }));
    for (const item of page.Items ?? []) {
      const ttl = item[ttlAttribute]?.N;
      out.set(`${item.pk?.S}\u0000${item.sk?.S}`, { bytes: itemSize(item), ...(ttl !== undefined ? { expiresAt: Number(ttl) } : {}) });
    }
    start = page.LastEvaluatedKey;
  } while (start);
  return out;
}

/**
 * The retention, in days, that keeps as many bytes in the steady state as the run's growth
 * does item by item: each item's growth (its bytes now less its bytes before, when it grew)
 * weighted by how long it stays (its TTL less `nowMs`, the handlers' clock; no TTL:
 * `untimed`, where "forever" counts as `horizonDays`). Items that shrank or went away count
 * nothing (a conservative reading: what they freed is not subtracted). Undefined when nothing grew.
 */
export function growthRetentionDays(
  before: TableItems,
  after: TableItems,
  nowMs: number,
  untimed: number | "forever",
  horizonDays: number,
): number | undefined {
  let bytes = 0;
  let byteDays = 0;
  for (const [key, item] of after) {
    const grew = item.bytes - (before.get(key)?.bytes ?? 0);
    if (grew <= 0) continue;
    const days =
      item.expiresAt !== undefined
        ? Math.max(0, (item.expiresAt * 1000 - nowMs) / 86_400_000)
        : untimed === "forever"
          ? horizonDays
          : untimed;
    bytes += grew;
    byteDays += grew * days;
  }
  return bytes > 0 ? byteDays / bytes : undefined;
}
