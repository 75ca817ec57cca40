import { describe, expect, it } from "vitest";
import type { NotifyUser } from "../../src/notify/stores/common.js";
import { MAX_FEED_ITEM_BYTES, MAX_FEED_PAGE, type FeedListOptions, type NotificationFeedStore } from "../../src/notify/stores/feed-store.js";
import type { FeedItem } from "../../src/notify/vocabulary.js";
import { compare } from "../../src/search/term-diff.js";
import { uid } from "./fixtures.js";
import { mulberry32 } from "../../src/prng.js";

/** A time a year ahead of the real clock: DynamoDB (Local too) reclaims items whose TTL (updatedAt + retention) is in the real past. */
const T0 = (Math.floor(Date.now() / 86_400_000) + 365) * 86_400_000;

function newUser(tenant = uid("t")): NotifyUser {
  return { tenant, userId: uid("u") };
}

function item(user: NotifyUser, id: string, fields: Partial<FeedItem> = {}): FeedItem {
  return {
    tenant: user.tenant,
    userId: user.userId,
    id,
    version: 1,
    class: "social",
    topic: "comments",
    title: `Title of ${id}`,
    body: "Dan and 2 others left 4 comments on Roadmap",
    eventIds: [`ev-${id}`],
    createdAt: T0,
    updatedAt: T0,
    ...fields,
  };
}

/** Every item of a listing, following cursors (the pages, for checking their sizes). */
async function pages(store: NotificationFeedStore, user: NotifyUser, opts: Omit<FeedListOptions, "cursor">): Promise<FeedItem[][]> {
  const out: FeedItem[][] = [];
  let cursor: string | undefined;
  do {
    const page = await store.list(user, { ...opts, cursor });
    out.push(page.items);
    cursor = page.cursor;
  } while (cursor !== undefined && out.length < 100);
  return out;
}

/** Newest first by (updatedAt, id), the contract's order. */
function newestFirst(items: FeedItem[]): FeedItem[] {
  return [...items].sort((a, b) => b.updatedAt - a.updatedAt || compare(b.id, a.id));
}

const rng = mulberry32;

const ids = (items: FeedItem[]) => items.map((i) => i.id);

/** NotificationFeedStore contract suite. Stores may share one backing table: tests use fresh users. */
export function runNotificationFeedStoreConformance(name: string, factory: () => Promise<NotificationFeedStore>): void {
  describe(`NotificationFeedStore conformance: ${name}`, () => {
    it("an unknown user has an empty feed", async () => {
      const store = await factory();
      const user = newUser();
      expect(await store.list(user, { limit: 10 })).toEqual({ items: [] });
      expect(await store.list(user, { limit: 10, unread: true })).toEqual({ items: [] });
      expect(await store.get(user, "nope")).toBeUndefined();
      expect(await store.unreadCount(user)).toBe(0);
      expect(await store.markRead(user, { all: true }, T0)).toEqual([]);
      expect(await store.markRead(user, { ids: ["nope"] }, T0)).toEqual([]);
    });

    it("upserts by version: higher writes, same is an idempotent no-op, lower is ignored", async () => {
      const store = await factory();
      const user = newUser();
      const v1 = item(user, "n1", { url: "/d/roadmap", docId: "roadmap", data: { who: ["Dan", "Zoë 👋🏽"], n: 4, nested: { x: null } } });
      expect(await store.upsert(v1)).toBe(true);
      expect(await store.get(user, "n1")).toEqual(v1);
      expect(await store.upsert({ ...v1, title: "changed, same version" })).toBe(false);
      const v3 = item(user, "n1", { version: 3, title: "v3", updatedAt: T0 + 30, eventIds: ["a", "b", "c"] });
      expect(await store.upsert(v3)).toBe(true);
      expect(await store.upsert({ ...v3, version: 2, title: "stale" })).toBe(false);
      expect(await store.get(user, "n1")).toEqual(v3);
      expect(ids((await store.list(user, { limit: 10 })).items)).toEqual(["n1"]);
      expect(await store.unreadCount(user)).toBe(1);
    });

    it("a new version is unread again; markRead changes only readAt", async () => {
      const store = await factory();
      const user = newUser();
      await store.upsert(item(user, "d1", { updatedAt: T0 + 1 }));
      await store.upsert(item(user, "d2", { updatedAt: T0 + 2 }));
      await store.upsert(item(user, "r1", { updatedAt: T0 + 3, readAt: T0 + 3 }));
      expect(await store.unreadCount(user)).toBe(2);
      expect(await store.markRead(user, { ids: ["d1", "nope", "r1", "d1"] }, T0 + 10)).toEqual(["d1"]);
      expect(await store.get(user, "d1")).toEqual(item(user, "d1", { updatedAt: T0 + 1, readAt: T0 + 10 }));
      expect(await store.get(user, "r1")).toEqual(item(user, "r1", { updatedAt: T0 + 3, readAt: T0 + 3 }));
      expect(ids((await store.list(user, { limit: 10, unread: true })).items)).toEqual(["d2"]);
      // The digest grows: same id, new version, back to unread and to the top.
      const d1v2 = item(user, "d1", { version: 2, updatedAt: T0 + 20, body: "Dan and 3 others" });
      expect(await store.upsert(d1v2)).toBe(true);
      expect(await store.get(user, "d1")).toEqual(d1v2);
      expect(ids((await store.list(user, { limit: 10, unread: true })).items)).toEqual(["d1", "d2"]);
      expect(await store.unreadCount(user)).toBe(2);
      expect(await store.markRead(user, { all: true }, T0 + 30)).toEqual(expect.arrayContaining(["d1", "d2"]));
      expect(await store.unreadCount(user)).toBe(0);
      expect(await store.markRead(user, { all: true }, T0 + 40)).toEqual([]);
      expect((await store.list(user, { limit: 10 })).items.map((i) => [i.id, i.readAt, i.version])).toEqual([
        ["d1", T0 + 30, 2],
        ["r1", T0 + 3, 1],
        ["d2", T0 + 30, 1],
      ]);
    });

    it("lists newest first by updatedAt then id (code-point order), in pages that cover everything once", async () => {
      const store = await factory();
      const user = newUser();
      const all: FeedItem[] = [];
      const tieIds = ["a", "b", "B", "é", "\ufb00", "😀", "a#b"];
      for (const [k, id] of tieIds.entries()) all.push(item(user, id, { updatedAt: T0 + 5, readAt: k % 2 ? T0 + 9 : undefined }));
      for (let k = 0; k < 18; k++) all.push(item(user, `n${k}`, { updatedAt: T0 + (k % 6) * 10, readAt: k % 3 === 0 ? T0 + 99 : undefined }));
      for (const i of [...all].reverse()) await store.upsert(i);
      const expected = newestFirst(all);
      const paged = await pages(store, user, { limit: 7 });
      expect(paged.slice(0, -1).every((p) => p.length === 7)).toBe(true);
      expect(paged.flat()).toEqual(expected);
      const unread = await pages(store, user, { limit: 4, unread: true });
      expect(ids(unread.flat())).toEqual(ids(expected.filter((i) => i.readAt === undefined)));
      expect(await store.unreadCount(user)).toBe(unread.flat().length);
      const one = await store.list(user, { limit: MAX_FEED_PAGE });
      expect(one.cursor).toBeUndefined();
      expect(ids(one.items)).toEqual(ids(expected));
    });

    it("a first version delivered several times at once is written once; a late v1 after v2 changes nothing", async () => {
      const store = await factory();
      const user = newUser();
      const v1 = item(user, "n1");
      const results = await Promise.all(Array.from({ length: 4 }, () => store.upsert(v1)));
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await store.get(user, "n1")).toEqual(v1);
      const v2 = item(user, "n1", { version: 2, title: "v2", updatedAt: T0 + 20 });
      expect(await store.upsert(v2)).toBe(true);
      expect(await store.upsert(v1)).toBe(false);
      expect(await store.get(user, "n1")).toEqual(v2);
      expect(ids((await store.list(user, { limit: 10 })).items)).toEqual(["n1"]);
      expect(await store.unreadCount(user)).toBe(1);
    });

    it("keeps a listing stable under concurrent upserts and reads: no skip or repeat of untouched items", async () => {
      const store = await factory();
      const user = newUser();
      for (let k = 0; k < 20; k++) await store.upsert(item(user, `i${String(k).padStart(2, "0")}`, { updatedAt: T0 + k * 10 }));
      for (const unread of [false, true]) {
        const seen: string[] = [];
        let page = await store.list(user, { limit: 5, unread });
        seen.push(...ids(page.items));
        // Between pages: new items on top, an item below the cursor moves to the top, one below is read.
        const base = unread ? 1000 : 500;
        await store.upsert(item(user, `new-${unread}`, { updatedAt: T0 + base }));
        const moved = unread ? "i03" : "i10";
        const before = (await store.get(user, moved))!;
        await store.upsert({ ...before, version: before.version + 1, updatedAt: T0 + base + 1, readAt: undefined });
        if (unread) await store.markRead(user, { ids: ["i05"] }, T0 + 2000);
        while (page.cursor !== undefined) {
          page = await store.list(user, { limit: 5, unread, cursor: page.cursor });
          seen.push(...ids(page.items));
        }
        expect(new Set(seen).size).toBe(seen.length);
        const untouched = Array.from({ length: 20 }, (_, k) => `i${String(k).padStart(2, "0")}`)
          .filter((id) => id !== moved && !(unread && ["i05", "i10"].includes(id)))
          .reverse();
        expect(seen.filter((id) => untouched.includes(id))).toEqual(untouched);
        expect(seen).not.toContain(moved);
      }
    });

    it("converges under concurrent upserts, and reports each read item to exactly one concurrent markRead", async () => {
      const store = await factory();
      const user = newUser();
      const names = ["c1", "c2", "c3"];
      const order = [3, 1, 6, 2, 5, 4];
      await Promise.all(names.flatMap((id, k) => order.map((v) => store.upsert(item(user, id, { version: v, updatedAt: T0 + v * 10 + k, title: `v${v}` })))));
      for (const [k, id] of names.entries()) expect(await store.get(user, id)).toEqual(item(user, id, { version: 6, updatedAt: T0 + 60 + k, title: "v6" }));
      expect(ids((await store.list(user, { limit: 10 })).items)).toEqual(["c3", "c2", "c1"]);
      expect(await store.unreadCount(user)).toBe(3);
      const changed = await Promise.all([
        store.markRead(user, { ids: names }, T0 + 100),
        store.markRead(user, { all: true }, T0 + 100),
        store.markRead(user, { ids: ["c2", "c1"] }, T0 + 100),
        store.markRead(user, { all: true }, T0 + 100),
      ]);
      expect(changed.flat().sort()).toEqual(names);
      expect(await store.unreadCount(user)).toBe(0);
      expect(await store.list(user, { limit: 10, unread: true })).toEqual({ items: [] });
    });

    it("isolates users and tenants", async () => {
      const store = await factory();
      const a = newUser();
      const b = newUser(a.tenant);
      const c = { tenant: uid("t"), userId: a.userId };
      await store.upsert(item(a, "same"));
      await store.upsert(item(b, "same", { title: "b's" }));
      expect((await store.get(a, "same"))?.title).toBe("Title of same");
      expect((await store.get(b, "same"))?.title).toBe("b's");
      expect(await store.get(c, "same")).toBeUndefined();
      expect(await store.markRead(c, { all: true }, T0)).toEqual([]);
      expect(await store.markRead(a, { ids: ["same"] }, T0)).toEqual(["same"]);
      expect(await store.unreadCount(b)).toBe(1);
      expect(await store.list(c, { limit: 5 })).toEqual({ items: [] });
    });

    it("refuses bad input with a clear error", async () => {
      const store = await factory();
      const user = newUser();
      await expect(store.upsert(item(user, "x", { version: 0 }))).rejects.toMatchObject({ code: "invalid_request" });
      await expect(store.upsert(item(user, ""))).rejects.toMatchObject({ code: "invalid_request" });
      await expect(store.upsert(item(user, "x", { updatedAt: -1 }))).rejects.toMatchObject({ code: "invalid_request" });
      await expect(store.upsert(item(user, "x", { body: "x".repeat(MAX_FEED_ITEM_BYTES) }))).rejects.toMatchObject({ code: "payload_too_large" });
      await expect(store.list(user, { limit: 0 })).rejects.toMatchObject({ code: "invalid_request" });
      await expect(store.list(user, { limit: MAX_FEED_PAGE + 1 })).rejects.toMatchObject({ code: "invalid_request" });
      for (const cursor of ["", "!!", "bm9wZQ"]) await expect(store.list(user, { limit: 5, cursor })).rejects.toMatchObject({ code: "invalid_request" });
      await expect(store.markRead(user, { ids: "x" as unknown as string[] }, T0)).rejects.toMatchObject({ code: "invalid_request" });
      expect(await store.list(user, { limit: 5 })).toEqual({ items: [] });
    });

    it("matches a model under a seeded random mix of upserts and reads", async () => {
      const store = await factory();
      const user = newUser();
      const next = rng(20250309);
      const model = new Map<string, FeedItem>();
      const pick = (n: number) => Math.floor(next() * n);
      for (let step = 0; step < 80; step++) {
        const id = `f${pick(12)}`;
        const stored = model.get(id);
        const roll = next();
        if (roll < 0.6) {
          const version = Math.max(1, (stored?.version ?? 0) + pick(3) - 1);
          const candidate = item(user, id, { version, updatedAt: T0 + pick(40), title: `s${step}`, ...(next() < 0.2 ? { readAt: T0 } : {}) });
          const wrote = !stored || stored.version < version;
          expect(await store.upsert(candidate)).toBe(wrote);
          if (wrote) model.set(id, candidate);
        } else if (roll < 0.9) {
          const targets = [id, `f${pick(12)}`];
          const changed = targets.filter((t, k) => targets.indexOf(t) === k && model.get(t) && model.get(t)!.readAt === undefined);
          expect(await store.markRead(user, { ids: targets }, T0 + step)).toEqual(changed);
          for (const t of changed) model.get(t)!.readAt = T0 + step;
        } else {
          const changed = [...model.values()].filter((i) => i.readAt === undefined).map((i) => i.id);
          expect((await store.markRead(user, { all: true }, T0 + step)).sort()).toEqual(changed.sort());
          for (const t of changed) model.get(t)!.readAt = T0 + step;
        }
        if (step % 10 === 9) {
          expect((await pages(store, user, { limit: 4 })).flat()).toEqual(newestFirst([...model.values()]));
          expect(await store.unreadCount(user)).toBe([...model.values()].filter((i) => i.readAt === undefined).length);
        }
      }
    });
  });
}
