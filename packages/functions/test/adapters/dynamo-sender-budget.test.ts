import { GetItemCommand, ScanCommand } from "@aws-sdk/client-dynamodb";
import { beforeAll, describe, expect, it } from "vitest";
import { DynamoFanoutJobStore } from "../../src/adapters/dynamo/notify-fanout-store.js";
import { BUDGET_SHARDS, homeShard, shardCap, spreadSpend } from "../../src/adapters/dynamo/notify-sender-budget.js";
import { client, freshTables } from "./dynamo-harness.js";
import { freshUser } from "./notify-table-probe.js";

// The sender budget's own layout (its contract: the fan-out store conformance suite in dynamo-conformance.test.ts).
let table: string;
beforeAll(async () => {
  table = (await freshTables()).notify;
});

/** Every counter item of the sender: shard -> n. */
async function counters(tenant: string, senderId: string): Promise<Map<number, number>> {
  const out = await client.send(
    new ScanCommand({ TableName: table, FilterExpression: "begins_with(pk, :p)", ExpressionAttributeValues: { ":p": { S: `sb#${tenant}#${senderId}#` } }, ConsistentRead: true }),
  );
  return new Map((out.Items ?? []).map((i) => [Number(i.pk!.S!.split("#").at(-1)), Number(i.n!.N)]));
}

describe("sender budget shards", () => {
  it("shares a budget over the shards, differing by at most 1 and summing to it", () => {
    for (const max of [0, 1, 15, 16, 100, 1_000_003]) {
      const caps = Array.from({ length: BUDGET_SHARDS }, (_, k) => shardCap(max, k));
      expect(caps.reduce((a, b) => a + b, 0)).toBe(max);
      expect(Math.max(...caps) - Math.min(...caps)).toBeLessThanOrEqual(1);
    }
  });

  it("spreads a spend home shard first, then by most room; refuses what the whole budget cannot take", () => {
    const counts = new Array<number>(BUDGET_SHARDS).fill(0);
    counts[3] = 6; // max 100: shards 0-3 have 7, the others 6; shard 3 has 1 left
    expect(spreadSpend(counts, 100, 1, 3)).toEqual([[3, 1]]);
    expect(spreadSpend(counts, 100, 9, 3)).toEqual([[3, 1], [0, 7], [1, 1]]);
    expect(spreadSpend(counts, 100, 95, 3)).toBeUndefined();
    expect(spreadSpend(counts, 100, 94, 3)!.reduce((s, [, a]) => s + a, 0)).toBe(94);
  });

  it("a sender's many small spends land on many shards (no item takes them all) and never pass the budget together", async () => {
    const store = new DynamoFanoutJobStore({ client, table });
    const { tenant } = freshUser();
    const results = await Promise.all(Array.from({ length: 120 }, (_, i) => store.spend(tenant, "backend", 0, 1, 100, `evt-${i}`)));
    expect(results.filter(Boolean)).toHaveLength(100);
    const byShard = await counters(tenant, "backend");
    expect([...byShard.values()].reduce((a, b) => a + b, 0)).toBe(100);
    expect(byShard.size).toBe(BUDGET_SHARDS);
    for (const [k, n] of byShard) expect(n).toBeLessThanOrEqual(shardCap(100, k));
    // The markers live on each spend id's home shard: a retry finds its marker and is not charged again.
    expect(await store.spend(tenant, "backend", 0, 1, 100, "evt-0")).toBe(true);
    const marker = await client.send(
      new GetItemCommand({ TableName: table, Key: { pk: { S: `sbe#${tenant}#backend#${homeShard("evt-0")}` }, sk: { S: "evt-0" } }, ConsistentRead: true }),
    );
    expect(marker.Item?.n?.N).toBe("1");
    expect([...(await counters(tenant, "backend")).values()].reduce((a, b) => a + b, 0)).toBe(100);
  });

  it("a fan-out's large spend takes several shards in one go, exactly up to what is left", async () => {
    const store = new DynamoFanoutJobStore({ client, table });
    const { tenant } = freshUser();
    expect(await store.spend(tenant, "svc", 0, 10, 1_000, "a")).toBe(true);
    expect(await store.spend(tenant, "svc", 0, 991, 1_000, "too-big")).toBe(false);
    expect(await store.spend(tenant, "svc", 0, 990, 1_000, "fanout")).toBe(true);
    expect([...(await counters(tenant, "svc")).values()].reduce((a, b) => a + b, 0)).toBe(1_000);
    expect(await store.spend(tenant, "svc", 0, 1, 1_000, "one-more")).toBe(false);
    // Retried, the fan-out is not charged again (and says it went through).
    expect(await store.spend(tenant, "svc", 0, 990, 1_000, "fanout")).toBe(true);
  });
});
