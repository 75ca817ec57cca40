import { randomBytes, randomUUID } from "node:crypto";
import { QueryCommand } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  runDecisionLogStoreConformance,
  runDeviceStoreConformance,
  runNotificationFeedStoreConformance,
  runNotifyProfileStoreConformance,
  runNotifyUserStateStoreConformance,
} from "@weft/core/testing";
import { CapacityAccumulator } from "../../src/adapters/dynamo/capacity.js";
import { DynamoDecisionLogStore } from "../../src/adapters/dynamo/notify-decision-log-store.js";
import { DynamoDeviceStore } from "../../src/adapters/dynamo/notify-device-store.js";
import { DynamoNotificationFeedStore } from "../../src/adapters/dynamo/notify-feed-store.js";
import { DynamoNotifyProfileStore } from "../../src/adapters/dynamo/notify-profile-store.js";
import { DynamoNotifyUserStateStore } from "../../src/adapters/dynamo/notify-user-state-store.js";
import { client, freshTables } from "./dynamo-harness.js";

// The manifest's `notify` table, in a fresh set of tables for this file.
let table: string;
const meter = new CapacityAccumulator();
const opts = () => ({ client, table, meter });

beforeAll(async () => {
  table = (await freshTables()).notify;
});

runNotifyUserStateStoreConformance("dynamo", async ({ now }) => new DynamoNotifyUserStateStore({ ...opts(), now }));
runNotificationFeedStoreConformance("dynamo", async () => new DynamoNotificationFeedStore(opts()));
runDecisionLogStoreConformance("dynamo", async ({ now, retentionMs }) => new DynamoDecisionLogStore({ ...opts(), now, retentionMs }));
runDeviceStoreConformance("dynamo", async () => new DynamoDeviceStore(opts()));
runNotifyProfileStoreConformance("dynamo", async () => new DynamoNotifyProfileStore(opts()));

/** Every item of one partition, raw. */
async function partition(pk: string): Promise<Array<Record<string, { S?: string; N?: string }>>> {
  const out = await client.send(
    new QueryCommand({ TableName: table, KeyConditionExpression: "pk = :pk", ExpressionAttributeValues: { ":pk": { S: pk } }, ConsistentRead: true }),
  );
  return (out.Items ?? []) as Array<Record<string, { S?: string; N?: string }>>;
}

const user = () => ({ tenant: `t${randomUUID().slice(0, 8)}`, userId: `u${randomUUID().slice(0, 8)}` });

describe("notify table layout", () => {
  it("keeps the feed's pointers, items and unread markers in step under concurrent writers", async () => {
    const store = new DynamoNotificationFeedStore(opts());
    const who = user();
    const item = (id: string, version: number, readAt?: number) => ({
      ...who,
      id,
      version,
      class: "social" as const,
      topic: "comments",
      title: id,
      body: "b",
      eventIds: [],
      createdAt: 1,
      updatedAt: 1000 + version * 3,
      ...(readAt ? { readAt } : {}),
    });
    const upserts = ["a", "b", "c", "d"].flatMap((id, k) => [1, 2, 3, 4, 5].map((v) => store.upsert(item(id, v, (v + k) % 2 ? 7 : undefined))));
    await Promise.all(upserts);
    await Promise.all([store.markRead(who, { ids: ["a", "c"] }, 9), store.markRead(who, { ids: ["c", "d"] }, 9)]);
    const items = await partition(`f#${who.tenant}#${who.userId}`);
    const sks = items.map((i) => i.sk.S!);
    const pointers = items.filter((i) => i.sk.S!.startsWith("i#"));
    expect(pointers).toHaveLength(4);
    // Exactly one copy per pointer, at the pointer's position; a marker iff that copy is unread.
    // Besides them only stubs (position items without `item`), where a writer stalled past the
    // feed store's re-reads was shut out by a later version.
    const copies = items.filter((i) => i.sk.S!.startsWith("o#") && i.item !== undefined);
    const stubs = items.filter((i) => i.sk.S!.startsWith("o#") && i.item === undefined);
    expect(copies.map((i) => i.sk.S!).sort()).toEqual(pointers.map((p) => `o#${p.pos.S}`).sort());
    const unread = copies.filter((i) => i.readAt === undefined).map((i) => i.sk.S!.slice(2));
    expect(sks.filter((sk) => sk.startsWith("n#")).map((sk) => sk.slice(2)).sort()).toEqual(unread.sort());
    expect(unread.map((pos) => pos.slice(17)).sort()).toEqual(["b"]);
    expect(sks).toHaveLength(4 + 4 + 1 + stubs.length);
  });

  it("gives decisions an epoch-seconds expiresAt, so the table's TTL reclaims them (dedupe keys: dynamo-notify-user-state.test.ts)", async () => {
    const now = Date.UTC(2030, 0, 1, 12, 0, 0, 250);
    const who = user();
    const decisions = new DynamoDecisionLogStore({ ...opts(), now: () => now, retentionMs: 86_400_000 });
    await decisions.append([{ ...who, eventId: "ev-1", notificationId: "n-1", reason: "sent", policyVersion: "p", at: now }]);
    const stored = await partition(`d#${who.tenant}#${who.userId}`);
    expect(stored).toHaveLength(1);
    for (const i of stored) expect(Number(i.expiresAt.N)).toBe(Math.ceil((now + 86_400_000) / 1000));
  });

  it("fits an incompressible state at the size limit in one item", async () => {
    const store = new DynamoNotifyUserStateStore(opts());
    const who = user();
    const state = { blob: randomBytes(255_000).toString("base64") };
    expect(JSON.stringify(state).length).toBeGreaterThan(340_000);
    expect(await store.commit(who, 0, state, { dedupeKeys: ["k"] })).toEqual({ ok: true, version: 1 });
    expect(await store.load(who)).toEqual({ state, version: 1 });
  });
});

afterAll(() => {
  const units = meter.snapshot().byTable[table];
  expect(units?.read).toBeGreaterThan(0);
  expect(units?.write).toBeGreaterThan(0);
});
