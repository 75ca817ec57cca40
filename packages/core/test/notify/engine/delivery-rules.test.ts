import { describe, expect, test } from "vitest";
import { defaultTenantPolicy } from "../../../src/notify/preferences/index.js";
import { at, Driver, intent, TENANT } from "./driver.js";

const T = (hms: string) => at(`2025-01-06T${hms}Z`);
const summary = (d: Driver, eventId: string) => d.decisionsFor(eventId).map((r) => `${r.reason}${r.channel ? `/${r.channel}` : ""}`);

describe("idempotency", () => {
  test("the same event delivered 4 times -> one in-app item and one push", async () => {
    const d = new Driver();
    const e = intent("u1", T("10:00:00"));
    for (let k = 0; k < 4; k++) await d.event({ ...e, at: T("10:00:00") + k * 1000 });
    // Push reaches the user, so the social notification has no email (the cross-channel rule).
    expect(d.deliveries.map((x) => x.channel)).toEqual(["in_app", "web_push"]);
    expect(summary(d, e.eventId)).toEqual(["sent/in_app", "suppressed:preference/email", "sent/web_push", "duplicate", "duplicate", "duplicate"]);
    expect(d.user("u1").state.sends.regular).toHaveLength(1);
  });

  test("ids are stable: the same call on the same state gives the same ids", async () => {
    const a = new Driver();
    const b = new Driver();
    const e = intent("u1", T("10:00:00"));
    const ra = await a.event(e);
    const rb = await b.event(e);
    expect(ra.deliveries.map((x) => x.notificationId)).toEqual(rb.deliveries.map((x) => x.notificationId));
    expect(new Set(ra.deliveries.map((x) => x.notificationId)).size).toBe(2);
  });
});

describe("presence", () => {
  test("offline, two comments, then connected: one digest item kept current live, no push; the push holds only what is unread", async () => {
    const d = new Driver();
    d.resolver.setActorName(TENANT, "alice", "Alice").setActorName(TENANT, "bob", "Bob").setActorName(TENANT, "dan", "Dan");
    d.resolver.setDocTitle(TENANT, "d1", "Roadmap");
    const c = (hms: string, actorId: string) => intent("u1", T(hms), { topic: "comments", actorId });
    const [a, b] = [c("09:00:00", "alice"), c("09:01:00", "bob")];
    await d.event(a);
    await d.event(b);
    d.user("u1", { presence: { connected: true, subscribedDocIds: [] } });
    const inApp = d.deliveries.filter((x) => x.channel === "in_app");
    expect(new Set(inApp.map((x) => x.notificationId)).size).toBe(1);
    expect(inApp[inApp.length - 1]).toMatchObject({ version: 2, title: "Bob and 1 other left 2 comments on Roadmap" });

    const live = c("09:03:00", "alice");
    await d.event(live);
    expect(d.deliveries.slice(inApp.length).map((x) => [x.channel, x.version, x.notificationId])).toEqual([["in_app", 3, inApp[0].notificationId]]);

    // Read it while connected, one more comment, then leave: the flush pushes only the unread one (no email: push reaches the user).
    await d.read("u1", [inApp[0].notificationId], T("09:04:00"));
    const later = c("09:05:00", "dan");
    await d.event(later);
    d.user("u1", { presence: { connected: false, subscribedDocIds: [], lastDisconnectAt: T("09:06:00") } });
    await d.drain();
    expect(d.external("u1").map((x) => [x.channel, x.callAt, x.eventIds, x.title])).toEqual([
      ["web_push", T("09:10:00"), [later.eventId], later.title],
    ]);
  });

  test("a live connection means in-app only (push suppressed:presence, email left out because push reaches the user), and uses no cap", async () => {
    const d = new Driver();
    d.user("u1", { presence: { connected: true, subscribedDocIds: [] } });
    const e = intent("u1", T("10:00:00"));
    await d.event(e);
    expect(summary(d, e.eventId)).toEqual(["sent/in_app", "suppressed:presence/web_push", "suppressed:preference/email"]);
    expect(d.user("u1").state.sends.regular).toEqual([]);
  });

  test("a user viewing the document gets nothing about it elsewhere", async () => {
    const d = new Driver();
    d.user("u1", { presence: { connected: true, subscribedDocIds: ["d1"] } });
    const e = intent("u1", T("10:00:00"));
    await d.event(e);
    expect(d.decisionsFor(e.eventId).find((r) => r.channel === "web_push")?.detail).toBe("the user is viewing the document");
  });

  test("60 s of grace after the last disconnect before push; email does not go instead", async () => {
    const d = new Driver();
    d.user("u1", { presence: { connected: false, subscribedDocIds: [], lastDisconnectAt: T("10:00:00") } });
    const early = intent("u1", T("10:00:59"));
    const late = intent("u1", T("10:01:00"));
    await d.event(early);
    await d.event(late);
    expect(summary(d, early.eventId)).toEqual(["sent/in_app", "suppressed:presence/web_push", "suppressed:preference/email"]);
    expect(summary(d, late.eventId)).toEqual(["sent/in_app", "suppressed:preference/email", "sent/web_push"]);
  });
});

describe("transactional fallback", () => {
  const tx = (hms: string) => intent("u1", T(hms), { class: "transactional", topic: "tasks" });
  /** The policy's `fallback.transactionalEmail: "unread"`: every item still unread gets its email. */
  const unreadFallback = () => {
    const policy = defaultTenantPolicy();
    return new Driver({ ...policy, fallback: { ...policy.fallback, transactionalEmail: "unread" } });
  };

  test("default (without_push): push at once; at the delay the email is left out, since push reaches the user", async () => {
    const d = new Driver();
    const e = tx("10:00:00");
    await d.event(e);
    expect(d.decisionsFor(e.eventId).find((r) => r.channel === "web_push")?.detail).toContain("email follows at 2025-01-06T10:15:00.000Z if still unread and no push reaches the user then");
    expect(d.user("u1").nextWakeAt).toBe(T("10:15:00"));
    await d.drain();
    expect(d.external("u1").map((x) => x.channel)).toEqual(["web_push"]);
    expect(d.decisionsFor(e.eventId).filter((r) => r.channel === "email").map((r) => [r.reason, r.at, r.detail])).toEqual([
      ["suppressed:preference", T("10:15:00"), 'fallback: web_push reaches the user; transactional email is for users no push reaches (policy fallback.transactionalEmail "without_push")'],
    ]);
    expect(d.user("u1").state.fallbacks).toEqual([]);
  });

  test("default (without_push): a user whose push device is gone by the delay (the provider refused the token) gets the email", async () => {
    const d = new Driver();
    const e = tx("10:00:00");
    await d.event(e);
    d.user("u1", { contacts: { ...d.user("u1").contacts, devices: { web_push: 0, mobile_push: 0 } } });
    await d.drain();
    expect(d.external("u1").map((x) => [x.channel, x.callAt])).toEqual([
      ["web_push", T("10:00:00")],
      ["email", T("10:15:00")],
    ]);
  });

  test("unread: push at once, email after the delay if still unread", async () => {
    const d = unreadFallback();
    const e = tx("10:00:00");
    await d.event(e);
    expect(d.external("u1").map((x) => x.channel)).toEqual(["web_push"]);
    expect(d.user("u1").nextWakeAt).toBe(T("10:15:00"));
    await d.drain();
    const email = d.external("u1")[1];
    expect([email.channel, email.callAt, email.budget, email.feedId]).toEqual(["email", T("10:15:00"), "none", d.deliveries[0].notificationId]);
  });

  test("markRead cancels the pending email fallback", async () => {
    const d = new Driver();
    const e = tx("10:00:00");
    const r = await d.event(e);
    const feedId = r.deliveries.find((x) => x.channel === "in_app")!.notificationId;
    const read = await d.read("u1", [feedId], T("10:05:00"));
    expect(read.nextWakeAt).toBeUndefined();
    await d.drain();
    expect(d.external("u1").map((x) => x.channel)).toEqual(["web_push"]);
  });

  test("without a push device the email waits for the in-app item to be read; without either it goes at once", async () => {
    const d = new Driver();
    d.user("u1", { contacts: { emailVerified: true, hasPhone: false, devices: { web_push: 0, mobile_push: 0 } } });
    await d.event(tx("10:00:00"));
    // An in-app item was created, so the email waits for the fallback delay.
    expect(d.external("u1")).toEqual([]);
    d.user("u1", { prefs: { ...d.user("u1").prefs, channels: { ...d.user("u1").prefs.channels, in_app: false } } });
    await d.event(tx("10:01:00"));
    expect(d.external("u1").map((x) => [x.channel, x.callAt])).toEqual([["email", T("10:01:00")]]);
  });

  test("a fallback due during quiet hours waits for their end", async () => {
    const d = unreadFallback();
    d.user("u1", { prefs: { ...d.user("u1").prefs, quietHours: { start: "10:10", end: "11:00", timeZone: "UTC" } } });
    const e = tx("10:00:00");
    await d.event(e);
    await d.drain();
    expect(d.decisionsFor(e.eventId).filter((r) => r.channel === "email").map((r) => [r.reason, r.at])).toEqual([
      ["deferred:quiet_hours", T("10:15:00")],
      ["sent", T("11:00:00")],
    ]);
  });
});

describe("channels and suppression", () => {
  test("never notify the actor about their own action", async () => {
    const d = new Driver();
    const e = intent("u1", T("10:00:00"), { actorId: "u1" });
    await d.event(e);
    expect(d.deliveries).toEqual([]);
    expect(d.decisionsFor(e.eventId).map((r) => [r.reason, r.detail])).toEqual([["suppressed:preference", "the recipient caused this event"]]);
  });

  test("a topic switched off: nothing, with the reason", async () => {
    const d = new Driver();
    d.user("u1", { prefs: { ...d.user("u1").prefs, topics: { mentions: { enabled: false } } } });
    const e = intent("u1", T("10:00:00"));
    await d.event(e);
    expect(d.deliveries).toEqual([]);
    expect(summary(d, e.eventId)).toEqual(["suppressed:preference"]);
  });

  test("topic channels replace the class's; a switched-off channel is suppressed:preference", async () => {
    const d = new Driver();
    const prefs = d.user("u1").prefs;
    d.user("u1", { prefs: { ...prefs, channels: { ...prefs.channels, web_push: false }, topics: { mentions: { enabled: true, channels: ["in_app", "web_push"] } } } });
    const e = intent("u1", T("10:00:00"));
    await d.event(e);
    expect(summary(d, e.eventId)).toEqual(["sent/in_app", "suppressed:preference/web_push"]);
  });

  test("SMS: social only with opt-in and consent; marketing never; marketing email needs consent", async () => {
    const d = new Driver();
    const prefs = d.user("u1").prefs;
    const sms = { granted: true, source: "settings", at: 0 };
    const smsTopics = { mentions: { enabled: true, channels: ["sms" as const] }, product: { enabled: true, channels: ["sms" as const, "email" as const] } };
    d.user("u1", { prefs: { ...prefs, topics: smsTopics, consent: { sms } } });
    const noOptIn = intent("u1", T("10:00:00"));
    await d.event(noOptIn);
    expect(d.decisionsFor(noOptIn.eventId).map((r) => [r.reason, r.channel, r.detail])).toEqual([
      ["suppressed:consent", "sms", "no opt-in to social notifications by SMS"],
    ]);
    d.user("u1", { prefs: { ...prefs, topics: smsTopics, consent: { sms }, smsOptIn: true } });
    const optIn = intent("u1", T("10:01:00"));
    await d.event(optIn);
    expect(summary(d, optIn.eventId)).toEqual(["sent/sms"]);
    const mk = intent("u1", T("10:02:00"), { class: "marketing", topic: "product" });
    await d.event(mk);
    expect(summary(d, mk.eventId)).toEqual(["suppressed:preference/sms", "suppressed:consent/email"]);
  });

  test("channels the user has no address for are not candidates", async () => {
    const d = new Driver();
    d.user("u1", { contacts: { emailVerified: false, hasPhone: false, devices: { web_push: 0, mobile_push: 2 } } });
    const e = intent("u1", T("10:00:00"));
    await d.event(e);
    expect(summary(d, e.eventId)).toEqual(["sent/in_app", "sent/mobile_push"]);
  });
});
