import { describe, expect, test } from "vitest";
import { isIdle } from "../../../src/notify/engine/index.js";
import { at, Driver, intent } from "./driver.js";

const T = (hms: string) => at(`2025-01-06T${hms}Z`);

describe("markRead", () => {
  test("reading a digest's item before it flushes cancels its external send (the in-app item stays as it is)", async () => {
    const d = new Driver();
    const a = intent("u1", T("09:00:00"), { topic: "comments" });
    const r = await d.event(a);
    await d.event(intent("u1", T("09:01:00"), { topic: "comments" }));
    const digestId = r.deliveries[0].notificationId;
    await d.read("u1", [digestId], T("09:02:00"));
    await d.drain();
    expect(d.external("u1")).toEqual([]);
    expect(d.deliveries.filter((x) => x.channel === "in_app").map((x) => x.version)).toEqual([1, 2]);
    expect(isIdle(d.user("u1").state)).toBe(true);
  });

  test("reading a deferred item drops it: the next send does not carry it", async () => {
    const d = new Driver();
    for (const t of ["10:00:00", "10:01:00", "10:02:00"]) await d.event(intent("u1", T(t)));
    const deferred = intent("u1", T("10:03:00"));
    const r = await d.event(deferred);
    const feedId = r.deliveries.find((x) => x.channel === "in_app")!.notificationId;
    const read = await d.read("u1", [feedId], T("10:04:00"));
    expect(read.nextWakeAt).toBeUndefined();
    expect(read.decisions).toEqual([]);
    const next = intent("u1", T("11:00:00"));
    await d.event(next);
    expect(d.external("u1").slice(-1).map((x) => x.eventIds)).toEqual([[next.eventId]]);
    expect(d.external("u1").flatMap((x) => x.eventIds)).not.toContain(deferred.eventId);
  });

  test("'all' reads everything pending: digests, deferred items and fallbacks", async () => {
    const d = new Driver();
    for (const t of ["10:00:00", "10:01:00", "10:02:00"]) await d.event(intent("u1", T(t)));
    await d.event(intent("u1", T("10:03:00"))); // deferred
    await d.event(intent("u1", T("10:04:00"), { topic: "comments" })); // digest
    await d.event(intent("u1", T("10:05:00"), { class: "transactional", topic: "tasks" })); // extra budget; fallback pending
    const before = d.external("u1").length;
    const r = await d.read("u1", "all", T("10:06:00"));
    expect(r.nextWakeAt).toBe(T("10:14:00")); // the digest stays open for later items; what it holds is read
    await d.drain();
    expect(d.external("u1").length).toBe(before);
  });

  test("ids it does not know change nothing", async () => {
    const d = new Driver();
    await d.event(intent("u1", T("09:00:00"), { topic: "comments" }));
    const before = d.user("u1").state;
    const r = await d.read("u1", ["ntf_unknown"], T("09:01:00"));
    expect(r.state).toEqual(before);
    expect(r.nextWakeAt).toBe(T("09:10:00"));
  });
});
