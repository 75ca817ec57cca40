import { describe, expect, test } from "vitest";
import { defaultTenantPolicy } from "../../../src/notify/preferences/index.js";
import { at, Driver, intent, TENANT } from "./driver.js";

/**
 * dropDocItems (access.ts) on a digest that was already shown in-app and holds items of other
 * documents too: what is left stays, and the in-app item gets a new version at once, rendered
 * from what is left (no title or excerpt of the lost document any more).
 */

const T = (hms: string) => at(`2025-01-06T${hms}Z`);

/** A driver whose digests gather a user's comments of every document (keyBy topic only). */
function mixedDriver(): Driver {
  const policy = defaultTenantPolicy();
  const d = new Driver({ ...policy, digest: { ...policy.digest, keyBy: ["topic"] } });
  d.resolver.setDocTitle(TENANT, "roadmap", "Roadmap").setDocTitle(TENANT, "plan", "Plan").setDocTitle(TENANT, "budget", "Budget");
  d.resolver.setActorName(TENANT, "alice", "Alice").setActorName(TENANT, "bob", "Bob").setActorName(TENANT, "carl", "Carl");
  return d;
}

const comment = (userId: string, hms: string, actorId: string, docId: string, commentId: string, readAccess: true | string[] = true) =>
  intent(userId, T(hms), { topic: "comments", actorId, docId, subject: { kind: "comment", id: commentId }, title: `${actorId} commented`, body: `secret of ${docId}`, readAccess });

describe("a shown mixed-document digest that loses a document", () => {
  test("gets a re-rendered in-app version without the lost document", async () => {
    const d = mixedDriver();
    const a = comment("u1", "09:00:00", "alice", "roadmap", "c1");
    const b = comment("u1", "09:01:00", "bob", "plan", "c2");
    await d.event(a);
    await d.event(b);
    const shown = d.deliveries.at(-1)!;
    expect(shown).toMatchObject({ channel: "in_app", version: 2, title: "2 new notifications" });
    expect(shown.body).toContain("Roadmap");

    const late = comment("u1", "09:02:00", "carl", "roadmap", "c3", []);
    const r = await d.event(late);
    expect(d.decisionsFor(late.eventId).map((x) => x.reason)).toEqual(["suppressed:permission"]);
    expect(d.decisionsFor(a.eventId).at(-1)).toMatchObject({ reason: "suppressed:permission", notificationId: shown.notificationId });
    // One new in-app version of the same item: only the plan comment, nothing of the roadmap.
    expect(r.deliveries).toHaveLength(1);
    const next = r.deliveries[0];
    expect(next).toMatchObject({ channel: "in_app", notificationId: shown.notificationId, version: 3, eventIds: [b.eventId], docId: "plan", body: "secret of plan" });
    expect(next.retract).toBeUndefined();
    expect(JSON.stringify(next)).not.toMatch(/roadmap|Roadmap/);
    const [digest] = d.user("u1").state.digests;
    expect(digest).toMatchObject({ id: shown.notificationId, version: 3 });
    expect(digest.items.map((i) => i.eventId)).toEqual([b.eventId]);

    // At the flush, nothing of the lost document goes out and the in-app item is not re-sent.
    await d.drain();
    const ext = d.external("u1");
    expect(ext.length).toBeGreaterThan(0);
    for (const x of ext) expect(x.eventIds).toEqual([b.eventId]);
    expect(d.deliveries.filter((x) => x.channel === "in_app" && x.notificationId === shown.notificationId).map((x) => x.version)).toEqual([1, 2, 3]);
  });

  test("several documents left: the summary names only those (rendered with current facts)", async () => {
    const d = mixedDriver();
    const items = [
      comment("u1", "09:00:00", "alice", "roadmap", "c1"),
      comment("u1", "09:01:00", "bob", "plan", "c2"),
      comment("u1", "09:02:00", "carl", "budget", "c3"),
    ];
    for (const i of items) await d.event(i);
    const id = d.deliveries.at(-1)!.notificationId;
    const r = await d.event(comment("u1", "09:03:00", "carl", "roadmap", "c4", []));
    expect(r.deliveries).toHaveLength(1);
    expect(r.deliveries[0]).toMatchObject({ channel: "in_app", notificationId: id, version: 4, title: "2 new notifications", eventIds: [items[1].eventId, items[2].eventId] });
    expect(r.deliveries[0].body.split("\n")).toEqual(["Carl left a comment on Budget", "Bob left a comment on Plan"]);
  });

  test("a digest not shown in-app yet gets no in-app version", async () => {
    const d = mixedDriver();
    d.user("u1", { prefs: { ...d.user("u1").prefs, channels: { ...d.user("u1").prefs.channels, in_app: false } } });
    await d.event(comment("u1", "09:00:00", "alice", "roadmap", "c1"));
    await d.event(comment("u1", "09:01:00", "bob", "plan", "c2"));
    const r = await d.event(comment("u1", "09:02:00", "carl", "roadmap", "c3", []));
    expect(r.deliveries.filter((x) => x.channel === "in_app")).toEqual([]);
  });
});
