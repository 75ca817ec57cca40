import { describe, expect, test } from "vitest";
import { quietUntil } from "../../../src/notify/engine/index.js";
import { at, Driver, intent } from "./driver.js";

const Z = (s: string) => at(`${s}Z`);

describe("quietUntil", () => {
  const ny = { start: "22:00", end: "07:00", timeZone: "America/New_York" };
  test.each([
    ["2025-03-09T03:30:00", "2025-03-09T11:00:00"], // 22:30 EST -> 07:00 EDT (spring forward inside the period)
    ["2025-03-09T08:00:00", "2025-03-09T11:00:00"], // 04:00 EDT
    ["2025-03-09T10:59:59", "2025-03-09T11:00:00"],
    ["2025-11-02T03:30:00", "2025-11-02T12:00:00"], // 23:30 EDT -> 07:00 EST (fall back inside the period)
  ])("New York 22:00-07:00 at %s ends at %s", (now, end) => {
    expect(quietUntil(ny, Z(now))).toBe(Z(end));
  });

  test("boundaries: start is quiet, end is not", () => {
    expect(quietUntil(ny, Z("2025-01-15T03:00:00"))).toBe(Z("2025-01-15T12:00:00")); // 22:00 EST
    expect(quietUntil(ny, Z("2025-01-15T12:00:00"))).toBeUndefined(); // 07:00 EST
    expect(quietUntil(ny, Z("2025-01-15T11:59:59"))).toBe(Z("2025-01-15T12:00:00"));
    expect(quietUntil(ny, Z("2025-01-15T02:59:00"))).toBeUndefined(); // 21:59 EST
  });

  test("a period within one day, and an end inside a skipped hour (spring forward)", () => {
    const day = { start: "09:00", end: "17:30", timeZone: "Asia/Kolkata" };
    expect(quietUntil(day, Z("2025-03-09T04:00:00"))).toBe(Z("2025-03-09T12:00:00")); // 09:30 IST -> 17:30 IST
    expect(quietUntil(day, Z("2025-03-09T12:00:00"))).toBeUndefined();
    // 01:00-02:30 in New York on 2025-03-09: 02:30 does not exist; quiet ends when the clock jumps (03:00 EDT = 07:00Z).
    const gap = { start: "01:00", end: "02:30", timeZone: "America/New_York" };
    expect(quietUntil(gap, Z("2025-03-09T06:30:00"))).toBe(Z("2025-03-09T07:00:00"));
  });
});

describe("quiet hours 22:00-07:00 across the 2025-03-09 US DST change", () => {
  test("New York: deferred to 07:00 EDT and merged into one summary; Kolkata: at once", async () => {
    const d = new Driver();
    const base = d.user("ny").prefs;
    d.user("ny", { prefs: { ...base, quietHours: { start: "22:00", end: "07:00", timeZone: "America/New_York" } } });
    d.user("in", { prefs: { ...base, quietHours: { start: "22:00", end: "07:00", timeZone: "Asia/Kolkata" } } });
    const times = ["2025-03-09T03:30:00", "2025-03-09T08:00:00"]; // NY: 22:30 EST, 04:00 EDT. Kolkata: 09:00, 13:30 IST.
    const ny = times.map((t) => intent("ny", Z(t)));
    const ind = times.map((t) => intent("in", Z(t)));
    for (let k = 0; k < 2; k++) {
      await d.event(ny[k]);
      await d.event(ind[k]);
    }
    for (const e of ny) {
      const r = d.decisionsFor(e.eventId).find((x) => x.reason === "deferred:quiet_hours");
      expect(r?.detail).toBe("quiet hours (America/New_York) until 2025-03-09T11:00:00.000Z");
    }
    expect(d.user("ny").nextWakeAt).toBe(Z("2025-03-09T11:00:00"));
    await d.drain();
    expect(d.external("ny").map((x) => [x.channel, x.callAt, x.eventIds])).toEqual([
      ["web_push", Z("2025-03-09T11:00:00"), ny.map((e) => e.eventId)],
    ]);
    expect(d.external("in").map((x) => [x.channel, x.callAt, x.eventIds])).toEqual([
      ["web_push", Z(times[0]), [ind[0].eventId]],
      ["web_push", Z(times[1]), [ind[1].eventId]],
    ]);
    // In-app items are not interruptions: they appear at once for both.
    expect(d.deliveries.filter((x) => x.userId === "ny" && x.channel === "in_app").map((x) => x.callAt)).toEqual(times.map(Z));
  });

  test("a digest that flushes during quiet hours waits and merges with the other deferred items", async () => {
    const d = new Driver();
    d.user("ny", { prefs: { ...d.user("ny").prefs, quietHours: { start: "22:00", end: "07:00", timeZone: "America/New_York" } } });
    const c = intent("ny", Z("2025-03-09T04:00:00"), { topic: "comments" });
    const m = intent("ny", Z("2025-03-09T05:00:00"));
    await d.event(c);
    await d.event(m);
    await d.drain();
    // merged, in-app, email left out (push reaches the user), held by quiet hours, pushed at their end.
    expect(d.decisionsFor(c.eventId).map((r) => r.reason)).toEqual(["merged", "sent", "suppressed:preference", "deferred:quiet_hours", "sent"]);
    expect(d.external("ny").map((x) => [x.channel, x.callAt, x.eventIds])).toEqual([["web_push", Z("2025-03-09T11:00:00"), [c.eventId, m.eventId]]]);
  });
});

test("a zone the runtime does not know means no quiet hours, not a failure", async () => {
  expect(quietUntil({ start: "00:00", end: "23:59", timeZone: "Atlantis/Poseidonia" }, Date.parse("2025-01-01T12:00:00Z"))).toBeUndefined();
});
