import { DeleteItemCommand } from "@aws-sdk/client-dynamodb";
import { beforeAll, describe, expect, it } from "vitest";
import type { FeedItem } from "@weft/core/notify/vocabulary";
import { CapacityAccumulator } from "../../src/adapters/dynamo/capacity.js";
import { DynamoNotificationFeedStore } from "../../src/adapters/dynamo/notify-feed-store.js";
import { client, freshTables } from "./dynamo-harness.js";
import { commandsOf, freshUser, partition as partitionOf, type Raw } from "./notify-table-probe.js";

// The feed store's own layout and costs (its contract: the conformance suite in dynamo-notify.test.ts).
let table: string;
beforeAll(async () => {
  table = (await freshTables()).notify;
});

const user = freshUser;
const pkOf = (who: { tenant: string; userId: string }) => `f#${who.tenant}#${who.userId}`;
const partition = (pk: string) => partitionOf(table, pk);

const T0 = Date.UTC(2030, 0, 1);
function item(who: { tenant: string; userId: string }, id: string, extra: Partial<FeedItem> = {}): FeedItem {
  return { ...who, id, version: 1, class: "social", topic: "comments", title: `t ${id}`, body: "b", eventIds: [`ev-${id}`], createdAt: T0, updatedAt: T0, ...extra };
}

/** The partition's items: exactly one item per pointer at its position, a marker iff that item is unread. */
async function expectInStep(who: { tenant: string; userId: string }): Promise<Raw[]> {
  const items = await partition(pkOf(who));
  const sks = items.map((i) => i.sk.S!);
  const pointers = items.filter((i) => i.sk.S!.startsWith("i#"));
  expect(sks.filter((sk) => sk.startsWith("o#")).sort()).toEqual(pointers.map((p) => `o#${p.pos.S}`).sort());
  const unread = items.filter((i) => i.sk.S!.startsWith("o#") && i.readAt === undefined).map((i) => i.sk.S!.slice(2));
  expect(sks.filter((sk) => sk.startsWith("n#")).map((sk) => sk.slice(2)).sort()).toEqual(unread.sort());
  return items;
}

describe("DynamoNotificationFeedStore first versions", () => {
  it("writes a new item as three plain writes of one unit each (no transaction) and one read of its pointer", async () => {
    const meter = new CapacityAccumulator();
    const store = new DynamoNotificationFeedStore({ client, table, meter });
    const who = user();
    const commands = await commandsOf(() => store.upsert(item(who, "n1")));
    expect(commands).toEqual(["PutItem", "PutItem", "PutItem", "GetItem"]);
    expect(meter.snapshot().byTable[table]?.write).toBe(3);
    await expectInStep(who);
    expect(await store.get(who, "n1")).toEqual(item(who, "n1"));
    expect(await store.unreadCount(who)).toBe(1);
  });

  it("a repeated first version costs one refused write and one read, and changes nothing", async () => {
    const store = new DynamoNotificationFeedStore({ client, table });
    const who = user();
    expect(await store.upsert(item(who, "n1"))).toBe(true);
    const commands = await commandsOf(async () => expect(await store.upsert(item(who, "n1", { updatedAt: T0 + 5, title: "other" }))).toBe(false));
    expect(commands).toEqual(["PutItem", "GetItem"]);
    expect(await store.get(who, "n1")).toEqual(item(who, "n1"));
    await expectInStep(who);
  });

  it("of concurrent first versions that differ, stores exactly one as given", async () => {
    const store = new DynamoNotificationFeedStore({ client, table });
    for (let round = 0; round < 5; round++) {
      const who = user();
      const given = [0, 1, 2, 3].map((k) => item(who, "n1", { title: `t${k}`, createdAt: T0 + k, updatedAt: T0 + k }));
      const results = await Promise.all(given.map((i) => store.upsert(i)));
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await store.get(who, "n1")).toEqual(given[results.indexOf(true)]);
      expect((await store.list(who, { limit: 10 })).items).toEqual([given[results.indexOf(true)]]);
      await expectInStep(who);
    }
  });

  it("completes a first write cut short after its pointer, at the pointer's position, exactly once", async () => {
    const store = new DynamoNotificationFeedStore({ client, table });
    const who = user();
    const first = item(who, "n1");
    expect(await store.upsert(first)).toBe(true);
    // A crash after the pointer (and the marker): the item was never written.
    const sk = (await partition(pkOf(who))).find((i) => i.sk.S!.startsWith("o#"))!.sk.S!;
    await client.send(new DeleteItemCommand({ TableName: table, Key: { pk: { S: pkOf(who) }, sk: { S: sk } } }));
    expect(await store.get(who, "n1")).toBeUndefined();
    expect((await store.list(who, { limit: 10 })).items).toEqual([]);
    // The retried delivery happens later (a new updatedAt): it lands where the pointer says.
    const retried = item(who, "n1", { createdAt: T0 + 60_000, updatedAt: T0 + 60_000 });
    const results = await Promise.all([store.upsert(retried), store.upsert(retried), store.upsert(retried)]);
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await store.get(who, "n1")).toEqual(first);
    expect((await store.list(who, { limit: 10 })).items).toEqual([first]);
    expect(await store.unreadCount(who)).toBe(1);
    await expectInStep(who);
  });

  it("leaves nothing behind when a later version moved the item while a first write was under way", async () => {
    const store = new DynamoNotificationFeedStore({ client, table });
    for (let round = 0; round < 5; round++) {
      const who = user();
      const ids = ["a", "b", "c"];
      await Promise.all(
        ids.flatMap((id, k) => [
          store.upsert(item(who, id, { updatedAt: T0 + k })),
          store.upsert(item(who, id, { version: 2, title: "v2", updatedAt: T0 + 10 + k })),
          store.upsert(item(who, id, { version: 3, title: "v3", updatedAt: T0 + 20 + k, readAt: T0 + 30 })),
        ]),
      );
      const items = await expectInStep(who);
      expect(items.filter((i) => i.sk.S!.startsWith("i#")).map((i) => i.version.N)).toEqual(["3", "3", "3"]);
      expect(await store.unreadCount(who)).toBe(0);
      // A first version delivered late changes nothing.
      expect(await store.upsert(item(who, "a"))).toBe(false);
      await expectInStep(who);
    }
  });
});
