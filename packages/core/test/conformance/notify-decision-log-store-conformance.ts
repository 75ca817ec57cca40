import { describe, expect, it } from "vitest";
import { MAX_DECISION_BYTES, type DecisionLogStore } from "../../src/notify/stores/decision-log-store.js";
import type { DecisionRecord } from "../../src/notify/vocabulary.js";
import { uid } from "./fixtures.js";

/**
 * A day-aligned time a year ahead of the real clock: DynamoDB (Local too) deletes items whose
 * TTL attribute is in the real past, so the suite's fake clock must stay ahead of real time.
 */
const T0 = (Math.floor(Date.now() / 86_400_000) + 365) * 86_400_000;
const HOUR = 3_600_000;

type Who = { tenant: string; userId: string };

function newUser(tenant = uid("t")): Who {
  return { tenant, userId: uid("u") };
}

function rec(who: Who, eventId: string, fields: Partial<DecisionRecord> = {}): DecisionRecord {
  return { ...who, eventId, reason: "sent", policyVersion: "p1.r1", at: T0, ...fields };
}

async function allOf(store: DecisionLogStore, who: Who, limit: number): Promise<DecisionRecord[][]> {
  const out: DecisionRecord[][] = [];
  let cursor: string | undefined;
  do {
    const page = await store.byUser(who.tenant, who.userId, { limit, cursor });
    out.push(page.records);
    cursor = page.cursor;
  } while (cursor !== undefined && out.length < 100);
  return out;
}

/**
 * DecisionLogStore contract suite. `factory` gets the clock (for retention) and the retention
 * to use (undefined = the default); stores may share one backing table: tests use fresh users.
 */
export function runDecisionLogStoreConformance(
  name: string,
  factory: (opts: { now: () => number; retentionMs?: number }) => Promise<DecisionLogStore>,
): void {
  describe(`DecisionLogStore conformance: ${name}`, () => {
    let now = T0 + HOUR;
    const make = (retentionMs?: number) => factory({ now: () => now, retentionMs });

    it("an unknown user has no decisions", async () => {
      const store = await make();
      const who = newUser();
      expect(await store.byEvent(who.tenant, who.userId, "e1")).toEqual([]);
      expect(await store.byNotification(who.tenant, who.userId, "n1")).toEqual([]);
      expect(await store.byUser(who.tenant, who.userId, { limit: 10 })).toEqual({ records: [] });
    });

    it("finds records by event and by notification, oldest first, round-tripping deep-equal", async () => {
      const store = await make();
      const who = newUser();
      const dup = rec(who, "e1", { at: T0 - 5, reason: "duplicate" });
      const sent = rec(who, "e1", { at: T0, notificationId: "n1", channel: "in_app", detail: "3 of 3 social sends 🕒; «next» at 10:00Z" });
      const failed = rec(who, "e1", { at: T0 + 10, notificationId: "n1-email", channel: "email", reason: "failed:email" });
      const other = rec(who, "e2", { at: T0 + 1, notificationId: "n1", channel: "in_app", reason: "merged" });
      await store.append([failed, other]);
      await store.append([sent, dup]);
      expect(await store.byEvent(who.tenant, who.userId, "e1")).toEqual([dup, sent, failed]);
      expect(await store.byEvent(who.tenant, who.userId, "e2")).toEqual([other]);
      expect(await store.byNotification(who.tenant, who.userId, "n1")).toEqual([sent, other]);
      expect(await store.byNotification(who.tenant, who.userId, "n1-email")).toEqual([failed]);
      expect(await store.byUser(who.tenant, who.userId, { limit: 10 })).toEqual({ records: [failed, other, sent, dup] });
    });

    it("bounds a lookup by `since`: only records made at or after it, however they were appended", async () => {
      const store = await make();
      const who = newUser();
      const early = rec(who, "e1", { at: T0 - 20, notificationId: "n1", channel: "in_app" });
      const deferred = rec(who, "e1", { at: T0 - 20, channel: "email", reason: "deferred:quiet_hours" });
      const onTime = rec(who, "e1", { at: T0, notificationId: "n1", channel: "email" });
      const later = rec(who, "e2", { at: T0 + 7, notificationId: "n1", channel: "in_app", reason: "merged" });
      const others = Array.from({ length: 40 }, (_, k) => rec(who, `x${k}`, { at: T0 - 10 + k, notificationId: `m${k}` }));
      await store.append([early, deferred, ...others.slice(0, 20)]);
      await store.append([onTime, later, ...others.slice(20)]);
      expect(await store.byNotification(who.tenant, who.userId, "n1", { since: T0 })).toEqual([onTime, later]);
      expect(await store.byNotification(who.tenant, who.userId, "n1", { since: T0 + 8 })).toEqual([]);
      expect(await store.byNotification(who.tenant, who.userId, "n1", {})).toEqual([early, onTime, later]);
      expect(await store.byEvent(who.tenant, who.userId, "e1", { since: T0 - 20 })).toEqual([deferred, early, onTime].sort((a, b) => a.at - b.at || (a.channel! < b.channel! ? -1 : 1)));
      expect(await store.byEvent(who.tenant, who.userId, "e1", { since: T0 - 19 })).toEqual([onTime]);
      expect(await store.byEvent(who.tenant, who.userId, "x39", { since: T0 })).toEqual([others[39]]);
      for (const since of [-1, 1.5, Number.NaN]) {
        await expect(store.byEvent(who.tenant, who.userId, "e1", { since })).rejects.toMatchObject({ code: "invalid_request" });
        await expect(store.byNotification(who.tenant, who.userId, "n1", { since })).rejects.toMatchObject({ code: "invalid_request" });
      }
    });

    it("never confuses ids that share a prefix or hold separators", async () => {
      const store = await make();
      const who = newUser();
      const evs = ["ab", "ab#x", "ab%23", "a", "ab#", "ü/😀 b"];
      await store.append(evs.map((e, k) => rec(who, e, { at: T0 + k, notificationId: `${e}#n` })));
      for (const [k, e] of evs.entries()) {
        expect((await store.byEvent(who.tenant, who.userId, e)).map((r) => r.at)).toEqual([T0 + k]);
        expect((await store.byNotification(who.tenant, who.userId, `${e}#n`)).map((r) => r.eventId)).toEqual([e]);
      }
    });

    it("stores each identity once; records differing in any identity field are distinct", async () => {
      const store = await make();
      const who = newUser();
      const base = rec(who, "e1", { notificationId: "n1", channel: "web_push" });
      const variants = [
        base,
        { ...base, notificationId: undefined },
        { ...base, channel: undefined },
        { ...base, channel: "email" as const },
        { ...base, reason: "failed:web_push" as const },
        { ...base, at: T0 + 1 },
      ];
      await store.append([...variants, base, { ...base, detail: "replayed" }]);
      await store.append(variants);
      const stored = await store.byEvent(who.tenant, who.userId, "e1");
      // Which of two same-identity records' detail is kept is unspecified.
      const identity = ({ detail: _, ...r }: DecisionRecord) => r;
      expect(stored.map(identity)).toHaveLength(variants.length);
      expect(stored.map(identity)).toEqual(expect.arrayContaining(variants.map(identity)));
      expect((await allOf(store, who, 4)).flat()).toHaveLength(variants.length);
    });

    it("pages newest first; appends while paging neither repeat nor skip older records", async () => {
      const store = await make();
      const who = newUser();
      const records = Array.from({ length: 23 }, (_, k) => rec(who, `e${k % 7}`, { at: T0 + Math.floor(k / 3), notificationId: `n${k}` }));
      await store.append(records);
      const expected = await store.byUser(who.tenant, who.userId, { limit: 500 });
      expect(expected.records).toHaveLength(23);
      expect(expected.cursor).toBeUndefined();
      const ats = expected.records.map((r) => r.at);
      expect(ats).toEqual([...ats].sort((a, b) => b - a));
      const paged = await allOf(store, who, 5);
      expect(paged.map((p) => p.length)).toEqual([5, 5, 5, 5, 3]);
      expect(paged.flat()).toEqual(expected.records);
      // Newer records and a record among those already returned arrive between pages.
      const first = await store.byUser(who.tenant, who.userId, { limit: 8 });
      await store.append([rec(who, "late", { at: T0 + 100 }), rec(who, "late", { at: T0 + 6, reason: "merged" })]);
      const rest = await store.byUser(who.tenant, who.userId, { limit: 500, cursor: first.cursor });
      expect([...first.records, ...rest.records]).toEqual(expected.records);
    });

    it("orders and pages records of one instant appended in several calls, however they are stored", async () => {
      const store = await make();
      const who = newUser();
      // 40 records at one instant (more than any store may keep together) from three appends,
      // their identities interleaved, with a replay and records just before and after.
      const at = (k: number) => rec(who, `e${k % 5}`, { notificationId: `n${k % 7}`, channel: k % 2 ? "email" : "in_app", reason: k % 3 ? "sent" : "merged" });
      const same = Array.from({ length: 40 }, (_, k) => at(k)).filter((r, k, all) => all.findIndex((x) => JSON.stringify(x) === JSON.stringify(r)) === k);
      await store.append(same.filter((_, k) => k % 3 === 0));
      await store.append([rec(who, "before", { at: T0 - 1 }), ...same.filter((_, k) => k % 3 === 1), rec(who, "after", { at: T0 + 1 })]);
      await store.append(same.filter((_, k) => k % 3 === 2));
      await store.append(same.filter((_, k) => k % 3 === 1));
      const all = (await store.byUser(who.tenant, who.userId, { limit: 500 })).records;
      expect(all).toHaveLength(same.length + 2);
      expect(all[0].eventId).toBe("after");
      expect(all.at(-1)!.eventId).toBe("before");
      for (const limit of [1, 2, 7, 16]) expect((await allOf(store, who, limit)).flat()).toEqual(all);
      const e1 = await store.byEvent(who.tenant, who.userId, "e1");
      expect(e1).toEqual(all.filter((r) => r.eventId === "e1").reverse());
      expect(await store.byNotification(who.tenant, who.userId, "n3")).toEqual(all.filter((r) => r.notificationId === "n3").reverse());
    });

    it("keeps records for the retention after their time, then stops returning them", async () => {
      const store = await make(60_000);
      const who = newUser();
      now = T0;
      await store.append([rec(who, "old", { at: T0 - 30_000 }), rec(who, "new", { at: T0 })]);
      now = T0 + 29_999;
      expect((await store.byUser(who.tenant, who.userId, { limit: 10 })).records.map((r) => r.eventId)).toEqual(["new", "old"]);
      now = T0 + 31_000;
      expect((await store.byUser(who.tenant, who.userId, { limit: 10 })).records.map((r) => r.eventId)).toEqual(["new"]);
      expect(await store.byEvent(who.tenant, who.userId, "old")).toEqual([]);
      now = T0 + 61_000;
      expect(await store.byUser(who.tenant, who.userId, { limit: 10 })).toEqual({ records: [] });
      expect(await store.byEvent(who.tenant, who.userId, "new")).toEqual([]);
      // The default retention is 30 days.
      const defaults = await make();
      now = T0;
      await defaults.append([rec(who, "month", { at: T0 })]);
      now = T0 + 30 * 24 * HOUR - 1;
      expect(await defaults.byEvent(who.tenant, who.userId, "month")).toHaveLength(1);
      now = T0 + 30 * 24 * HOUR + 1_000;
      expect(await defaults.byEvent(who.tenant, who.userId, "month")).toEqual([]);
      now = T0 + HOUR;
    });

    it("isolates users and tenants", async () => {
      const store = await make();
      const a = newUser();
      const b = newUser(a.tenant);
      const c = { tenant: uid("t"), userId: a.userId };
      await store.append([rec(a, "e1", { notificationId: "n" }), rec(b, "e1", { notificationId: "n", reason: "merged" })]);
      expect((await store.byEvent(a.tenant, a.userId, "e1")).map((r) => r.reason)).toEqual(["sent"]);
      expect((await store.byNotification(b.tenant, b.userId, "n")).map((r) => r.reason)).toEqual(["merged"]);
      expect(await store.byEvent(c.tenant, c.userId, "e1")).toEqual([]);
      expect(await store.byUser(c.tenant, c.userId, { limit: 5 })).toEqual({ records: [] });
    });

    it("refuses a batch with any bad record, storing none of it", async () => {
      const store = await make();
      const who = newUser();
      const good = rec(who, "good");
      const bad: DecisionRecord[] = [
        rec(who, "x", { reason: "lost" as DecisionRecord["reason"] }),
        rec(who, "x", { channel: "fax" as DecisionRecord["channel"] }),
        rec(who, ""),
        rec(who, "x", { at: -1 }),
        rec(who, "x", { detail: "x".repeat(MAX_DECISION_BYTES) }),
        rec({ tenant: who.tenant, userId: "with space" }, "x"),
      ];
      for (const r of bad) await expect(store.append([good, r])).rejects.toMatchObject({ code: expect.stringMatching(/invalid_request|payload_too_large/) });
      await expect(store.byUser(who.tenant, who.userId, { limit: 0 })).rejects.toMatchObject({ code: "invalid_request" });
      await expect(store.byUser(who.tenant, who.userId, { limit: 5, cursor: "bm9wZQ" })).rejects.toMatchObject({ code: "invalid_request" });
      expect(await store.byUser(who.tenant, who.userId, { limit: 10 })).toEqual({ records: [] });
    });
  });
}
