import { describe, expect, test } from "vitest";
import { decide, emptyNotifyState, wake } from "../../../src/notify/engine/index.js";
import { digestId, hash53, hash53Of2, notificationId, releaseId, sendChannelId } from "../../../src/notify/engine/ids.js";
import { forStorage, pendingItemOf, withFeedId, withNoted, withReadAt } from "../../../src/notify/engine/intent.js";
import { iso } from "../../../src/notify/engine/iso.js";
import { digestWith, type OpenDigest, type PendingItem } from "../../../src/notify/engine/state.js";
import { mulberry32 } from "../../../src/prng.js";
import { Driver, intent } from "./driver.js";

/**
 * The engine's hand-made replacements of library calls and spreads (made for speed) give
 * exactly what those gave: same strings, same ids, same JSON of the state.
 */
describe("engine fast paths", () => {
  test("iso formats every instant as Date#toISOString does, and fails where it fails", () => {
    const rnd = mulberry32(11);
    const cases = [0, -1, 1, 86_399_999, 86_400_000, -86_400_001, 8.64e15, -8.64e15, 253_402_300_799_999, 253_402_300_800_000, -62_167_219_200_001, 1.5, -0.5];
    for (let k = 0; k < 30_000; k++) cases.push(Math.floor((rnd() - 0.5) * 2 * 8.64e15 * [1, 1e-4, 1e-7][k % 3]));
    for (let k = 0; k < 30_000; k++) cases.push(Date.UTC(2025, 0, 1) + Math.floor(rnd() * 1e9));
    for (const t of cases) expect(iso(t)).toBe(new Date(t).toISOString());
    for (const t of [NaN, Infinity, 8.64e15 + 1]) expect(() => iso(t)).toThrow(RangeError);
  });

  test("hash53Of2 is hash53 of the two strings joined by U+0001", () => {
    const rnd = mulberry32(12);
    const str = () => Array.from({ length: Math.floor(rnd() * 40) }, () => String.fromCharCode(Math.floor(rnd() * (rnd() < 0.8 ? 128 : 0xffff)))).join("");
    for (let k = 0; k < 2000; k++) {
      const a = str(), b = str();
      expect(hash53Of2(a, b)).toBe(hash53(`${a}\u0001${b}`));
    }
  });

  test("ids are the ones the engine has always given", () => {
    expect(notificationId("t1", "u1", "ev-1", "email")).toBe("ntf_c9n65m193nedl2j9es890");
    expect(digestId("t1", "u1", "doc=d1;topic=comments;", "ev-2")).toBe("ntf_thosvm23egsod2bhsgqe1");
    expect(sendChannelId("ntf_abc", "web_push")).toBe("ntf_u2mn9410mp4op0kc4f0o2");
    expect(releaseId("t1", "ü✓", "ev-3")).toBe("ntf_n4c2s1223ida43o6tcea0");
  });

  test("item and digest copies read as spread copies do (field order included)", () => {
    // Items as the engine makes them: an intent's fields, then feedId, then readAt or noted.
    const fresh = pendingItemOf({ ...intent("u1", 1000), subject: { kind: "comment", id: "c1" }, url: "/x", data: { k: 1 } });
    const bare = pendingItemOf({ ...intent("u1", 1000), actorId: undefined, docId: undefined });
    const shown: PendingItem = { ...fresh, feedId: "f1" };
    const same = (a: unknown, b: unknown) => expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    for (const item of [fresh, bare]) same(withFeedId(item, "f2"), { ...item, feedId: "f2" });
    for (const item of [shown, { ...bare, feedId: "f3" }]) same(withReadAt(item, 9), { ...item, readAt: 9 });
    for (const item of [fresh, bare, shown, { ...shown, noted: 1 }, { ...bare, noted: 2 }]) same(withNoted(item, 3), { ...item, noted: 3 });
    for (const item of [fresh, bare, shown, { ...shown, readAt: 4 }, { ...shown, noted: 1 }]) {
      const long = { ...item, title: "t".repeat(400) };
      same(forStorage(long), { ...long, title: forStorage(long).title });
    }
    const d: OpenDigest = { key: "k", id: "d1", openedAt: 1, dueAt: 2, version: 1, items: [shown] };
    d.rendered = "h";
    same(digestWith(d, [bare]), { ...d, items: [bare] });
  });

  test("a summary sent on several channels: each delivery has its own event id list and summary data", async () => {
    const drv = new Driver();
    // Two push channels (email is left out while push reaches the user: the cross-channel rule).
    drv.user("u1", { contacts: { emailVerified: true, hasPhone: false, devices: { web_push: 1, mobile_push: 1 } } });
    const t0 = Date.parse("2025-01-06T10:00:00Z");
    const ctx = drv.ctx("u1", t0);
    let state = emptyNotifyState();
    for (let k = 0; k < 5; k++) state = (await decide(state, intent("u1", t0), ctx)).state; // 3 sent, 2 deferred by the cap
    const r = await wake(state, { ...ctx, now: t0 + 3_600_000 + 1000 });
    const summaries = r.deliveries.filter((d) => d.eventIds.length === 2);
    expect(summaries.map((d) => d.channel)).toEqual(["web_push", "mobile_push"]);
    const [a, b] = summaries;
    expect(a.eventIds).toEqual(b.eventIds);
    expect(a.eventIds).not.toBe(b.eventIds);
    expect(a.data).toEqual({ summary: true, count: 2 });
    expect(a.data).toEqual(b.data);
    expect(a.data).not.toBe(b.data);
    expect([a.title, a.body]).toEqual([b.title, b.body]);
  });
});
