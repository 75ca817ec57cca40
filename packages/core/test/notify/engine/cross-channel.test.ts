import { describe, expect, test } from "vitest";
import { EMAIL_WITH_PUSH_DETAIL, OFFLINE, planChannels } from "../../../src/notify/engine/index.js";
import { defaultTenantPolicy, defaultUserPreferences, type TenantPolicy, type UserContacts } from "../../../src/notify/preferences/index.js";
import { at, Driver, intent } from "./driver.js";

/**
 * The cross-channel rule (policy.emailOnlyWithoutPush, engine/channels.ts): a social (or
 * marketing) notification on the tenant's class channels goes by push or by email, never
 * both; email only when no push can reach the user. Critical and transactional are unchanged,
 * a user's own topic channels are used as chosen, and the policy can turn it off.
 */

const T = (hms: string) => at(`2025-01-06T${hms}Z`);
const reasons = (d: Driver, eventId: string) => d.decisionsFor(eventId).map((r) => `${r.reason}${r.channel ? `/${r.channel}` : ""}`);
const channels = (d: Driver, userId = "u1") => d.external(userId).map((x) => x.channel);

const MOBILE_AND_EMAIL: UserContacts = { emailVerified: true, hasPhone: false, devices: { web_push: 0, mobile_push: 1 } };
const EMAIL_ONLY: UserContacts = { emailVerified: true, hasPhone: false, devices: { web_push: 0, mobile_push: 0 } };
const ONLINE = { connected: true, subscribedDocIds: [] as string[] };

function driver(contacts: UserContacts = MOBILE_AND_EMAIL, policy: TenantPolicy = defaultTenantPolicy()): Driver {
  const d = new Driver(policy);
  d.user("u1", { contacts });
  return d;
}

describe("social: push or email, not both", () => {
  test("push reaches the user -> push only; the email's decision says why it was left out", async () => {
    const d = driver();
    const e = intent("u1", T("10:00:00"));
    await d.event(e);
    expect(channels(d)).toEqual(["mobile_push"]);
    expect(reasons(d, e.eventId)).toEqual(["sent/in_app", "suppressed:preference/email", "sent/mobile_push"]);
    expect(d.decisionsFor(e.eventId).find((r) => r.channel === "email")?.detail).toBe(EMAIL_WITH_PUSH_DETAIL);
    expect(EMAIL_WITH_PUSH_DETAIL).toBe("push reaches the user; email is used only without push");
  });

  test("no push device -> email", async () => {
    const d = driver(EMAIL_ONLY);
    const e = intent("u1", T("10:00:00"));
    await d.event(e);
    expect(channels(d)).toEqual(["email"]);
    expect(reasons(d, e.eventId)).toEqual(["sent/in_app", "sent/email"]);
  });

  test("push devices the user switched off do not count -> email", async () => {
    const d = driver({ emailVerified: true, hasPhone: false, devices: { web_push: 1, mobile_push: 1 } });
    const prefs = d.user("u1").prefs;
    d.user("u1", { prefs: { ...prefs, channels: { ...prefs.channels, web_push: false, mobile_push: false } } });
    const e = intent("u1", T("10:00:00"));
    await d.event(e);
    expect(channels(d)).toEqual(["email"]);
    expect(reasons(d, e.eventId)).toEqual(["sent/in_app", "suppressed:preference/web_push", "suppressed:preference/mobile_push", "sent/email"]);
  });

  test("a user's own channels for the topic are used as chosen (push and email)", async () => {
    const d = driver();
    d.user("u1", { prefs: { ...d.user("u1").prefs, topics: { mentions: { enabled: true, channels: ["in_app", "mobile_push", "email"] } } } });
    const e = intent("u1", T("10:00:00"));
    await d.event(e);
    expect(channels(d)).toEqual(["mobile_push", "email"]);
    // A topic preference without channels keeps the class's channels, and so the rule.
    d.user("u1", { prefs: { ...d.user("u1").prefs, topics: { mentions: { enabled: true } } } });
    await d.event(intent("u1", T("10:01:00")));
    expect(channels(d)).toEqual(["mobile_push", "email", "mobile_push"]);
  });

  test("the policy turned off ([]) sends on every channel at once, as before", async () => {
    const d = driver(MOBILE_AND_EMAIL, { ...defaultTenantPolicy(), emailOnlyWithoutPush: [] });
    const e = intent("u1", T("10:00:00"));
    await d.event(e);
    expect(channels(d)).toEqual(["mobile_push", "email"]);
    expect(reasons(d, e.eventId)).toEqual(["sent/in_app", "sent/mobile_push", "sent/email"]);
  });

  test("marketing with push in its class channels follows the rule too; listed only for social, it does not", async () => {
    const base = defaultTenantPolicy();
    const policy = { ...base, classChannels: { ...base.classChannels, marketing: ["in_app", "mobile_push", "email"] as const } } as TenantPolicy;
    const consent = { email: { granted: true, source: "settings", at: 0 } };
    const mk = (hms: string) => intent("u1", T(hms), { class: "marketing", topic: "product" });
    const d = driver(MOBILE_AND_EMAIL, policy);
    d.user("u1", { prefs: { ...d.user("u1").prefs, consent } });
    await d.event(mk("10:00:00"));
    expect(channels(d)).toEqual(["mobile_push"]);
    const social = driver(MOBILE_AND_EMAIL, { ...policy, emailOnlyWithoutPush: ["social"] });
    social.user("u1", { prefs: { ...social.user("u1").prefs, consent } });
    await social.event(mk("10:00:00"));
    expect(channels(social)).toEqual(["mobile_push", "email"]);
  });
});

describe("other classes are unchanged", () => {
  test("critical: every channel at once", async () => {
    const d = driver();
    const e = intent("u1", T("10:00:00"), { class: "critical", topic: "security" });
    await d.event(e);
    expect(channels(d)).toEqual(["mobile_push", "email"]);
  });

  test("transactional (policy fallback.transactionalEmail, default without_push): push now, and no email while push reaches the user", async () => {
    const d = driver();
    await d.event(intent("u1", T("10:00:00"), { class: "transactional", topic: "tasks" }));
    expect(channels(d)).toEqual(["mobile_push"]);
    await d.drain();
    expect(d.external("u1").map((x) => [x.channel, x.callAt])).toEqual([["mobile_push", T("10:00:00")]]);
  });

  test("transactional with fallback.transactionalEmail unread: push now, email after the fallback delay if still unread", async () => {
    const policy = defaultTenantPolicy();
    const d = driver(MOBILE_AND_EMAIL, { ...policy, fallback: { ...policy.fallback, transactionalEmail: "unread" } });
    await d.event(intent("u1", T("10:00:00"), { class: "transactional", topic: "tasks" }));
    await d.drain();
    expect(d.external("u1").map((x) => [x.channel, x.callAt])).toEqual([
      ["mobile_push", T("10:00:00")],
      ["email", T("10:15:00")],
    ]);
  });

  test("transactional without push: in-app now, email after the delay if still unread (either mode)", async () => {
    const d = driver(EMAIL_ONLY);
    await d.event(intent("u1", T("10:00:00"), { class: "transactional", topic: "tasks" }));
    expect(channels(d)).toEqual([]);
    await d.drain();
    expect(d.external("u1").map((x) => [x.channel, x.callAt])).toEqual([["email", T("10:15:00")]]);
  });
});

describe("presence, digests, caps and quiet hours", () => {
  test("online (push held back by presence): in-app only, and no email instead", async () => {
    const d = driver();
    d.user("u1", { presence: ONLINE });
    const e = intent("u1", T("10:00:00"));
    await d.event(e);
    expect(channels(d)).toEqual([]);
    expect(reasons(d, e.eventId)).toEqual(["sent/in_app", "suppressed:presence/mobile_push", "suppressed:preference/email"]);
    expect(d.user("u1").state.sends.regular).toEqual([]);
  });

  test("within the presence grace after a disconnect: no push yet, and no email either", async () => {
    const d = driver();
    d.user("u1", { presence: { connected: false, subscribedDocIds: [], lastDisconnectAt: T("09:59:30") } });
    await d.event(intent("u1", T("10:00:00")));
    expect(channels(d)).toEqual([]);
  });

  test("presence-held push counts only when the user gets the in-app item: without it, email goes", async () => {
    const d = driver();
    const prefs = d.user("u1").prefs;
    d.user("u1", { prefs: { ...prefs, channels: { ...prefs.channels, in_app: false } }, presence: { connected: false, subscribedDocIds: [], lastDisconnectAt: T("09:59:30") } });
    await d.event(intent("u1", T("10:00:00")));
    expect(channels(d)).toEqual(["email"]);
  });

  test("a digest gathered while online goes out by push alone once the user is offline", async () => {
    const d = driver();
    d.user("u1", { presence: ONLINE });
    const c = intent("u1", T("10:00:00"), { topic: "comments" });
    await d.event(c);
    d.user("u1", { presence: OFFLINE });
    await d.drain();
    expect(d.external("u1").map((x) => [x.channel, x.callAt, x.eventIds])).toEqual([["mobile_push", T("10:10:00"), [c.eventId]]]);
    expect(reasons(d, c.eventId)).toEqual(["merged", "sent/in_app", "suppressed:preference/email", "sent/mobile_push"]);
  });

  test("an email-only user's digest goes by email", async () => {
    const d = driver(EMAIL_ONLY);
    await d.event(intent("u1", T("10:00:00"), { topic: "comments" }));
    await d.drain();
    expect(channels(d)).toEqual(["email"]);
  });

  test("held by the cap, then the push device is gone at the release: the held item goes by email", async () => {
    const d = driver();
    for (const t of ["10:00:00", "10:01:00", "10:02:00"]) await d.event(intent("u1", T(t)));
    const held = intent("u1", T("10:03:00"));
    await d.event(held);
    expect(reasons(d, held.eventId)).toEqual(["sent/in_app", "suppressed:preference/email", "deferred:cap"]);
    d.user("u1", { contacts: EMAIL_ONLY });
    await d.drain();
    expect(d.external("u1").slice(-1).map((x) => [x.channel, x.callAt, x.eventIds])).toEqual([["email", T("11:00:01"), [held.eventId]]]);
  });

  test("held by quiet hours: push alone at their end", async () => {
    const d = driver();
    d.user("u1", { prefs: { ...d.user("u1").prefs, quietHours: { start: "09:00", end: "11:00", timeZone: "UTC" } } });
    const e = intent("u1", T("10:00:00"));
    await d.event(e);
    await d.drain();
    expect(d.external("u1").map((x) => [x.channel, x.callAt])).toEqual([["mobile_push", T("11:00:00")]]);
  });
});

describe("planChannels", () => {
  const env = (contacts: UserContacts, presence = OFFLINE) => ({ now: 0, policy: defaultTenantPolicy(), prefs: defaultUserPreferences(), contacts, presence });

  test("email's entry keeps its candidate order among the blocked channels", () => {
    const base = defaultTenantPolicy();
    const policy = { ...base, classChannels: { ...base.classChannels, social: ["in_app", "email", "mobile_push", "sms"] } } as TenantPolicy;
    const plan = planChannels("social", "mentions", "d1", { ...env({ emailVerified: true, hasPhone: true, devices: { web_push: 0, mobile_push: 1 } }), policy });
    expect(plan.external).toEqual(["mobile_push"]);
    expect(plan.blocked.map((b) => [b.channel, b.reason])).toEqual([
      ["email", "suppressed:preference"],
      ["sms", "suppressed:consent"],
    ]);
  });

  test("online: push stays presence-only, email is left out by the rule and is not presence-only", () => {
    const plan = planChannels("social", "mentions", "d1", env(MOBILE_AND_EMAIL, ONLINE));
    expect([plan.inApp, plan.external, plan.presenceOnly]).toEqual([true, [], ["mobile_push"]]);
    expect(plan.blocked).toEqual([
      { channel: "mobile_push", reason: "suppressed:presence", detail: "the user has a live connection: in-app only" },
      { channel: "email", reason: "suppressed:preference", detail: EMAIL_WITH_PUSH_DETAIL },
    ]);
  });
});
