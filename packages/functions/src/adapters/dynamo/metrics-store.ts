import { assertCounterNames, type MetricsStore } from "@weft/core";
import { N, S } from "./codec.js";
import { Table, type DynamoAdapterOptions } from "./table.js";

/** Counter attributes carry a prefix so that no counter name (e.g. "pk") can collide with a key attribute. */
const PREFIX = "c:";

/**
 * MetricsStore on the `state` table: one item per tenant (pk = "metrics#" + tenant,
 * sk = "counters"), one attribute per counter, incremented with a single atomic
 * UpdateItem ADD per call (names go through ExpressionAttributeNames placeholders).
 */
export class DynamoMetricsStore implements MetricsStore {
  private readonly table: Table;

  constructor(opts: DynamoAdapterOptions) {
    this.table = new Table(opts);
  }

  async add(tenant: string, deltas: Record<string, number>): Promise<void> {
    assertCounterNames(deltas);
    const entries = Object.entries(deltas);
    if (entries.length === 0) return;
    await this.table.update({
      Key: key(tenant),
      UpdateExpression: `ADD ${entries.map((_, i) => `#n${i} :v${i}`).join(", ")}`,
      ExpressionAttributeNames: Object.fromEntries(entries.map(([name], i) => [`#n${i}`, PREFIX + name])),
      ExpressionAttributeValues: Object.fromEntries(entries.map(([, delta], i) => [`:v${i}`, N(delta)])),
    });
  }

  async get(tenant: string): Promise<Record<string, number>> {
    const item = await this.table.get(key(tenant));
    return Object.fromEntries(
      Object.entries(item ?? {})
        .filter(([name]) => name.startsWith(PREFIX))
        .map(([name, v]) => [name.slice(PREFIX.length), Number(v.N)]),
    );
  }
}

function key(tenant: string) {
  return { pk: S(`metrics#${tenant}`), sk: S("counters") };
}
