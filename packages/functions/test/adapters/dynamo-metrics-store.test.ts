import { PutItemCommand, QueryCommand } from "@aws-sdk/client-dynamodb";
import { beforeAll, describe, expect, it } from "vitest";
import { LAG_BUCKETS_MS, MATERIALIZER_LAG_PREFIX, lagCounterName } from "@weft/core";
import type { CapacityKind, CapacityMeter } from "../../src/adapters/dynamo/capacity.js";
import { itemSize } from "../../src/adapters/dynamo/capacity.js";
import type { TableNames } from "../../src/adapters/dynamo/create-tables.js";
import { DynamoMetricsStore, METRICS_SHARDS } from "../../src/adapters/dynamo/metrics-store.js";
import { client, freshTables } from "./dynamo-harness.js";

/**
 * The DynamoDB MetricsStore's sharding, beyond the port's conformance suite: where adds land,
 * that writers in many processes add up, that the pre-sharding item still counts, and what a
 * `get` and a shard item cost.
 */
let tables: TableNames;
const tenant = () => `t${Math.random().toString(36).slice(2, 10)}`;

beforeAll(async () => {
  tables = await freshTables();
});

/** Every item of a tenant's metrics partition, as stored. */
async function items(t: string) {
  const out = await client.send(
    new QueryCommand({ TableName: tables.state, KeyConditionExpression: "pk = :pk", ExpressionAttributeValues: { ":pk": { S: `metrics#${t}` } }, ConsistentRead: true }),
  );
  return out.Items ?? [];
}

describe("DynamoMetricsStore sharding", () => {
  it("adds land on random shard items counters#0..N-1, holding only counter attributes", async () => {
    const store = new DynamoMetricsStore({ client, table: tables.state });
    const t = tenant();
    await Promise.all(Array.from({ length: 64 }, () => store.add(t, { hits: 1 })));
    const stored = await items(t);
    const sks = stored.map((i) => i.sk.S!);
    expect(new Set(sks).size).toBeGreaterThan(1); // 64 uniform picks over 8 shards: all on one has odds 8^-63
    for (const sk of sks) expect(sk).toMatch(new RegExp(`^counters#[0-${METRICS_SHARDS - 1}]$`));
    for (const item of stored) expect(Object.keys(item).sort()).toEqual(["c:hits", "pk", "sk"]);
    expect(stored.reduce((s, i) => s + Number(i["c:hits"].N), 0)).toBe(64);
    expect(await store.get(t)).toEqual({ hits: 64 });
  });

  it("writers in many processes (store instances) add up in any reader's get", async () => {
    const t = tenant();
    const writers = Array.from({ length: METRICS_SHARDS }, (_, k) => new DynamoMetricsStore({ client, table: tables.state, pickShard: () => k }));
    await Promise.all(writers.flatMap((w, k) => Array.from({ length: 5 }, () => w.add(t, { hits: 1, [`w${k}`]: 2 }))));
    const expected = Object.fromEntries([["hits", 5 * METRICS_SHARDS], ...writers.map((_, k) => [`w${k}`, 10])]);
    expect(await new DynamoMetricsStore({ client, table: tables.state }).get(t)).toEqual(expected);
    expect((await items(t)).length).toBe(METRICS_SHARDS);
  });

  it("the single `counters` item written before sharding is summed in", async () => {
    const t = tenant();
    await client.send(
      new PutItemCommand({ TableName: tables.state, Item: { pk: { S: `metrics#${t}` }, sk: { S: "counters" }, "c:accepted": { N: "40" }, "c:lag_le_5": { N: "3" } } }),
    );
    const store = new DynamoMetricsStore({ client, table: tables.state, pickShard: () => 2 });
    await store.add(t, { accepted: 2 });
    expect(await store.get(t)).toEqual({ accepted: 42, lag_le_5: 3 });
  });

  it("a get is one strongly consistent read call, whatever the number of shards", async () => {
    const calls: CapacityKind[] = [];
    const meter: CapacityMeter = { add: (_table, kind) => void calls.push(kind) };
    let next = 0;
    const store = new DynamoMetricsStore({ client, table: tables.state, meter, pickShard: () => next++ % METRICS_SHARDS });
    const t = tenant();
    for (let i = 0; i < METRICS_SHARDS; i++) await store.add(t, { hits: 1 });
    calls.length = 0;
    expect(await store.get(t)).toEqual({ hits: METRICS_SHARDS });
    expect(calls).toEqual(["read"]);
  });

  it("a shard holding every lag bucket of both histograms and the usual counters stays a few KB", async () => {
    const store = new DynamoMetricsStore({ client, table: tables.state, pickShard: () => 0 });
    const t = tenant();
    const deltas: Record<string, number> = { accepted: 123_456_789, committed: 123_456_789, duplicates: 1_234, "refused.forbidden": 12 };
    for (const b of LAG_BUCKETS_MS) {
      deltas[lagCounterName(b)] = 1_000_000;
      deltas[lagCounterName(b, MATERIALIZER_LAG_PREFIX)] = 1_000_000;
    }
    await store.add(t, deltas);
    const [item] = await items(t);
    // Every bucket at once is the worst case; a tenant's lags usually touch a few dozen.
    expect(itemSize(item)).toBeLessThan(4 * 1024);
  });

  it("refuses a shard out of range, and a shard count below 1", async () => {
    await expect(new DynamoMetricsStore({ client, table: tables.state, pickShard: () => METRICS_SHARDS }).add(tenant(), { x: 1 })).rejects.toThrow(/out of range/);
    expect(() => new DynamoMetricsStore({ client, table: tables.state, shards: 0 })).toThrow();
  });
});
