import { describe, expect, test } from "vitest";
import { defaultTenantPolicy, parseTenantPolicy, type TenantPolicy, type UserContacts } from "../../../src/notify/preferences/index.js";
import { at, Driver, intent } from "./driver.js";

/**
 * policy.emailDigest (engine/digests.ts): a social or marketing notification that would be
 * emailed now (no push reaches the user) goes out in-app at once and joins the user's email
 * digest; one email per window summarises what is still unread then.
 */

const T = (hms: string) => at(`2025-01-06T${hms}Z`);
const HOUR = 3_600_000;
const EMAIL_ONLY: UserContacts = { emailVerified: true, hasPhone: false, devices: { web_push: 0, mobile_push: 0 } };
const MOBILE_AND_EMAIL: UserContacts = { emailVerified: true, hasPhone: false, devices: { web_push: 0, mobile_push: 1 } };
const reasons = (d: Driver, eventId: string) => d.decisionsFor(eventId).map((r) => `${r.reason}${r.channel ? `/${r.channel}` : ""}`);

function driver(contacts: UserContacts = EMAIL_ONLY, over: Partial<TenantPolicy["emailDigest"]> = {}): Driver {
  const d = new Driver({ ...defaultTenantPolicy(), emailDigest: { classes: ["social"], windowMs: HOUR, ...over } });
  d.user("u1", { contacts });
  return d;
}

describe("email digest", () => {
  test("in-app at once, one email for the window's notifications at its end", async () => {
    const d = driver();
    const a = intent("u1", T("10:00:00"), { title: "Ann mentioned you", docId: "d1" });
    const b = intent("u1", T("10:20:00"), { title: "Bo mentioned you", docId: "d2" });
    await d.event(a);
    await d.event(b);
    expect(d.external("u1")).toEqual([]);
    expect(d.deliveries.filter((x) => x.channel === "in_app").map((x) => x.title)).toEqual(["Ann mentioned you", "Bo mentioned you"]);
    expect(reasons(d, a.eventId)).toEqual(["sent/in_app", "merged/email"]);
    await d.advance(T("10:59:59"));
    expect(d.external("u1")).toEqual([]);
    await d.advance(T("11:00:00"));
    const emails = d.external("u1");
    expect(emails.map((x) => [x.channel, x.callAt])).toEqual([["email", T("11:00:00")]]);
    expect(emails[0].eventIds).toEqual([a.eventId, b.eventId]);
    expect(emails[0].title).toBe("2 new notifications");
    expect(reasons(d, b.eventId)).toEqual(["sent/in_app", "merged/email", "sent/email"]);
    // The next notification opens a new window.
    const c = intent("u1", T("11:30:00"));
    await d.event(c);
    await d.advance(T("12:30:00"));
    expect(d.external("u1").map((x) => x.eventIds)).toEqual([[a.eventId, b.eventId], [c.eventId]]);
  });

  test("reading an item in-app takes it out of the email; reading all leaves nothing to send", async () => {
    const d = driver();
    const a = intent("u1", T("10:00:00"));
    const b = intent("u1", T("10:05:00"));
    await d.event(a);
    await d.event(b);
    const inApp = d.deliveries.filter((x) => x.channel === "in_app").map((x) => x.notificationId);
    await d.read("u1", [inApp[0]], T("10:10:00"));
    await d.advance(T("11:00:00"));
    expect(d.external("u1").map((x) => x.eventIds)).toEqual([[b.eventId]]);
    const c = intent("u1", T("12:00:00"));
    await d.event(c);
    await d.read("u1", "all", T("12:01:00"));
    await d.advance(T("13:00:00"));
    expect(d.external("u1")).toHaveLength(1);
  });

  test("push reaches the user: push at once, no email, no digest", async () => {
    const d = driver(MOBILE_AND_EMAIL);
    const a = intent("u1", T("10:00:00"));
    await d.event(a);
    await d.advance(T("12:00:00"));
    expect(d.external("u1").map((x) => x.channel)).toEqual(["mobile_push"]);
    expect(reasons(d, a.eventId)).toEqual(["sent/in_app", "suppressed:preference/email", "sent/mobile_push"]);
  });

  test("an SMS the user opted into goes at once; the flush sends only the email", async () => {
    const d = driver({ emailVerified: true, hasPhone: true, devices: { web_push: 0, mobile_push: 0 } });
    const base = d.user("u1").prefs;
    d.user("u1", { prefs: { ...base, smsOptIn: true, consent: { ...base.consent, sms: { granted: true, source: "settings", at: 0 } } } });
    d.policy = { ...d.policy, classChannels: { ...d.policy.classChannels, social: ["in_app", "sms", "email"] } };
    const a = intent("u1", T("10:00:00"));
    await d.event(a);
    expect(d.external("u1").map((x) => x.channel)).toEqual(["sms"]);
    await d.advance(T("11:00:00"));
    expect(d.external("u1").map((x) => x.channel)).toEqual(["sms", "email"]);
  });

  test("classes not listed, a user's own channels for the topic, and topic digests email as before", async () => {
    const d = driver();
    const tx = intent("u1", T("10:00:00"), { class: "transactional", topic: "security" });
    await d.event(tx);
    d.user("u1", { prefs: { ...d.user("u1").prefs, topics: { mentions: { enabled: true, channels: ["in_app", "email"] } } } });
    const own = intent("u1", T("10:01:00"));
    await d.event(own);
    expect(d.external("u1").filter((x) => x.callAt === T("10:01:00")).map((x) => x.eventIds)).toEqual([[own.eventId]]);
    const off = driver(EMAIL_ONLY, { classes: [] });
    const e = intent("u1", T("10:00:00"));
    await off.event(e);
    expect(off.external("u1").map((x) => [x.channel, x.callAt])).toEqual([["email", T("10:00:00")]]);
  });

  test("a full digest goes out at once (digest.maxItems)", async () => {
    const d = driver();
    d.policy = { ...d.policy, caps: { ...d.policy.caps, social: 100 }, digest: { ...d.policy.digest, maxItems: 3 } };
    for (const m of ["10:00:00", "10:01:00", "10:02:00"]) await d.event(intent("u1", T(m)));
    expect(d.external("u1").map((x) => [x.channel, x.eventIds.length, x.callAt])).toEqual([["email", 3, T("10:02:00")]]);
  });
});

describe("policy.emailDigest validation", () => {
  test("defaults to off with an hour's window; takes social and marketing and a window of 1 minute..1 day", () => {
    expect(parseTenantPolicy({}).emailDigest).toEqual({ classes: [], windowMs: HOUR });
    expect(parseTenantPolicy({ emailDigest: { classes: ["social", "marketing"], windowMs: 24 * HOUR } }).emailDigest).toEqual({ classes: ["social", "marketing"], windowMs: 24 * HOUR });
  });

  test.each([
    [{ classes: ["critical"] }, "emailDigest.classes[0]"],
    [{ classes: ["social", "social"] }, "emailDigest.classes[1]"],
    [{ windowMs: 59_999 }, "emailDigest.windowMs"],
    [{ windowMs: 24 * HOUR + 1 }, "emailDigest.windowMs"],
    [{ window: 5 }, "emailDigest.window"],
    ["hourly", "emailDigest"],
  ])("refuses %j", (emailDigest, path) => {
    let error: unknown;
    try {
      parseTenantPolicy({ emailDigest });
    } catch (err) {
      error = err;
    }
    expect(error).toMatchObject({ code: "invalid_request", details: expect.arrayContaining([expect.objectContaining({ path })]) });
  });
});

describe("policy.topicChannels", () => {
  test("a topic's own channels replace its class's: reactions never by email; a user's own still win; critical keeps its class's", async () => {
    const d = driver(EMAIL_ONLY, { classes: [] });
    // (Reactions are not digested here: a digest topic's items join their digest first.)
    d.policy = { ...d.policy, digest: { ...d.policy.digest, topics: [] }, topicChannels: { reactions: ["in_app", "web_push", "mobile_push"], security: ["in_app"] } };
    const like = intent("u1", T("10:00:00"), { topic: "reactions" });
    await d.event(like);
    expect(d.external("u1")).toEqual([]);
    expect(reasons(d, like.eventId)).toEqual(["sent/in_app"]);
    const mention = intent("u1", T("10:01:00"));
    await d.event(mention);
    expect(d.external("u1").map((x) => x.eventIds)).toEqual([[mention.eventId]]);
    const alert = intent("u1", T("10:02:00"), { class: "critical", topic: "security" });
    await d.event(alert);
    expect(d.external("u1").filter((x) => x.eventIds.includes(alert.eventId)).map((x) => x.channel)).toEqual(["email"]);
    d.user("u1", { prefs: { ...d.user("u1").prefs, topics: { reactions: { enabled: true, channels: ["in_app", "email"] } } } });
    const liked = intent("u1", T("10:03:00"), { topic: "reactions" });
    await d.event(liked);
    expect(d.external("u1").filter((x) => x.eventIds.includes(liked.eventId)).map((x) => x.channel)).toEqual(["email"]);
  });

  test("validation: known topics, channels once each", () => {
    expect(parseTenantPolicy({}).topicChannels).toEqual({});
    expect(parseTenantPolicy({ topics: ["likes"], topicChannels: { likes: ["in_app"], reactions: [] } }).topicChannels).toEqual({ likes: ["in_app"], reactions: [] });
    for (const [topicChannels, path] of [
      [{ nope: ["in_app"] }, "topicChannels.nope"],
      [{ reactions: ["in_app", "in_app"] }, "topicChannels.reactions[1]"],
      [{ reactions: ["fax"] }, "topicChannels.reactions[0]"],
      [{ reactions: "email" }, "topicChannels.reactions"],
      [["reactions"], "topicChannels"],
    ] as const) {
      let error: unknown;
      try {
        parseTenantPolicy({ topicChannels });
      } catch (err) {
        error = err;
      }
      expect(error, JSON.stringify(topicChannels)).toMatchObject({ code: "invalid_request", details: expect.arrayContaining([expect.objectContaining({ path })]) });
    }
  });
});
