import { QueryCommand } from "@aws-sdk/client-dynamodb";
import { beforeAll, describe, expect, it } from "vitest";
import { deliveryDeadLetterOf, runBreakerStateStoreConformance, runDeliveryDeadLetterStoreConformance, uid } from "@weft/core/testing";
import { CapacityAccumulator } from "../../src/adapters/dynamo/capacity.js";
import { DynamoBreakerStateStore } from "../../src/adapters/dynamo/notify-breaker-store.js";
import { DELIVERY_DEAD_LETTER_RETENTION_DAYS, DynamoDeliveryDeadLetterStore } from "../../src/adapters/dynamo/notify-delivery-dead-letter-store.js";
import { client, freshTables } from "./dynamo-harness.js";

// The manifest's `notify` table, in a fresh set of tables for this file.
let table: string;
const meter = new CapacityAccumulator();
const opts = () => ({ client, table, meter });

beforeAll(async () => {
  table = (await freshTables()).notify;
});

runBreakerStateStoreConformance("dynamo", async () => new DynamoBreakerStateStore(opts()));
runDeliveryDeadLetterStoreConformance("dynamo", async () => new DynamoDeliveryDeadLetterStore(opts()));

type RawItem = Record<string, { S?: string; N?: string; B?: Uint8Array }>;

/** Every item of one partition, raw, in sort-key order. */
async function partition(pk: string): Promise<RawItem[]> {
  const out = await client.send(
    new QueryCommand({ TableName: table, KeyConditionExpression: "pk = :pk", ExpressionAttributeValues: { ":pk": { S: pk } }, ConsistentRead: true }),
  );
  return (out.Items ?? []) as RawItem[];
}

describe("DynamoBreakerStateStore layout", () => {
  it("keeps one item per breaker at b#<key>, with no expiry", async () => {
    const store = new DynamoBreakerStateStore(opts());
    const k = uid("ses");
    expect(await store.save(k, { status: "open", openedAt: 1, until: 30_001 }, 0)).toBe(true);
    const items = await partition(`b#${k}`);
    expect(items.map((i) => [i.sk.S, i.v.N, i.expiresAt])).toEqual([["state", "1", undefined]]);
  });

  it("refuses an empty key with a clear error, and a version no save produces without writing", async () => {
    const store = new DynamoBreakerStateStore(opts());
    await expect(store.load("")).rejects.toMatchObject({ code: "invalid_request" });
    const k = uid("k");
    expect(await store.save(k, { status: "closed", failures: 1 }, -1)).toBe(false);
    expect(await store.save(k, { status: "closed", failures: 1 }, 0.5)).toBe(false);
    expect(await partition(`b#${k}`)).toEqual([]);
  });
});

describe("DynamoDeliveryDeadLetterStore layout and races", () => {
  it("stores the letter and its uniqueness item in x#<tenant>, both expiring; delete removes both", async () => {
    const store = new DynamoDeliveryDeadLetterStore(opts());
    const tenant = uid("t");
    const letter = deliveryDeadLetterOf(tenant, 1_760_000_000_000, { channel: "sms" });
    const before = Math.floor(Date.now() / 1000);
    expect(await store.put(letter)).toBe("stored");
    const items = await partition(`x#${tenant}`);
    expect(items.map((i) => i.sk.S)).toEqual([`l#${letter.id}`, `u#sms#${letter.notificationId}`]);
    const [stored, guard] = items;
    expect(stored.u.S).toBe(letter.userId);
    expect(guard.id.S).toBe(letter.id);
    const retention = DELIVERY_DEAD_LETTER_RETENTION_DAYS * 86_400;
    expect(Number(stored.expiresAt.N)).toBeGreaterThanOrEqual(before + retention);
    expect(Number(guard.expiresAt.N)).toBeGreaterThan(Number(stored.expiresAt.N));
    expect(await store.delete(tenant, letter.id)).toBe(true);
    expect(await partition(`x#${tenant}`)).toEqual([]);
  });

  it("refuses a letter whose id is not a dead-letter id, writing nothing", async () => {
    const store = new DynamoDeliveryDeadLetterStore(opts());
    const tenant = uid("t");
    await expect(store.put(deliveryDeadLetterOf(tenant, 1_000, { id: "l#../other" }))).rejects.toMatchObject({ code: "invalid_request" });
    await expect(store.put(deliveryDeadLetterOf("bad#tenant", 1_000))).rejects.toMatchObject({ code: "invalid_request" });
    expect(await partition(`x#${tenant}`)).toEqual([]);
    expect(await store.delete(tenant, "not-an-id")).toBe(false);
  });

  it("of concurrent puts of one delivery exactly one is stored; of concurrent deletes exactly one reports true", async () => {
    const store = new DynamoDeliveryDeadLetterStore(opts());
    const tenant = uid("t");
    const first = deliveryDeadLetterOf(tenant, 10_000);
    const copies = [0, 1, 2, 3, 4, 5].map((k) => deliveryDeadLetterOf(tenant, 10_000 + k * 7, { notificationId: first.notificationId, userId: first.userId }));
    const results = await Promise.all(copies.map((l) => store.put(l)));
    expect(results.filter((r) => r === "stored")).toHaveLength(1);
    const { letters } = await store.list(tenant, { limit: 10 });
    expect(letters).toEqual([copies[results.indexOf("stored")]]);
    const deleted = await Promise.all([1, 2, 3].map(() => store.delete(tenant, letters[0].id)));
    expect(deleted.filter(Boolean)).toHaveLength(1);
    expect(await partition(`x#${tenant}`)).toEqual([]);
  });

  it("pages a user's letters when they are sparse among the tenant's (filtered pages grow)", async () => {
    const store = new DynamoDeliveryDeadLetterStore(opts());
    const tenant = uid("t");
    const [ann, bob] = [uid("u"), uid("u")];
    const letters = Array.from({ length: 60 }, (_, k) => deliveryDeadLetterOf(tenant, 2_000_000 + k, { userId: k % 20 === 3 ? ann : bob }));
    for (const l of letters) await store.put(l);
    const annNewest = letters.filter((l) => l.userId === ann).reverse();
    expect(annNewest).toHaveLength(3);
    const seen: typeof letters = [];
    let cursor: string | undefined;
    do {
      const page = await store.list(tenant, { limit: 2, userId: ann, cursor });
      seen.push(...page.letters);
      cursor = page.cursor;
    } while (cursor !== undefined);
    expect(seen).toEqual(annNewest);
    const all = await store.list(tenant, { limit: 60 });
    expect(all).toEqual({ letters: [...letters].reverse() });
    expect(await store.list(tenant, { limit: 0 })).toEqual({ letters: [] });
  });
});
