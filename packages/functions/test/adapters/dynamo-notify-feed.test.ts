import { DeleteItemCommand, GetItemCommand, TransactWriteItemsCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { feedPositionKey } from "@weft/core/notify/stores/index";
import type { FeedItem } from "@weft/core/notify/vocabulary";
import { processUsage, runAsFunction } from "../../src/adapters/billing/usage-context.js";
import { CapacityAccumulator } from "../../src/adapters/dynamo/capacity.js";
import { packJson } from "../../src/adapters/dynamo/codec.js";
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

/**
 * The partition's items: exactly one copy per pointer at its position, of the pointer's version,
 * a marker iff that copy is unread (of its version), nothing else but stubs (position items
 * without `item`, left where a writer was shut out).
 */
async function expectInStep(who: { tenant: string; userId: string }): Promise<Raw[]> {
  const items = await partition(pkOf(who));
  const copies = items.filter((i) => i.sk.S!.startsWith("o#") && i.item !== undefined);
  const pointers = items.filter((i) => i.sk.S!.startsWith("i#"));
  expect(copies.map((c) => c.sk.S!).sort()).toEqual(pointers.map((p) => `o#${p.pos.S}`).sort());
  for (const p of pointers) expect(copies.find((c) => c.sk.S === `o#${p.pos.S}`)?.version.N).toBe(p.version.N);
  const unread = copies.filter((i) => i.readAt === undefined);
  const markers = items.filter((i) => i.sk.S!.startsWith("n#"));
  expect(markers.map((m) => m.sk.S!.slice(2)).sort()).toEqual(unread.map((c) => c.sk.S!.slice(2)).sort());
  for (const m of markers) if (m.version) expect(m.version.N).toBe(unread.find((c) => c.sk.S!.slice(2) === m.sk.S!.slice(2))!.version.N);
  return items;
}

describe("DynamoNotificationFeedStore first versions", () => {
  it("writes a new item as three plain writes of one unit each (no transaction) and no read", async () => {
    const meter = new CapacityAccumulator();
    const store = new DynamoNotificationFeedStore({ client, table, meter });
    const who = user();
    const commands = await commandsOf(() => store.upsert(item(who, "n1")));
    expect(commands).toEqual(["PutItem", "PutItem", "PutItem"]);
    expect(meter.snapshot().byTable[table]).toEqual({ read: 0, write: 3 });
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

const WRITES = new Set(["PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"]);

/** The shared client, with `onWrite(n)` awaited before its n-th write command goes out (a throw fails that write). */
function faulty(onWrite: (n: number) => Promise<void> | void): DynamoDBClient {
  let writes = 0;
  const c = Object.create(client) as DynamoDBClient;
  c.send = (async (command: { constructor: { name: string } }, ...rest: unknown[]) => {
    if (WRITES.has(command.constructor.name.replace(/Command$/, ""))) await onWrite(++writes);
    return (client.send as (...a: unknown[]) => Promise<unknown>).call(client, command, ...rest);
  }) as DynamoDBClient["send"];
  return c;
}

/** A store whose process dies after its k-th write: nothing after it reaches the table. */
function crashingAfter(k: number): DynamoNotificationFeedStore {
  return new DynamoNotificationFeedStore({ client: faulty((n) => { if (n > k) throw new Error(`crashed after write ${k}`); }), table });
}

/** Every page of a listing. */
async function pages(store: DynamoNotificationFeedStore, who: { tenant: string; userId: string }, opts: { limit: number; unread?: boolean }): Promise<FeedItem[]> {
  const out: FeedItem[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.list(who, { ...opts, ...(cursor ? { cursor } : {}) });
    out.push(...page.items);
    cursor = page.cursor;
  } while (cursor !== undefined);
  return out;
}

/** What readers see: [id, version, read] newest first, in pages of one and of ten alike; the unread listing; the count. */
async function view(store: DynamoNotificationFeedStore, who: { tenant: string; userId: string }) {
  const shape = (items: FeedItem[]) => items.map((i) => [i.id, i.version, i.readAt !== undefined] as const);
  const one = shape(await pages(store, who, { limit: 1 }));
  expect(shape(await pages(store, who, { limit: 10 }))).toEqual(one);
  return { all: one, unread: shape(await pages(store, who, { limit: 1, unread: true })), count: await store.unreadCount(who) };
}

describe("DynamoNotificationFeedStore later versions", () => {
  const store = () => new DynamoNotificationFeedStore({ client, table });
  /** d1's first version, unread, below x: a digest about to move to the top. */
  const seed = async (s: DynamoNotificationFeedStore, who: { tenant: string; userId: string }) => {
    const v1 = item(who, "d1", { updatedAt: T0 + 10 });
    await s.upsert(v1);
    await s.upsert(item(who, "x", { updatedAt: T0 + 50 }));
    return v1;
  };
  beforeEach(() => processUsage.reset());

  it("moves a later version with five plain writes: half the write units of the 5-action transaction it replaces", async () => {
    const who = user();
    await store().upsert(item(who, "d1", { updatedAt: T0 + 10 }));
    const v2 = item(who, "d1", { version: 2, title: "v2", updatedAt: T0 + 20 });
    const commands = await commandsOf(() => runAsFunction("plain", () => store().upsert(v2)));
    // Pointer read, old copy read; pointer, marker, copy; old marker, old copy.
    expect(commands).toEqual(["GetItem", "GetItem", "PutItem", "PutItem", "PutItem", "DeleteItem", "DeleteItem"]);
    const after = { write: processUsage.total("dynamodb.writeUnits", "plain"), read: processUsage.total("dynamodb.readUnits", "plain") };

    // The same move as the store wrote it before: a read of the pointer and one TransactWriteItems
    // (new pointer, new copy, deletes of the old copy and marker, new marker), billed as AWS bills
    // it (2 units per action: the SDK meter, not DynamoDB Local's 2 for the whole transaction).
    const other = user();
    await store().upsert(item(other, "d1", { updatedAt: T0 + 10 }));
    const pk = { S: pkOf(other) };
    const [from, to] = [feedPositionKey(T0 + 10, "d1"), feedPositionKey(T0 + 20, "d1")];
    const { readAt: _, ...payload } = item(other, "d1", { version: 2, title: "v2", updatedAt: T0 + 20 });
    await runAsFunction("transaction", async () => {
      await client.send(new GetItemCommandOf(pk, "i#d1"));
      await client.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            { Put: { TableName: table, Item: { pk, sk: { S: "i#d1" }, version: { N: "2" }, pos: { S: to } }, ConditionExpression: "version = :old", ExpressionAttributeValues: { ":old": { N: "1" } } } },
            { Put: { TableName: table, Item: { pk, sk: { S: `o#${to}` }, version: { N: "2" }, item: { B: packJson(payload) } } } },
            { Delete: { TableName: table, Key: { pk, sk: { S: `o#${from}` } } } },
            { Delete: { TableName: table, Key: { pk, sk: { S: `n#${from}` } } } },
            { Put: { TableName: table, Item: { pk, sk: { S: `n#${to}` } } } },
          ],
        }),
      );
    });
    const before = { write: processUsage.total("dynamodb.writeUnits", "transaction"), read: processUsage.total("dynamodb.readUnits", "transaction") };
    expect(before).toEqual({ write: 10, read: 1 });
    expect(after).toEqual({ write: 5, read: 2 });
    expect(await store().get(other, "d1")).toEqual(await store().get(who, "d1").then((i) => i && { ...i, tenant: other.tenant, userId: other.userId }));

    // The next version also reads the position it moved from (gone: a cut-short step 4 would have
    // left it); a version written read, or one that follows a read one, skips a marker write.
    processUsage.reset();
    await runAsFunction("v3", () => store().upsert(item(who, "d1", { version: 3, updatedAt: T0 + 30, readAt: T0 + 30 })));
    await runAsFunction("v4", () => store().upsert(item(who, "d1", { version: 4, updatedAt: T0 + 40 })));
    expect(processUsage.total("dynamodb.writeUnits", "v3")).toBe(4);
    expect(processUsage.total("dynamodb.writeUnits", "v4")).toBe(4);
    await expectInStep(who);
  });

  it("a repeated later version is a no-op: two reads, no write", async () => {
    const meter = new CapacityAccumulator();
    const s = new DynamoNotificationFeedStore({ client, table, meter });
    const who = user();
    await s.upsert(item(who, "d1", { updatedAt: T0 + 10 }));
    const v2 = item(who, "d1", { version: 2, title: "v2", updatedAt: T0 + 20 });
    expect(await s.upsert(v2)).toBe(true);
    meter.reset();
    const commands = await commandsOf(async () => expect(await s.upsert({ ...v2, title: "same version, other text", updatedAt: T0 + 99 })).toBe(false));
    expect(commands).toEqual(["GetItem", "BatchGetItem"]);
    expect(meter.snapshot().byTable[table]?.write ?? 0).toBe(0);
    expect(await s.get(who, "d1")).toEqual(v2);
    expect(await view(s, who)).toEqual({ all: [["d1", 2, false]], unread: [["d1", 2, false]], count: 1 });
    await expectInStep(who);
  });

  it("a version arriving after a higher one changes nothing (one read; a late first version one refused write)", async () => {
    const s = store();
    const who = user();
    const v1 = item(who, "d1", { updatedAt: T0 + 10 });
    const v3 = item(who, "d1", { version: 3, title: "v3", updatedAt: T0 + 30 });
    expect(await s.upsert(v1)).toBe(true);
    expect(await s.upsert(v3)).toBe(true);
    expect(await commandsOf(async () => expect(await s.upsert(item(who, "d1", { version: 2, title: "v2", updatedAt: T0 + 40 }))).toBe(false))).toEqual(["GetItem"]);
    expect(await commandsOf(async () => expect(await s.upsert({ ...v1, updatedAt: T0 + 50 })).toBe(false))).toEqual(["PutItem"]);
    expect(await s.get(who, "d1")).toEqual(v3);
    expect(await view(s, who)).toEqual({ all: [["d1", 3, false]], unread: [["d1", 3, false]], count: 1 });
    await expectInStep(who);
  });

  // An unread digest d1 moves from below x to the top: readers see exactly one d1 after a crash
  // after any write, and the write's retry, or the next version, leaves the layout clean.
  for (const next of ["retry", "next version"] as const) {
    it(`a crash after each step of a later version leaves one copy for readers; the ${next} completes it`, async () => {
      for (let k = 1; k <= 4; k++) {
        const who = user();
        const s = store();
        await s.upsert(item(who, "y", { updatedAt: T0 + 5 }));
        const v1 = await seed(s, who);
        const v2 = item(who, "d1", { version: 2, title: "v2", eventIds: ["a", "b"], updatedAt: T0 + 100 });
        // Writes: 1 pointer, 2 marker, 3 copy, 4 old marker, 5 old copy.
        await expect(crashingAfter(k).upsert(v2)).rejects.toThrow(`crashed after write ${k}`);
        const moved = k >= 3;
        expect(await s.get(who, "d1"), `after write ${k}`).toEqual(moved ? v2 : v1);
        const order = moved ? ["d1", "x", "y"] : ["x", "d1", "y"];
        const expected = order.map((id) => [id, id === "d1" && moved ? 2 : 1, false] as const);
        expect(await view(s, who), `after write ${k}`).toEqual({ all: expected, unread: expected, count: 3 });

        if (next === "retry") {
          // The delivery is applied again later (a new updatedAt): it lands where the pointer says.
          expect(await s.upsert({ ...v2, updatedAt: T0 + 200 })).toBe(!moved);
          expect(await s.get(who, "d1")).toEqual(v2);
        } else {
          const v3 = item(who, "d1", { version: 3, title: "v3", updatedAt: T0 + 300 });
          expect(await s.upsert(v3)).toBe(true);
          expect(await s.get(who, "d1")).toEqual(v3);
        }
        const v = next === "retry" ? 2 : 3;
        expect(await view(s, who)).toEqual({ all: [["d1", v, false], ["x", 1, false], ["y", 1, false]], unread: [["d1", v, false], ["x", 1, false], ["y", 1, false]], count: 3 });
        await expectInStep(who);
      }
    });
  }

  it("a crash while writing a version marked read (a retracted digest) never shows two copies or an unread one", async () => {
    for (let k = 1; k <= 3; k++) {
      const who = user();
      const s = store();
      const v1 = await seed(s, who);
      const v2 = item(who, "d1", { version: 2, title: "v2", updatedAt: T0 + 100, readAt: T0 + 100 });
      // Writes: 1 pointer, 2 copy (read), 3 old marker, 4 old copy.
      await expect(crashingAfter(k).upsert(v2)).rejects.toThrow(`crashed after write ${k}`);
      const moved = k >= 2;
      expect(await s.get(who, "d1")).toEqual(moved ? v2 : v1);
      const seen = await view(s, who);
      expect(seen.all).toEqual(moved ? [["d1", 2, true], ["x", 1, false]] : [["x", 1, false], ["d1", 1, false]]);
      expect(seen.unread).toEqual(moved ? [["x", 1, false]] : [["x", 1, false], ["d1", 1, false]]);
      // The old marker is deleted after the read copy is written: in between, the count still has it.
      expect(seen.count).toBe(k === 2 ? 2 : moved ? 1 : 2);
      expect(await s.upsert({ ...v2, updatedAt: T0 + 200 })).toBe(!moved);
      expect(await view(s, who)).toEqual({ all: [["d1", 2, true], ["x", 1, false]], unread: [["x", 1, false]], count: 1 });
      await expectInStep(who);
    }
  });

  it("of later versions racing, the highest ends up the one copy, whichever way their positions go", async () => {
    const s = store();
    for (let round = 0; round < 6; round++) {
      const who = user();
      await seed(s, who);
      // Positions rising with the version, falling, or all at one time.
      const times = [[100, 200, 300], [300, 200, 100], [100, 100, 100]][round % 3].map((t) => T0 + t);
      const versions = [2, 3, 4].map((v, k) => item(who, "d1", { version: v, title: `v${v}`, updatedAt: times[k], ...(round >= 3 && v === 3 ? { readAt: T0 + 1 } : {}) }));
      const results = await Promise.all(versions.map((v) => s.upsert(v)));
      expect(results[2]).toBe(true);
      expect(await s.get(who, "d1")).toEqual(versions[2]);
      const all = [["d1", 4, false], ["x", 1, false]];
      expect(await view(s, who)).toEqual({ all, unread: all, count: 2 });
      await expectInStep(who);
    }
  });

  it("a later version racing a read-mark ends with one copy, counted iff it is unread", async () => {
    const s = store();
    for (let round = 0; round < 8; round++) {
      const who = user();
      await seed(s, who);
      const v2 = item(who, "d1", { version: 2, title: "v2", updatedAt: T0 + 100 });
      const all = round % 2 === 0;
      const [wrote, marked] = await Promise.all([s.upsert(v2), s.markRead(who, all ? { all: true } : { ids: ["d1"] }, T0 + 500)]);
      expect(wrote).toBe(true);
      const got = (await s.get(who, "d1"))!;
      expect(got).toEqual(got.readAt === undefined ? v2 : { ...v2, readAt: T0 + 500 });
      // Read: the mark reached v2. Unread: it reached v1 (and v2 came unread), or nothing.
      if (got.readAt !== undefined) expect(marked).toContain("d1");
      expect(new Set(marked).size).toBe(marked.length);
      expect(await s.unreadCount(who)).toBe((got.readAt === undefined ? 1 : 0) + (all ? 0 : 1));
      expect((await pages(s, who, { limit: 1 })).map((i) => i.id)).toEqual(["d1", "x"]);
      await expectInStep(who);
    }
  });

  for (const stalledAt of [2, 3]) {
    it(`shuts out a writer stalled past the re-reads before its ${stalledAt === 2 ? "marker" : "copy"}: it never lands, the next version stands alone`, async () => {
      const who = user();
      const s = store();
      await s.upsert(item(who, "d1", { updatedAt: T0 + 10 }));
      let reached!: () => void;
      let release!: () => void;
      const atGate = new Promise<void>((r) => (reached = r));
      const gate = new Promise<void>((r) => (release = r));
      const stalled = new DynamoNotificationFeedStore({
        client: faulty(async (n) => {
          if (n === stalledAt) {
            reached();
            await gate;
          }
        }),
        table,
      });
      const slow = stalled.upsert(item(who, "d1", { version: 2, title: "v2", updatedAt: T0 + 20 }));
      await atGate;
      // Meanwhile readers still see v1, and v3 waits for v2's copy, then shuts it out.
      expect((await s.get(who, "d1"))?.version).toBe(1);
      const v3 = item(who, "d1", { version: 3, title: "v3", updatedAt: T0 + 30 });
      expect(await s.upsert(v3)).toBe(true);
      release();
      expect(await slow).toBe(false);
      expect(await s.get(who, "d1")).toEqual(v3);
      expect(await view(s, who)).toEqual({ all: [["d1", 3, false]], unread: [["d1", 3, false]], count: 1 });
      const items = await expectInStep(who);
      expect(items.filter((i) => i.sk.S!.startsWith("o#") && i.item === undefined).map((i) => i.sk.S)).toEqual([`o#${feedPositionKey(T0 + 20, "d1")}`]);
    });
  }
});

/** A strongly consistent GetItem of one item of the feed's partition `pk` (what the old code read first). */
class GetItemCommandOf extends GetItemCommand {
  constructor(pk: { S: string }, sk: string) {
    super({ TableName: table, Key: { pk, sk: { S: sk } }, ConsistentRead: true });
  }
}

describe("DynamoNotificationFeedStore retention", () => {
  const expiry = (updatedAt: number, retentionMs = 180 * 86_400_000) => String(Math.ceil((updatedAt + retentionMs) / 1000));
  const remove = (who: { tenant: string; userId: string }, sk: string) => client.send(new DeleteItemCommand({ TableName: table, Key: { pk: { S: pkOf(who) }, sk: { S: sk } } }));

  it("gives the pointer, the copy and the marker of a version its updatedAt + the retention as expiresAt (the table's TTL)", async () => {
    const store = new DynamoNotificationFeedStore({ client, table });
    const who = user();
    await store.upsert(item(who, "n1"));
    for (const i of await partition(pkOf(who))) expect(i.expiresAt?.N).toBe(expiry(T0));
    // A later version moves everything of the item to its time, so its retention starts again.
    await store.upsert(item(who, "n1", { version: 2, updatedAt: T0 + 3_600_000 }));
    const items = await expectInStep(who);
    expect(items).toHaveLength(3);
    for (const i of items) expect(i.expiresAt?.N).toBe(expiry(T0 + 3_600_000));
    const short = new DynamoNotificationFeedStore({ client, table, retentionMs: 86_400_000 });
    const other = user();
    await short.upsert(item(other, "n2", { updatedAt: T0 + 7, createdAt: T0 }));
    for (const i of await partition(pkOf(other))) expect(i.expiresAt?.N).toBe(expiry(T0 + 7, 86_400_000));
  });

  it("reads an item the TTL reclaimed in part as gone, and starts a later upsert of its id afresh", async () => {
    const store = new DynamoNotificationFeedStore({ client, table });
    const who = user();
    await store.upsert(item(who, "gone-pointer"));
    await store.upsert(item(who, "gone-copy", { updatedAt: T0 + 1 }));
    await store.upsert(item(who, "kept", { updatedAt: T0 + 2 }));
    // DynamoDB deletes expired items one by one, days apart at worst.
    await remove(who, "i#gone-pointer");
    await remove(who, `o#${feedPositionKey(T0 + 1, "gone-copy")}`);
    expect(await store.get(who, "gone-pointer")).toBeUndefined();
    expect(await store.get(who, "gone-copy")).toBeUndefined();
    expect((await store.list(who, { limit: 10 })).items.map((i) => i.id)).toEqual(["kept"]);
    expect((await store.list(who, { limit: 10, unread: true })).items.map((i) => i.id)).toEqual(["kept"]);
    // The id comes back as a new item (a later version finds no pointer; the leftovers are stale).
    expect(await store.upsert(item(who, "gone-pointer", { version: 4, updatedAt: T0 + 10 }))).toBe(true);
    expect(await store.upsert(item(who, "gone-copy", { version: 2, updatedAt: T0 + 11 }))).toBe(true);
    expect((await store.list(who, { limit: 10 })).items.map((i) => [i.id, i.version])).toEqual([["gone-copy", 2], ["gone-pointer", 4], ["kept", 1]]);
    expect(await store.markRead(who, { all: true }, T0 + 20)).toEqual(expect.arrayContaining(["gone-copy", "gone-pointer", "kept"]));
    expect(await store.unreadCount(who)).toBe(0);
  });
});
