import { describe, expect, test } from "vitest";
import type { Driver as DriverT } from "./driver.js";
import { at, Driver, intent } from "./driver.js";

/** The first external outcome of an event: "sent" or "deferred" (by the cap). */
function outcome(d: DriverT, eventId: string): string {
  const first = d.decisionsFor(eventId).find((r) => (r.reason === "sent" && r.channel !== "in_app") || r.reason === "deferred:cap");
  return first?.reason === "deferred:cap" ? "deferred" : first ? "sent" : "none";
}

const T = (hms: string) => at(`2025-01-06T${hms}Z`);

describe("sliding-window cap (3 social sends per rolling hour)", () => {
  test("10:00 ... 11:25 -> sent, sent, sent, deferred, deferred, sent, deferred, sent, sent", async () => {
    const d = new Driver();
    const times = ["10:00:00", "10:10:00", "10:20:00", "10:30:00", "10:59:59", "11:00:00", "11:00:01", "11:10:00", "11:25:00"];
    const ids: string[] = [];
    for (const t of times) {
      const i = intent("u1", T(t));
      ids.push(i.eventId);
      await d.event(i);
    }
    expect(ids.map((id) => outcome(d, id))).toEqual(["sent", "sent", "sent", "deferred", "deferred", "sent", "deferred", "sent", "sent"]);
    // The deferred ones rode along with the next send: one push at 11:00 for three events, one at 11:10 for two.
    const pushes = d.external("u1").filter((x) => x.channel === "web_push");
    expect(pushes.map((p) => [new Date(p.callAt).toISOString().slice(11, 19), p.eventIds])).toEqual([
      ["10:00:00", [ids[0]]],
      ["10:10:00", [ids[1]]],
      ["10:20:00", [ids[2]]],
      ["11:00:00", [ids[3], ids[4], ids[5]]],
      ["11:10:00", [ids[6], ids[7]]],
      ["11:25:00", [ids[8]]],
    ]);
    for (const id of [ids[3], ids[4], ids[6]]) {
      const sent = d.decisionsFor(id).find((r) => r.reason === "sent" && r.channel === "web_push");
      expect(sent?.detail).toMatch(/one message for \d notifications; deferred since/);
    }
    expect(d.decisionsFor(ids[3]).find((r) => r.reason === "deferred:cap")?.detail).toBe(
      "3 of 3 social sends in the last 60 min; next slot at 2025-01-06T11:00:00.000Z",
    );
  });

  test("five events at the same instant into an empty window: exactly 3 sent; the other 2 go out together when a slot frees", async () => {
    const d = new Driver();
    const ids: string[] = [];
    for (let k = 0; k < 5; k++) {
      const i = intent("u1", T("10:00:00"));
      ids.push(i.eventId);
      await d.event(i);
    }
    expect(ids.map((id) => outcome(d, id))).toEqual(["sent", "sent", "sent", "deferred", "deferred"]);
    expect(d.user("u1").nextWakeAt).toBe(T("11:00:01"));
    await d.drain();
    const pushes = d.external("u1").filter((x) => x.channel === "web_push");
    expect(pushes.map((p) => [p.callAt, p.eventIds])).toEqual([
      [T("10:00:00"), [ids[0]]],
      [T("10:00:00"), [ids[1]]],
      [T("10:00:00"), [ids[2]]],
      [T("11:00:01"), [ids[3], ids[4]]],
    ]);
    expect(pushes[3].title).toBe("Someone mentioned you 2 times in a document");
    expect(pushes[3].budget).toBe("regular");
  });

  test("a user's cap override replaces the tenant's", async () => {
    const d = new Driver();
    d.user("u1", { prefs: { ...d.user("u1").prefs, capOverride: 1 } });
    const a = intent("u1", T("10:00:00"));
    const b = intent("u1", T("10:05:00"));
    await d.event(a);
    await d.event(b);
    expect([outcome(d, a.eventId), outcome(d, b.eventId)]).toEqual(["sent", "deferred"]);
  });

  test("transactional bypasses a full cap once per hour without using the social budget; then it waits", async () => {
    const d = new Driver();
    for (const t of ["10:00:00", "10:01:00", "10:02:00"]) await d.event(intent("u1", T(t)));
    const tx1 = intent("u1", T("10:03:00"), { class: "transactional", topic: "tasks" });
    const tx2 = intent("u1", T("10:04:00"), { class: "transactional", topic: "tasks" });
    await d.event(tx1);
    await d.event(tx2);
    expect(outcome(d, tx1.eventId)).toBe("sent");
    expect(d.decisionsFor(tx1.eventId).find((r) => r.channel === "web_push")?.detail).toMatch(/^transactional bypass: 1 of 1 extra/);
    expect(d.external("u1").find((x) => x.eventIds[0] === tx1.eventId)?.budget).toBe("extra");
    expect(d.user("u1").state.sends.regular).toHaveLength(3);
    expect(outcome(d, tx2.eventId)).toBe("deferred");
    // tx1's email fallback is due at 10:18 (unread), and left out: push reaches the user (the
    // default fallback.transactionalEmail, without_push). tx2 takes the next slot: the social one
    // at 11:00:00 (earlier than the extra one at 11:03), by push; its email is left out at once
    // (no fallback for a release).
    expect(d.user("u1").nextWakeAt).toBe(T("10:18:00"));
    await d.drain();
    expect(d.decisionsFor(tx1.eventId).filter((r) => r.channel === "email").map((r) => [r.reason, r.at])).toEqual([["suppressed:preference", T("10:18:00")]]);
    expect(d.decisionsFor(tx2.eventId).filter((r) => r.channel !== "in_app" && r.at === T("11:00:01")).map((r) => [r.reason, r.channel])).toEqual([
      ["sent", "web_push"],
      ["suppressed:preference", "email"],
    ]);
  });

  test("a deferred item whose class TTL passes expires instead of going out", async () => {
    const policy = new Driver().policy;
    const d = new Driver({ ...policy, caps: { ...policy.caps, social: 1 }, ttlMs: { ...policy.ttlMs, social: 30 * 60_000 } });
    const a = intent("u1", T("10:00:00"));
    const b = intent("u1", T("10:10:00"));
    await d.event(a);
    await d.event(b);
    expect(d.user("u1").nextWakeAt).toBe(T("10:40:00"));
    await d.drain();
    // sent in-app; its email left out (push reaches the user); its push held by the cap, then expired.
    expect(d.decisionsFor(b.eventId).map((r) => r.reason)).toEqual(["sent", "suppressed:preference", "deferred:cap", "expired"]);
    expect(d.decisionsFor(b.eventId)[3].at).toBe(T("10:40:00"));
    expect(d.external("u1").flatMap((x) => x.eventIds)).not.toContain(b.eventId);
  });
});

describe("critical", () => {
  test("with the social budget spent: delivered at once on its own budget, social budget unchanged, no SMS without consent", async () => {
    const d = new Driver();
    for (const t of ["10:00:00", "10:01:00", "10:02:00"]) await d.event(intent("u1", T(t)));
    const before = [...d.user("u1").state.sends.regular];
    const c = intent("u1", T("10:03:00"), { class: "critical", topic: "security", title: "New sign-in", actorId: undefined, docId: undefined });
    await d.event(c);
    const ext = d.external("u1").filter((x) => x.eventIds.includes(c.eventId));
    expect(ext.map((x) => [x.channel, x.budget, x.callAt])).toEqual([
      ["web_push", "critical", T("10:03:00")],
      ["email", "critical", T("10:03:00")],
    ]);
    expect(d.user("u1").state.sends.regular).toEqual(before);
    const reasons = d.decisionsFor(c.eventId).map((r) => `${r.reason}${r.channel ? `/${r.channel}` : ""}`);
    expect(reasons).toEqual(["sent/in_app", "suppressed:consent/sms", "sent/web_push", "sent/email", "bypass:critical"]);
    expect(d.decisionsFor(c.eventId).find((r) => r.reason === "bypass:critical")?.detail).toMatch(/1 of 2 critical sends.*bypassed the full social cap \(3 of 3/);
  });

  test("with SMS consent it goes by SMS too, and ignores quiet hours and presence", async () => {
    const d = new Driver();
    const prefs = d.user("u1").prefs;
    d.user("u1", {
      prefs: { ...prefs, consent: { sms: { granted: true, source: "settings", at: 0 } }, quietHours: { start: "00:00", end: "23:59", timeZone: "UTC" } },
      presence: { connected: true, subscribedDocIds: [] },
    });
    const c = intent("u1", T("10:00:00"), { class: "critical", topic: "security" });
    await d.event(c);
    expect(d.external("u1").map((x) => x.channel)).toEqual(["web_push", "email", "sms"]);
  });

  test("a third critical within the hour waits for its own budget, not the social one", async () => {
    const d = new Driver();
    const cs = ["10:00:00", "10:10:00", "10:20:00"].map((t) => intent("u1", T(t), { class: "critical", topic: "security" }));
    for (const c of cs) await d.event(c);
    expect(outcome(d, cs[2].eventId)).toBe("deferred");
    expect(d.user("u1").nextWakeAt).toBe(T("11:00:01"));
    await d.drain();
    expect(d.decisionsFor(cs[2].eventId).filter((r) => r.reason === "sent" && r.channel === "web_push").map((r) => r.at)).toEqual([T("11:00:01")]);
    expect(d.user("u1").state.sends.regular).toEqual([]);
  });
});
