import { describe, expect, it } from "vitest";
import type { NotifyUser } from "../../src/notify/stores/common.js";
import {
  MAX_DEDUPE_KEYS_PER_COMMIT,
  MAX_STATE_PARTS,
  MAX_STATE_PART_BYTES,
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

    it("remembers every key of a user with many events, each for its own ttl, however the store keeps them", async () => {
      const store = await make();
      const user = newUser();
      const all: string[] = [];
      let version = 0;
      // 150 keys over 75 commits (every 5th with a 100 s ttl), a second apart, and keyless commits between.
      for (let i = 0; i < 75; i++) {
        now = T0 + i * 1_000;
        const keys = [`ev-${i}-a`, `ev-${i}-b`];
        all.push(...keys);
        expect(await store.commit(user, version, { n: i }, { dedupeKeys: keys, ...(i % 5 === 0 ? { dedupeTtlMs: 100_000 } : {}) })).toEqual({ ok: true, version: version + 1 });
        version++;
        if (i % 10 === 0) expect(await store.commit(user, version++, { n: i, settled: true })).toEqual({ ok: true, version });
      }
      expect(await store.seen(user, all)).toEqual(all);
      // The oldest key makes a commit a duplicate; nothing of it happens.
      expect(await store.commit(user, version, { n: -1 }, { dedupeKeys: ["new-1", "ev-0-a", "ev-74-b"] })).toEqual({ ok: false, reason: "duplicate", keys: ["ev-0-a", "ev-74-b"] });
      expect(await store.seen(user, ["new-1"])).toEqual([]);
      // Past the short ttl (of every 5th commit's keys) those keys are forgotten, the others not.
      now = T0 + 175_000;
      const short = all.filter((k) => Number(k.split("-")[1]) % 5 === 0);
      expect(await store.seen(user, all)).toEqual(all.filter((k) => !short.includes(k)));
      expect(await store.commit(user, version, { n: 75 }, { dedupeKeys: [short[0], "new-1"] })).toEqual({ ok: true, version: version + 1 });
      expect(await store.seen(user, [short[0], short[1], "new-1"])).toEqual([short[0], "new-1"]);
      now = T0 + 175_000 + 7 * 86_400_000 + 1_000;
      expect(await store.seen(user, all)).toEqual([]);
      expect(await store.load(user)).toEqual({ state: { n: 75 }, version: version + 1 });
      now = T0;
    });

    it("decides each event once under contention, for a user with many recorded keys", async () => {
      const store = await make();
      const user = newUser();
      for (let i = 0; i < 40; i++) await store.commit(user, i, { n: i + 1 }, { dedupeKeys: [`old-${i}`] });
      const runs = await Promise.all([
        ...Array.from({ length: 12 }, (_, i) => increment(store, user, `new-${i}`)),
        ...Array.from({ length: 4 }, () => increment(store, user, "old-0")),
        ...Array.from({ length: 4 }, () => increment(store, user, "new-0")),
      ]);
      expect(runs.slice(1, 12).every((r) => r.result.ok)).toBe(true);
      for (const r of runs.slice(12, 16)) expect(r.result).toEqual({ ok: false, reason: "duplicate", keys: ["old-0"] });
      // new-0 went in exactly once across its 5 deciders.
      expect(runs.filter((r, i) => (i === 0 || i >= 16) && r.result.ok)).toHaveLength(1);
      expect(await store.load(user)).toEqual({ state: { n: 52 }, version: 52 });
      const keys = [...Array.from({ length: 40 }, (_, i) => `old-${i}`), ...Array.from({ length: 12 }, (_, i) => `new-${i}`)];
      expect(await store.seen(user, keys)).toEqual(keys);
    });

    it("keeps a state's parts with it: load returns exactly the last commit's, a failed commit changes none", async () => {
      const store = await make();
      const user = newUser();
      const a = [1, 2, 4503599627370495];
      const b = { x: "Grüße 👋🏽", skip: undefined };
      expect(await store.commit(user, 0, { n: 1 }, { parts: { a, b } })).toEqual({ ok: true, version: 1 });
      expect(await store.load(user)).toEqual({ state: { n: 1 }, version: 1, parts: { a, b: { x: "Grüße 👋🏽" } } });
      expect(await store.commit(user, 1, { n: 2 }, { parts: { b, c: [3] }, dedupeKeys: ["k1"] })).toEqual({ ok: true, version: 2 });
      expect((await store.load(user)).parts).toEqual({ b: { x: "Grüße 👋🏽" }, c: [3] });
      expect(await store.commit(user, 1, { n: 9 }, { parts: { d: 1 } })).toEqual({ ok: false, reason: "conflict" });
      expect(await store.commit(user, 2, { n: 9 }, { parts: { d: 1 }, dedupeKeys: ["k1"] })).toEqual({ ok: false, reason: "duplicate", keys: ["k1"] });
      expect(await store.load(user)).toEqual({ state: { n: 2 }, version: 2, parts: { b: { x: "Grüße 👋🏽" }, c: [3] } });
      expect(await store.commit(user, 2, { n: 3 }, { parts: { c: [3] } })).toEqual({ ok: true, version: 3 });
      expect((await store.load(user)).parts).toEqual({ c: [3] });
      expect(await store.commit(user, 3, { n: 4 })).toEqual({ ok: true, version: 4 });
      expect(await store.load(user)).toEqual({ state: { n: 4 }, version: 4 });
      // (An id a committed state stopped using is never given again.)
      expect(await store.commit(user, 4, { n: 5 }, { parts: { f: [3], e: "x" }, dedupeKeys: ["k2"] })).toEqual({ ok: true, version: 5 });
      expect(await store.load(user)).toEqual({ state: { n: 5 }, version: 5, parts: { f: [3], e: "x" } });
    });

    it("keeps each committed state with its own parts under concurrent commits", async () => {
      const store = await make();
      const user = newUser();
      const partsOf = (n: number) => ({ [`chunk${Math.floor(n / 3)}`]: Math.floor(n / 3), [`tail${n}`]: [n] });
      await Promise.all(
        Array.from({ length: 8 }, async (_, i) => {
          for (;;) {
            const { state, version } = await store.load(user);
            const n = ((state as { n?: number } | undefined)?.n ?? 0) + 1;
            const r = await store.commit(user, version, { n }, { parts: partsOf(n), dedupeKeys: [`w${i}`] });
            if (r.ok) return;
          }
        }),
      );
      expect(await store.load(user)).toEqual({ state: { n: 8 }, version: 8, parts: partsOf(8) });
    });

    it("refuses bad parts, changing nothing", async () => {
      const store = await make();
      const user = newUser();
      await store.commit(user, 0, { n: 1 }, { parts: { ok: 1 } });
      const many = Object.fromEntries(Array.from({ length: MAX_STATE_PARTS + 1 }, (_, i) => [`p${i}`, i]));
      await expect(store.commit(user, 1, { n: 2 }, { parts: many })).rejects.toMatchObject({ code: "invalid_request" });
      for (const id of ["", "a b", "a#b", "x".repeat(65)]) await expect(store.commit(user, 1, { n: 2 }, { parts: { [id]: 1 } })).rejects.toMatchObject({ code: "invalid_request" });
      await expect(store.commit(user, 1, { n: 2 }, { parts: { big: "x".repeat(MAX_STATE_PART_BYTES) } })).rejects.toMatchObject({ code: "payload_too_large" });
      await expect(store.commit(user, 1, { n: 2 }, { parts: { none: undefined } })).rejects.toMatchObject({ code: "invalid_request" });
      expect(await store.load(user)).toEqual({ state: { n: 1 }, version: 1, parts: { ok: 1 } });
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
