import { describe, expect, test } from "vitest";
import { call, token, waitFor } from "./http.js";

/**
 * The cross-channel rule for social notifications (docs/api.md "Which channels"): push or
 * email, not both; email only for a user no push reaches. Over real HTTP against the shared
 * local stack: a service posts a social event, the local outbox stands in for FCM and SES, and
 * explain says why the email was left out. Every test works in a tenant of its own.
 */
const run = `${process.pid}-${Date.now().toString(36)}`;
let tenants = 0;
const freshTenant = () => `ncc-${run}-${(tenants++).toString(36)}`;

const EMAIL_LEFT_OUT = "push reaches the user; email is used only without push";

async function deliveries(tid: string, userId: string): Promise<any[]> {
  const r = await call("GET", `/v1/dev/outbox?${new URLSearchParams({ tenant: tid, userId })}`);
  expect(r.status).toBe(200);
  return r.body.deliveries;
}

/** `userId` with a mobile push device (when `mobile`) and a verified email. */
async function user(tid: string, userId: string, mobile: boolean): Promise<string> {
  const tok = await token({ sub: userId, tid });
  const admin = await token({ sub: "ops", tid, role: "admin" });
  const contacts = await call("PUT", `/v1/admin/users/${userId}/contacts`, { token: admin, body: { email: { address: `${userId}@example.test`, verified: true } } });
  expect(contacts.status, contacts.text).toBe(200);
  if (mobile) {
    const device = await call("POST", "/v1/me/devices", { token: tok, body: { kind: "mobile_push", platform: "fcm", token: `fcm-${userId}:abc` } });
    expect(device.status, device.text).toBe(201);
  }
  return tok;
}

async function postSocial(tid: string, eventId: string, recipients: string[]): Promise<void> {
  const service = await token({ sub: "comments-service", tid, role: "service" });
  const body = { eventId, class: "social", topic: "mentions", recipients, title: "Dan mentioned you", body: "Could you look at this?", url: "/threads/7" };
  const r = await call("POST", "/v1/notify", { token: service, body });
  expect(r.status, r.text).toBe(202);
}

/** The channels of the user's external deliveries once there are `n` of them, sorted. */
async function channelsOnce(tid: string, userId: string, n: number): Promise<string[]> {
  const list = await waitFor(`${n} deliveries to ${userId}`, async () => {
    const d = await deliveries(tid, userId);
    return d.length >= n ? d : undefined;
  });
  return list.map((d) => d.channel).sort();
}

/**
 * The user's explain of their one feed item (the event's decisions, every channel), once it
 * records `sends` sends: decisions are logged after the sends they name, so the feed item and
 * the delivery can show before them.
 */
async function explainOnly(tok: string, sends: number): Promise<any[]> {
  const item = await waitFor("the feed item", async () => (await call("GET", "/v1/me/notifications", { token: tok })).body.items[0]);
  return waitFor(`${sends} sends in the explain`, async () => {
    const r = await call("GET", `/v1/me/notifications/${encodeURIComponent(item.id)}/explain`, { token: tok });
    expect(r.status).toBe(200);
    return r.body.decisions.filter((d: any) => d.reason === "sent").length >= sends ? r.body.decisions : undefined;
  });
}

describe("social notifications: push or email, not both", () => {
  test("a user with a mobile push device and a verified email gets a push and no email (explain says why); an email-only user gets an email", async () => {
    const tid = freshTenant();
    const mo = await user(tid, "mo", true);
    const em = await user(tid, "em", false);
    await postSocial(tid, "mention-1", ["mo", "em"]);

    expect(await channelsOnce(tid, "mo", 1)).toEqual(["mobile_push"]);
    expect(await channelsOnce(tid, "em", 1)).toEqual(["email"]);

    const moWhy = await explainOnly(mo, 2);
    const email = moWhy.find((d) => d.channel === "email");
    expect(email).toMatchObject({ eventId: "mention-1", reason: "suppressed:preference", detail: EMAIL_LEFT_OUT });
    expect(moWhy.filter((d) => d.reason === "sent").map((d) => d.channel).sort()).toEqual(["in_app", "mobile_push"]);
    expect((await explainOnly(em, 2)).filter((d) => d.reason === "sent").map((d) => d.channel).sort()).toEqual(["email", "in_app"]);
    // Everything about the event was decided (and sent) with the push: still no email for mo.
    expect((await deliveries(tid, "mo")).map((d) => d.channel)).toEqual(["mobile_push"]);
  });

  test("a user who chose push and email for the topic gets both", async () => {
    const tid = freshTenant();
    const mo = await user(tid, "mo", true);
    const prefs = await call("PUT", "/v1/me/preferences", { token: mo, body: { topics: { mentions: { enabled: true, channels: ["in_app", "mobile_push", "email"] } } } });
    expect(prefs.status, prefs.text).toBe(200);
    await postSocial(tid, "mention-2", ["mo"]);
    expect(await channelsOnce(tid, "mo", 2)).toEqual(["email", "mobile_push"]);
  });

  test("the tenant policy turns the rule off: emailOnlyWithoutPush [] sends on both", async () => {
    const tid = freshTenant();
    const admin = await token({ sub: "ops", tid, role: "admin" });
    const put = await call("PUT", "/v1/admin/notifications/policy", { token: admin, body: { emailOnlyWithoutPush: [] } });
    expect(put.status, put.text).toBe(200);
    expect(put.body.policy.emailOnlyWithoutPush).toEqual([]);
    expect((await call("GET", "/v1/admin/notifications/policy", { token: admin })).body.policy.emailOnlyWithoutPush).toEqual([]);
    await user(tid, "mo", true);
    await postSocial(tid, "mention-3", ["mo"]);
    expect(await channelsOnce(tid, "mo", 2)).toEqual(["email", "mobile_push"]);
  });
});
