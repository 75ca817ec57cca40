import { describe, expect, it } from "vitest";
import type { NotifyUser } from "../../src/notify/stores/common.js";
import {
  MAX_DEDUPE_KEYS_PER_COMMIT,
  MAX_USER_STATE_BYTES,
  type UserStateCommitResult,
  type NotifyUserStateStore,
} from "../../src/notify/stores/user-state-store.js";
import { uid } from "./fixtures.js";

/**
 * A day-aligned time a year ahead of the real clock: DynamoDB (Local too) deletes items whose
 * TTL attribute is in the real past, so the suite's fake clock must stay ahead of real time.
 */
const T0 = (Math.floor(Date.now() / 86_400_000) + 365) * 86_400_000;

function newUser(tenant = uid("t")): NotifyUser {
  return { tenant, userId: uid("u") };
}

/**
 * One decision loop: load, add 1 to the counter, commit (recording `key` when given); on
 * "conflict" reload and retry. Returns the final result and how many conflicts it met.
 */
async function increment(store: NotifyUserStateStore, user: NotifyUser, key?: string): Promise<{ result: UserStateCommitResult; conflicts: number }> {
  for (let conflicts = 0; conflicts < 500; conflicts++) {
    const { state, version } = await store.load(user);
    const n = (state as { n: number } | undefined)?.n ?? 0;
    const result = await store.commit(user, version, { n: n + 1 }, key === undefined ? {} : { dedupeKeys: [key] });
    if (result.ok || result.reason === "duplicate") return { result, conflicts };
  }
  throw new Error("no progress after 500 conflicts");
}

/**
 * NotifyUserStateStore contract suite. `factory` gets the clock the store must use (for
 * dedupe-key expiry); stores may share one backing table: tests use fresh users.
 */
export function runNotifyUserStateStoreConformance(name: string, factory: (opts: { now: () => number }) => Promise<NotifyUserStateStore>): void {
  describe(`NotifyUserStateStore conformance: ${name}`, () => {
    let now = T0;
    const make = () => factory({ now: () => now });

    it("an unknown user has version 0 and no state", async () => {
      const store = await make();
      expect(await store.load(newUser())).toEqual({ version: 0 });
      expect(await store.seen(newUser(), ["a", "b"])).toEqual([]);
    });

    it("commits compare-and-set on the version; state round-trips as JSON", async () => {
      const store = await make();
      const user = newUser();
      const state = { caps: [T0, T0 + 1], name: "Grüße 👋🏽", nested: { a: [1, null, "x"], skip: undefined }, when: new Date(T0) };
      expect(await store.commit(user, 0, state)).toEqual({ ok: true, version: 1 });
      expect(await store.load(user)).toEqual({ state: JSON.parse(JSON.stringify(state)), version: 1 });
      // A stale or a future version is a conflict and changes nothing.
      for (const v of [0, 2, 7]) expect(await store.commit(user, v, { other: true })).toEqual({ ok: false, reason: "conflict" });
      expect((await store.load(user)).version).toBe(1);
      expect(await store.commit(user, 1, [1, 2, 3])).toEqual({ ok: true, version: 2 });
      expect(await store.commit(user, 2, null)).toEqual({ ok: true, version: 3 });
      expect(await store.load(user)).toEqual({ state: null, version: 3 });
    });

    it("records dedupe keys with the commit; any recorded key makes the whole commit a duplicate", async () => {
      const store = await make();
      const user = newUser();
      expect(await store.commit(user, 0, { n: 1 }, { dedupeKeys: ["e1", "e2", "e1"] })).toEqual({ ok: true, version: 1 });
      expect(await store.seen(user, ["e0", "e2", "e1", "e2"])).toEqual(["e2", "e1"]);
      // e3 is new but e2 is not: nothing happens, e3 stays unrecorded.
      expect(await store.commit(user, 1, { n: 2 }, { dedupeKeys: ["e3", "e2"] })).toEqual({ ok: false, reason: "duplicate", keys: ["e2"] });
      expect(await store.seen(user, ["e3"])).toEqual([]);
      expect(await store.load(user)).toEqual({ state: { n: 1 }, version: 1 });
      // A duplicate wins over a version conflict (it is final; a conflict is worth a retry).
      expect(await store.commit(user, 0, { n: 9 }, { dedupeKeys: ["e1", "e3", "e2"] })).toEqual({ ok: false, reason: "duplicate", keys: ["e1", "e2"] });
      expect(await store.commit(user, 0, { n: 9 }, { dedupeKeys: ["e3"] })).toEqual({ ok: false, reason: "conflict" });
      expect(await store.seen(user, ["e3"])).toEqual([]);
      expect(await store.commit(user, 1, { n: 2 }, { dedupeKeys: ["e3"] })).toEqual({ ok: true, version: 2 });
      expect(await store.seen(user, ["e1", "e2", "e3"])).toEqual(["e1", "e2", "e3"]);
    });

    it("takes the most keys a commit may hold, odd characters included", async () => {
      const store = await make();
      const user = newUser();
      const keys = Array.from({ length: MAX_DEDUPE_KEYS_PER_COMMIT }, (_, i) => `ev#${i}:ü 👋/${"x".repeat(i)}`);
      expect(await store.commit(user, 0, { n: 1 }, { dedupeKeys: keys })).toEqual({ ok: true, version: 1 });
      expect(await store.seen(user, [...keys].reverse())).toEqual([...keys].reverse());
      expect(await store.commit(user, 1, { n: 2 }, { dedupeKeys: ["fresh", keys[50], keys[98]] })).toEqual({
        ok: false,
        reason: "duplicate",
        keys: [keys[50], keys[98]],
      });
    });

    it("keeps keys per user and users per tenant", async () => {
      const store = await make();
      const a = newUser();
      const b = newUser(a.tenant);
      const c = { tenant: uid("t"), userId: a.userId };
      await store.commit(a, 0, { who: "a" }, { dedupeKeys: ["shared"] });
      expect(await store.seen(b, ["shared"])).toEqual([]);
      expect(await store.seen(c, ["shared"])).toEqual([]);
      expect(await store.load(c)).toEqual({ version: 0 });
      expect(await store.commit(b, 0, { who: "b" }, { dedupeKeys: ["shared"] })).toEqual({ ok: true, version: 1 });
      expect(await store.commit(c, 0, { who: "c" }, { dedupeKeys: ["shared"] })).toEqual({ ok: true, version: 1 });
      expect((await store.load(a)).state).toEqual({ who: "a" });
      expect((await store.load(b)).state).toEqual({ who: "b" });
      expect((await store.load(c)).state).toEqual({ who: "c" });
    });

    it("remembers a key for at least its ttl and less than a second more, then forgets it", async () => {
      const store = await make();
      const user = newUser();
      now = T0 + 250;
      await store.commit(user, 0, { n: 1 }, { dedupeKeys: ["short"], dedupeTtlMs: 5_000 });
      await store.commit(user, 1, { n: 2 }, { dedupeKeys: ["long"] });
      now = T0 + 250 + 4_999;
      expect(await store.seen(user, ["short", "long"])).toEqual(["short", "long"]);
      now = T0 + 250 + 5_000 + 999;
      expect(await store.seen(user, ["short", "long"])).toEqual(["long"]);
      expect(await store.commit(user, 2, { n: 3 }, { dedupeKeys: ["short"], dedupeTtlMs: 5_000 })).toEqual({ ok: true, version: 3 });
      expect(await store.seen(user, ["short"])).toEqual(["short"]);
      // The default ttl is 7 days.
      now = T0 + 250 + 7 * 86_400_000 - 1;
      expect(await store.seen(user, ["long"])).toEqual(["long"]);
      now = T0 + 250 + 7 * 86_400_000 + 1_000;
      expect(await store.seen(user, ["long"])).toEqual([]);
      now = T0;
    });

    it("refuses bad commits with a clear error, changing nothing", async () => {
      const store = await make();
      const user = newUser();
      await store.commit(user, 0, { n: 1 });
      const big = { blob: "x".repeat(MAX_USER_STATE_BYTES) };
      await expect(store.commit(user, 1, big)).rejects.toMatchObject({ code: "payload_too_large" });
      await expect(store.commit(user, 1, undefined)).rejects.toMatchObject({ code: "invalid_request" });
      await expect(store.commit(user, 1, { n: 2 }, { dedupeKeys: [""] })).rejects.toMatchObject({ code: "invalid_request" });
      await expect(store.commit(user, 1, { n: 2 }, { dedupeKeys: ["k".repeat(257)] })).rejects.toMatchObject({ code: "invalid_request" });
      const tooMany = Array.from({ length: MAX_DEDUPE_KEYS_PER_COMMIT + 1 }, (_, i) => `k${i}`);
      await expect(store.commit(user, 1, { n: 2 }, { dedupeKeys: tooMany })).rejects.toMatchObject({ code: "invalid_request" });
      await expect(store.commit(user, 1, { n: 2 }, { dedupeTtlMs: 0 })).rejects.toMatchObject({ code: "invalid_request" });
      await expect(store.commit(user, -1, { n: 2 })).rejects.toMatchObject({ code: "invalid_request" });
      await expect(store.commit({ tenant: user.tenant, userId: "a#b" }, 0, {})).rejects.toMatchObject({ code: "invalid_request" });
      expect(await store.load(user)).toEqual({ state: { n: 1 }, version: 1 });
      expect(await store.seen(user, ["k0"])).toEqual([]);
    });

    it("keeps a state just under the size limit", async () => {
      const store = await make();
      const user = newUser();
      const state = { blob: "é".repeat((MAX_USER_STATE_BYTES - 20) / 2) };
      expect(await store.commit(user, 0, state)).toEqual({ ok: true, version: 1 });
      expect(await store.load(user)).toEqual({ state, version: 1 });
    });

    it("never loses an update under concurrent read-modify-commit loops, while other users never contend", async () => {
      const store = await make();
      const hot = newUser();
      const others = Array.from({ length: 4 }, () => newUser(hot.tenant));
      const N = 10;
      const [hotRuns, otherRuns] = await Promise.all([
        Promise.all(Array.from({ length: N }, (_, i) => increment(store, hot, `ev-${i}`))),
        // One writer per other user, interleaved with the hot user's loops: none ever conflicts.
        Promise.all(others.map(async (u) => [await increment(store, u), await increment(store, u)])),
      ]);
      expect(hotRuns.every((r) => r.result.ok)).toBe(true);
      expect(await store.load(hot)).toEqual({ state: { n: N }, version: N });
      expect(await store.seen(hot, Array.from({ length: N }, (_, i) => `ev-${i}`))).toHaveLength(N);
      expect(otherRuns.flat().map((r) => r.conflicts)).toEqual(Array(8).fill(0));
      for (const u of others) expect(await store.load(u)).toEqual({ state: { n: 2 }, version: 2 });
    });

    it("lets exactly one of many concurrent deciders of the same event commit", async () => {
      const store = await make();
      const user = newUser();
      await store.commit(user, 0, { n: 0 });
      const runs = await Promise.all(Array.from({ length: 8 }, () => increment(store, user, "same-event")));
      expect(runs.filter((r) => r.result.ok)).toHaveLength(1);
      for (const r of runs.filter((r) => !r.result.ok)) expect(r.result).toEqual({ ok: false, reason: "duplicate", keys: ["same-event"] });
      expect(await store.load(user)).toEqual({ state: { n: 1 }, version: 2 });
    });
  });
}
