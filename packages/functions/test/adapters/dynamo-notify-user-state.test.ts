import { PutItemCommand, DeleteItemCommand } from "@aws-sdk/client-dynamodb";
import { beforeAll, describe, expect, it } from "vitest";
import { CapacityAccumulator } from "../../src/adapters/dynamo/capacity.js";
import { packText } from "../../src/adapters/dynamo/codec.js";
import { INLINE_KEYS, decodeKeys, keyHash } from "../../src/adapters/dynamo/notify-dedupe-keys.js";
import { DynamoNotifyUserStateStore } from "../../src/adapters/dynamo/notify-user-state-store.js";
import { client, freshTables } from "./dynamo-harness.js";
import { commandsOf, freshUser, partition as partitionOf, type Raw } from "./notify-table-probe.js";

// The user-state store's own layout and costs (its contract: the conformance suite in dynamo-notify.test.ts).
let table: string;
beforeAll(async () => {
  table = (await freshTables()).notify;
});

const user = freshUser;
const pkOf = (who: { tenant: string; userId: string }) => `s#${who.tenant}#${who.userId}`;
const partition = (pk: string) => partitionOf(table, pk);

describe("DynamoNotifyUserStateStore layout and costs", () => {
  it("keeps dedupe keys in the state item with their expiry, older ones in pages the table's TTL reclaims", async () => {
    const now = Date.UTC(2030, 0, 1, 12, 0, 0, 250);
    const who = user();
    const store = new DynamoNotifyUserStateStore({ client, table, now: () => now });
    await store.commit(who, 0, {}, { dedupeKeys: ["ev-1"], dedupeTtlMs: 3_600_000 });
    let items = await partition(pkOf(who));
    expect(items.map((i) => i.sk.S)).toEqual(["state"]);
    expect(decodeKeys(items[0].k.B)).toEqual([{ hash: keyHash("ev-1"), expiresAt: Math.ceil((now + 3_600_000) / 1000) }]);
    for (let v = 1; v <= 40; v++) await store.commit(who, v, { v }, { dedupeKeys: [`ev-${v + 1}`] });
    items = await partition(pkOf(who));
    const state = items.find((i) => i.sk.S === "state")!;
    const pages = items.filter((i) => i.sk.S!.startsWith("p#"));
    expect(pages.length).toBeGreaterThan(0);
    expect(decodeKeys(state.k.B).length).toBeLessThanOrEqual(INLINE_KEYS);
    const paged = pages.flatMap((p) => decodeKeys(p.k.B));
    for (const p of pages) expect(Number(p.expiresAt.N)).toBe(Math.max(...decodeKeys(p.k.B).map((e) => e.expiresAt)));
    expect(Number(state.spill.N)).toBe(Math.max(...paged.map((e) => e.expiresAt)));
    // Every key is in exactly one place.
    const hashes = [...decodeKeys(state.k.B), ...paged].map((e) => e.hash).sort();
    expect(hashes).toEqual(Array.from({ length: 41 }, (_, i) => keyHash(`ev-${i + 1}`)).sort());
    // A read is one Query (state, parts, pages); a commit after it checks the pages it read.
    const fresh = new DynamoNotifyUserStateStore({ client, table, now: () => now });
    expect(await commandsOf(() => fresh.load(who))).toEqual(["Query"]);
    expect(await commandsOf(async () => expect(await fresh.commit(who, 41, {}, { dedupeKeys: ["ev-2"] })).toMatchObject({ reason: "duplicate" }))).toEqual([]);
    expect(await commandsOf(() => fresh.commit(who, 41, {}, { dedupeKeys: ["ev-42"] }))).toEqual(["PutItem"]);
  });

  it("commits with one conditional write of one item (no transaction), 1 write unit for a small state", async () => {
    const who = user();
    const meter = new CapacityAccumulator();
    const store = new DynamoNotifyUserStateStore({ client, table, meter });
    await store.commit(who, 0, { n: 0 }, { dedupeKeys: ["first"] });
    const { version } = await store.load(who);
    meter.reset();
    expect(await commandsOf(() => store.commit(who, version, { n: 1 }, { dedupeKeys: ["second"] }))).toEqual(["PutItem"]);
    expect(await commandsOf(() => store.commit(who, version + 1, { n: 1, settled: true }))).toEqual(["UpdateItem"]);
    expect(meter.snapshot().total).toEqual({ read: 0, write: 2 });
    // A duplicate is answered from the item this process last saw: no write at all.
    expect(await commandsOf(async () => expect(await store.commit(who, version + 2, { n: 2 }, { dedupeKeys: ["first"] })).toMatchObject({ reason: "duplicate" }))).toEqual([]);
  });

  it("carries over the dedupe keys of the previous layout (one item per key)", async () => {
    const now = Date.UTC(2030, 0, 1, 12);
    const who = user();
    const pk = pkOf(who);
    const put = (Item: Raw) => client.send(new PutItemCommand({ TableName: table, Item }));
    await put({ pk: { S: pk }, sk: { S: "state" }, version: { N: "3" }, state: { B: packText(JSON.stringify({ n: 3 })) } });
    await put({ pk: { S: pk }, sk: { S: "k#ev-old" }, expiresAt: { N: String(now / 1000 + 3600) } });
    await put({ pk: { S: pk }, sk: { S: "k#ev-gone" }, expiresAt: { N: String(now / 1000 - 1) } });
    const store = new DynamoNotifyUserStateStore({ client, table, now: () => now });
    expect(await store.load(who)).toEqual({ state: { n: 3 }, version: 3 });
    expect(await store.seen(who, ["ev-gone", "ev-old"])).toEqual(["ev-old"]);
    expect(await store.commit(who, 3, { n: 4 }, { dedupeKeys: ["ev-new", "ev-old"] })).toEqual({ ok: false, reason: "duplicate", keys: ["ev-old"] });
    expect(await store.commit(who, 3, { n: 4 }, { dedupeKeys: ["ev-new", "ev-gone"] })).toEqual({ ok: true, version: 4 });
    // Carried into the state item: the old items may go (the TTL deletes them) and the keys stay recorded.
    for (const sk of ["k#ev-old", "k#ev-gone"]) await client.send(new DeleteItemCommand({ TableName: table, Key: { pk: { S: pk }, sk: { S: sk } } }));
    const fresh = new DynamoNotifyUserStateStore({ client, table, now: () => now });
    expect(await fresh.seen(who, ["ev-old", "ev-new", "ev-gone"])).toEqual(["ev-old", "ev-new", "ev-gone"]);
    expect(await fresh.commit(who, 4, { n: 5 }, { dedupeKeys: ["ev-old"] })).toEqual({ ok: false, reason: "duplicate", keys: ["ev-old"] });
  });
});

describe("DynamoNotifyUserStateStore parts", () => {
  it("writes only new parts, deletes dropped ones, and collects parts a lost commit left", async () => {
    const who = user();
    const meter = new CapacityAccumulator();
    const store = new DynamoNotifyUserStateStore({ client, table, meter });
    const chunk = (k: number) => Array.from({ length: 64 }, (_, i) => 4_000_000_000_000_000 + k * 1000 + i);
    await store.commit(who, 0, { n: 0 }, { parts: { "1-a": chunk(1) } });
    meter.reset();
    // Same parts: the state item only.
    expect(await commandsOf(() => store.commit(who, 1, { n: 1 }, { parts: { "1-a": chunk(1) }, dedupeKeys: ["e1"] }))).toEqual(["PutItem"]);
    expect(await commandsOf(() => store.commit(who, 2, { n: 2 }, { parts: { "1-a": chunk(1) } }))).toEqual(["UpdateItem"]);
    expect(meter.snapshot().total.write).toBe(2);
    // A new part is written before the state, a dropped one deleted after it.
    expect(await commandsOf(() => store.commit(who, 3, { n: 3 }, { parts: { "4-b": chunk(2) } }))).toEqual(["BatchWriteItem", "UpdateItem", "DeleteItem"]);
    let sks = (await partition(pkOf(who))).map((i) => i.sk.S);
    expect(sks).toEqual(["q#4-b", "state"]);
    // A commit that loses leaves its new part; the next load deletes it (no state lists it).
    const other = new DynamoNotifyUserStateStore({ client, table });
    await other.load(who);
    await store.commit(who, 4, { n: 4 }, { parts: { "4-b": chunk(2) } });
    expect(await other.commit(who, 4, { n: 9 }, { parts: { "4-b": chunk(2), "5-c": chunk(3) } })).toEqual({ ok: false, reason: "conflict" });
    sks = (await partition(pkOf(who))).map((i) => i.sk.S);
    expect(sks).toEqual(["q#4-b", "q#5-c", "state"]);
    expect(await store.load(who)).toEqual({ state: { n: 4 }, version: 5, parts: { "4-b": chunk(2) } });
    expect((await partition(pkOf(who))).map((i) => i.sk.S)).toEqual(["q#4-b", "state"]);
  });
});
