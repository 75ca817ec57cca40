import { describe, expect, test } from "vitest";
import { at, Driver, intent, TENANT } from "./driver.js";

const T = (hms: string) => at(`2025-01-06T${hms}Z`);

function comment(userId: string, hms: string, actorId: string, commentId: string, docId = "roadmap") {
  return intent(userId, T(hms), { topic: "comments", actorId, docId, subject: { kind: "comment", id: commentId }, title: `${actorId} commented`, body: `text of ${commentId}` });
}

function driverWithNames(): Driver {
  const d = new Driver();
  for (const [id, name] of [["alice", "Alice"], ["bob", "Bob"], ["carol", "Carol"], ["dan", "Dan"], ["erin", "Erin"]]) d.resolver.setActorName(TENANT, id, name);
  d.resolver.setDocTitle(TENANT, "roadmap", "Roadmap").setDocTitle(TENANT, "plan", "Plan");
  return d;
}

describe("digests", () => {
  test("Alice 09:00 ... Erin 09:10:00 -> one summary at 09:10 'Dan and 2 others left 4 comments', then a new digest for Erin's", async () => {
    const d = driverWithNames();
    const evs = [
      comment("u1", "09:00:00", "alice", "c1"),
      comment("u1", "09:02:00", "bob", "c2"),
      comment("u1", "09:04:00", "carol", "c3"),
      comment("u1", "09:06:00", "alice", "c4"),
      comment("u1", "09:08:00", "dan", "c5"),
    ];
    for (const e of evs) await d.event(e);
    await d.advance(T("09:09:00"));
    d.resolver.deleteSubject(TENANT, "comment", "c3");
    const erin = comment("u1", "09:10:00", "erin", "c6");
    await d.event(erin);

    // One summary by push (push reaches the user, so no email: the cross-channel rule).
    const ext = d.external("u1");
    expect(ext.map((x) => [x.channel, x.callAt, x.title, x.eventIds])).toEqual([
      ["web_push", T("09:10:00"), "Dan and 2 others left 4 comments on Roadmap", [evs[0], evs[1], evs[3], evs[4]].map((e) => e.eventId)],
    ]);
    expect(ext[0].body).toBe("text of c5");
    expect(d.decisionsFor(evs[2].eventId).map((r) => r.reason)).toEqual(["merged", "sent", "expired"]);

    // The first digest's in-app item: one id, a version per item, and a final render without Carol's.
    const firstId = d.decisionsFor(evs[0].eventId)[0].notificationId!;
    const inApp1 = d.deliveries.filter((x) => x.notificationId === firstId);
    expect(inApp1.map((x) => [x.version, x.title])).toEqual([
      [1, "alice commented"],
      [2, "Bob and 1 other left 2 comments on Roadmap"],
      [3, "Carol and 2 others left 3 comments on Roadmap"],
      [4, "Alice and 2 others left 4 comments on Roadmap"],
      [5, "Dan and 3 others left 5 comments on Roadmap"],
      [6, "Dan and 2 others left 4 comments on Roadmap"],
    ]);

    // Erin's comment opened a new digest (a new in-app item), flushed 10 minutes later.
    const erinMerged = d.decisionsFor(erin.eventId)[0];
    expect(erinMerged.reason).toBe("merged");
    expect(erinMerged.notificationId).not.toBe(firstId);
    await d.drain();
    expect(d.external("u1").slice(1).map((x) => [x.channel, x.callAt, x.title, x.eventIds])).toEqual([
      ["web_push", T("09:20:00"), "erin commented", [erin.eventId]],
    ]);
  });

  test("digests are keyed by document and topic", async () => {
    const d = driverWithNames();
    await d.event(comment("u1", "09:00:00", "alice", "c1", "roadmap"));
    await d.event(comment("u1", "09:01:00", "bob", "c2", "plan"));
    await d.event(intent("u1", T("09:02:00"), { topic: "reactions", actorId: "dan", docId: "roadmap" }));
    await d.drain();
    const pushes = d.external("u1").filter((x) => x.channel === "web_push");
    expect(pushes.map((x) => [x.callAt, x.eventIds.length])).toEqual([
      [T("09:10:00"), 1],
      [T("09:11:00"), 1],
      [T("09:12:00"), 1],
    ]);
  });

  test("an item the user can no longer access is removed; if nothing remains nothing is sent and the in-app item is retracted", async () => {
    const d = driverWithNames();
    const a = comment("u1", "09:00:00", "alice", "c1");
    const b = comment("u1", "09:01:00", "bob", "c2");
    await d.event(a);
    await d.event(b);
    d.resolver.revokeAccess(TENANT, "u1", "roadmap");
    await d.drain();
    expect(d.external("u1")).toEqual([]);
    expect(d.decisionsFor(a.eventId).map((r) => r.reason)).toEqual(["merged", "sent", "suppressed:permission"]);
    const last = d.deliveries[d.deliveries.length - 1];
    expect([last.channel, last.version, last.retract]).toEqual(["in_app", 3, true]);
  });

  test("a digest that reaches its maximum size flushes at once; the next item starts a new digest", async () => {
    const policy = new Driver().policy;
    const d = new Driver({ ...policy, digest: { ...policy.digest, maxItems: 3 } });
    const evs = ["09:00:00", "09:01:00", "09:02:00", "09:03:00"].map((t, k) => comment("u1", t, `a${k}`, `c${k}`));
    for (const e of evs) await d.event(e);
    expect(d.external("u1").filter((x) => x.channel === "web_push").map((x) => [x.callAt, x.eventIds.length])).toEqual([[T("09:02:00"), 3]]);
    await d.drain();
    expect(d.external("u1").filter((x) => x.channel === "web_push").map((x) => [x.callAt, x.eventIds])).toEqual([
      [T("09:02:00"), evs.slice(0, 3).map((e) => e.eventId)],
      [T("09:13:00"), [evs[3].eventId]],
    ]);
  });

  test("a user's digest window replaces the tenant's", async () => {
    const d = driverWithNames();
    d.user("u1", { prefs: { ...d.user("u1").prefs, digestWindowMs: 60_000 } });
    await d.event(comment("u1", "09:00:00", "alice", "c1"));
    expect(d.user("u1").nextWakeAt).toBe(T("09:01:00"));
  });

  test("a digest flush with the cap spent is deferred and goes out with the next send", async () => {
    const d = driverWithNames();
    for (const t of ["08:50:00", "08:51:00", "08:52:00"]) await d.event(intent("u1", T(t)));
    const c = comment("u1", "09:00:00", "alice", "c1");
    await d.event(c);
    await d.drain();
    expect(d.decisionsFor(c.eventId).map((r) => [r.reason, r.channel ?? "", r.at])).toEqual([
      ["merged", "", T("09:00:00")],
      ["sent", "in_app", T("09:00:00")],
      ["suppressed:preference", "email", T("09:10:00")],
      ["deferred:cap", "", T("09:10:00")],
      ["sent", "web_push", T("09:50:01")],
    ]);
  });
});
