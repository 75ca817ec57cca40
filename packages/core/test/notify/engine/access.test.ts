import { describe, expect, test } from "vitest";
import type { EngineContext } from "../../../src/notify/engine/index.js";
import { intentReadable } from "../../../src/notify/engine/access.js";
import { at, Driver, intent, TENANT } from "./driver.js";
import { defaultTenantPolicy } from "../../../src/notify/preferences/index.js";

/**
 * Access at decide time (engine.ts "Access", access.ts): an intent whose `readAccess` rules the
 * recipient out is suppressed:permission and drops what is pending about its document; the
 * notice that their access changed still goes out, and nothing drops it later.
 */

const T = (hms: string) => at(`2025-01-06T${hms}Z`);

/** A Driver whose users have groups as last seen (EngineContext.groups). */
class GroupsDriver extends Driver {
  readonly groups = new Map<string, readonly string[]>();
  override ctx(userId: string, now: number): EngineContext {
    const ctx = super.ctx(userId, now);
    const g = this.groups.get(userId);
    return g === undefined ? ctx : { ...ctx, groups: g };
  }
}

const comment = (userId: string, hms: string, actorId: string, commentId: string, readAccess: true | string[] = true) =>
  intent(userId, T(hms), { topic: "comments", actorId, docId: "roadmap", subject: { kind: "comment", id: commentId }, title: `${actorId} commented`, body: commentId, readAccess });

const revoked = (userId: string, hms: string) =>
  intent(userId, T(hms), {
    class: "transactional",
    topic: "permissions",
    actorId: "olga",
    docId: "roadmap",
    subject: { kind: "acl", id: `roadmap.${userId}` },
    title: "olga removed your access to Roadmap",
    body: "",
    readAccess: [],
  });

const reasons = (d: Driver, eventId: string) => d.decisionsFor(eventId).map((r) => `${r.reason}${r.channel ? `/${r.channel}` : ""}`);

describe("readAccess at decide time", () => {
  test("a mention for a user who cannot read the document is suppressed:permission, and nothing is delivered", async () => {
    const d = new Driver();
    const e = intent("u1", T("09:00:00"), { docId: "roadmap", readAccess: [] });
    const r = await d.event(e);
    expect(r.deliveries).toEqual([]);
    expect(r.decisions.map((x) => [x.reason, x.notificationId, x.detail])).toEqual([["suppressed:permission", undefined, "the user cannot read document roadmap"]]);
    expect(r.nextWakeAt).toBeUndefined();
    // Decided once: a retry is a duplicate, not a second suppression.
    expect((await d.event({ ...e, at: T("09:00:01") })).decisions.map((x) => x.reason)).toEqual(["duplicate"]);
  });

  test("group-only access counts when the user's groups as last seen match; unknown groups grant nothing", async () => {
    expect(intentReadable({ readAccess: true }, undefined)).toBe(true);
    expect(intentReadable({}, undefined)).toBe(true);
    expect(intentReadable({ readAccess: ["eng"] }, undefined)).toBe(false);
    expect(intentReadable({ readAccess: ["eng"] }, [])).toBe(false);
    expect(intentReadable({ readAccess: ["eng", "ops"] }, ["design", "ops"])).toBe(true);
    expect(intentReadable({ readAccess: [] }, ["eng"])).toBe(false);

    const d = new GroupsDriver();
    d.groups.set("member", ["eng"]);
    d.groups.set("other", ["design"]);
    const toMember = intent("member", T("09:00:00"), { docId: "roadmap", readAccess: ["eng"] });
    const toOther = intent("other", T("09:00:00"), { docId: "roadmap", readAccess: ["eng"] });
    const toUnknown = intent("unknown", T("09:00:00"), { docId: "roadmap", readAccess: ["eng"] });
    for (const e of [toMember, toOther, toUnknown]) await d.event(e);
    expect(reasons(d, toMember.eventId)).toEqual(["sent/in_app", "suppressed:preference/email", "sent/web_push"]);
    expect(reasons(d, toOther.eventId)).toEqual(["suppressed:permission"]);
    expect(reasons(d, toUnknown.eventId)).toEqual(["suppressed:permission"]);
  });

  test("an intent without readAccess (an app event) is not judged", async () => {
    const d = new Driver();
    const e = intent("u1", T("09:00:00"), { docId: undefined });
    await d.event(e);
    expect(reasons(d, e.eventId)).toEqual(["sent/in_app", "suppressed:preference/email", "sent/web_push"]);
  });
});

describe("losing access drops what is pending about the document", () => {
  test("the access-removed notice goes out; the open digest of the document is withdrawn and never sent", async () => {
    // Every unread transactional item gets its email here (fallback.transactionalEmail "unread").
    const policy = defaultTenantPolicy();
    const d = new Driver({ ...policy, fallback: { ...policy.fallback, transactionalEmail: "unread" } });
    const a = comment("u1", "09:00:00", "alice", "c1");
    const b = comment("u1", "09:01:00", "bob", "c2");
    await d.event(a);
    await d.event(b);
    const digestId = d.deliveries.at(-1)!.notificationId;
    const notice = revoked("u1", "09:02:00");
    const r = await d.event(notice);
    expect(reasons(d, a.eventId)).toEqual(["merged", "sent/in_app", "suppressed:permission"]);
    expect(d.decisionsFor(b.eventId).at(-1)).toMatchObject({ reason: "suppressed:permission", notificationId: digestId });
    expect(reasons(d, notice.eventId)).toEqual(["sent/in_app", "sent/web_push"]);
    expect(r.deliveries.map((x) => [x.channel, x.notificationId === digestId, x.retract ?? false])).toEqual([
      ["in_app", true, true],
      ["in_app", false, false],
      ["web_push", false, false],
    ]);
    expect(d.user("u1").state.digests).toEqual([]);
    await d.drain();
    // The notice's own email fallback is not dropped for lack of access: it is about that.
    expect(d.external("u1").map((x) => [x.channel, x.title])).toEqual([
      ["web_push", "olga removed your access to Roadmap"],
      ["email", "olga removed your access to Roadmap"],
    ]);
  });

  test("a pending email fallback and items held by the cap are cancelled by a later suppressed intent", async () => {
    const d = new Driver();
    const task = intent("u1", T("10:00:00"), { class: "transactional", topic: "tasks", docId: "roadmap", readAccess: true });
    await d.event(task);
    const mentions = ["10:01:00", "10:02:00", "10:03:00"].map((t) => intent("u1", T(t), { docId: "roadmap", readAccess: true }));
    for (const m of mentions) await d.event(m);
    expect(reasons(d, mentions[2].eventId)).toEqual(["sent/in_app", "suppressed:preference/email", "deferred:cap"]);
    const late = intent("u1", T("10:04:00"), { docId: "roadmap", readAccess: [] });
    await d.event(late);
    expect(reasons(d, late.eventId)).toEqual(["suppressed:permission"]);
    expect(reasons(d, task.eventId).at(-1)).toBe("suppressed:permission/email");
    expect(reasons(d, mentions[2].eventId).at(-1)).toBe("suppressed:permission");
    expect(d.user("u1").state.fallbacks).toEqual([]);
    expect(d.user("u1").state.held).toEqual([]);
    await d.drain();
    expect(d.external("u1").filter((x) => x.channel === "web_push").map((x) => [x.channel, x.eventIds])).toEqual([
      ["web_push", [task.eventId]],
      ["web_push", [mentions[0].eventId]],
      ["web_push", [mentions[1].eventId]],
    ]);
  });

  test("items of other documents stay; an access notice held by quiet hours still goes out though the resolver says no access", async () => {
    const d = new Driver();
    d.user("u1", { prefs: { ...d.user("u1").prefs, quietHours: { start: "22:00", end: "07:00", timeZone: "UTC" } } });
    const other = intent("u1", T("23:00:00"), { docId: "plan", readAccess: true });
    const notice = revoked("u1", "23:01:00");
    await d.event(other);
    await d.event(notice);
    expect(reasons(d, notice.eventId)).toEqual(["sent/in_app", "deferred:quiet_hours"]);
    d.resolver.revokeAccess(TENANT, "u1", "roadmap");
    await d.drain();
    expect(d.external("u1").filter((x) => x.channel === "web_push").map((x) => x.eventIds)).toEqual([[other.eventId, notice.eventId]]);
    expect(reasons(d, notice.eventId)).not.toContain("suppressed:permission");
  });
});
