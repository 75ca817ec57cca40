import { DeleteItemCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, expect, inject, test } from "vitest";
import { dynamoClient } from "@weft/functions/adapters/dynamo/client";
import { itemSize } from "@weft/functions/adapters/dynamo/capacity";
import { createStreamTable, uniqueName } from "../../packages/local/test/helpers.js";
import { growthRetentionDays, scanItems } from "../../bench/cost-ttl-growth.js";

/*
 * The cost bench's storage model for tables whose items carry different TTLs: the run's
 * growth, item by item against real DynamoDB Local, weighted by each item's own TTL.
 */
const client = dynamoClient(inject("dynamoEndpoint"));
const table = uniqueName("ttl-growth");
const DAY_S = 86_400;
const now = Date.UTC(2026, 11, 6);
const nowS = now / 1000;

beforeAll(() => createStreamTable(client, table));
afterAll(() => client.destroy());

const put = (sk: string, bytes: number, expiresAt?: number) =>
  client.send(
    new PutItemCommand({
      TableName: table,
      Item: { pk: { S: "p" }, sk: { S: sk }, v: { S: "x".repeat(bytes) }, ...(expiresAt !== undefined ? { expiresAt: { N: String(expiresAt) } } : {}) },
    }),
  );

test("growth is kept for each item's own TTL: a byte-weighted retention in days", async () => {
  await put("state", 100); // there before: no TTL
  await put("gone", 500, nowS + 400 * DAY_S); // there before, deleted during the run: frees nothing in the model
  const before = await scanItems(client, table, "expiresAt");
  expect([...before.values()].map((i) => i.expiresAt)).toContain(nowS + 400 * DAY_S);

  await put("dedupe", 1000, nowS + 7 * DAY_S);
  await put("decision", 1000, nowS + 30 * DAY_S);
  await put("expired", 1000, nowS - DAY_S); // past its TTL, not yet deleted: kept 0 days
  await put("state", 1100); // grew by 1,000 bytes, no TTL
  await client.send(new DeleteItemCommand({ TableName: table, Key: { pk: { S: "p" }, sk: { S: "gone" } } }));
  const after = await scanItems(client, table, "expiresAt");

  // Each item's size by the rules the write meter bills (capacity.ts itemSize), and its TTL.
  const decisionItem = { pk: { S: "p" }, sk: { S: "decision" }, v: { S: "x".repeat(1000) }, expiresAt: { N: String(nowS + 30 * DAY_S) } };
  expect(after.get("p\u0000decision")).toEqual({ bytes: itemSize(decisionItem), expiresAt: nowS + 30 * DAY_S });
  expect(after.get("p\u0000state")).toEqual({ bytes: itemSize({ pk: { S: "p" }, sk: { S: "state" }, v: { S: "x".repeat(1100) } }) });

  // Untimed growth counts as the table's default: 180 days, or the horizon for "forever".
  const g = (untimed: number | "forever") => growthRetentionDays(before, after, now, untimed, 365)!;
  const grown = (sk: string) => after.get(`p\u0000${sk}`)!.bytes - (before.get(`p\u0000${sk}`)?.bytes ?? 0);
  const weighted = (untimedDays: number) =>
    (grown("dedupe") * 7 + grown("decision") * 30 + grown("expired") * 0 + grown("state") * untimedDays) / (grown("dedupe") + grown("decision") + grown("expired") + grown("state"));
  expect(g(180)).toBeCloseTo(weighted(180), 6);
  expect(g("forever")).toBeCloseTo(weighted(365), 6);
  expect(g(180)).toBeLessThan(60); // against the 180 days the whole table was billed for

  // Nothing grew: no retention to report.
  expect(growthRetentionDays(after, after, now, 180, 365)).toBeUndefined();
});
