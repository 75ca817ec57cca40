import { afterAll, describe, expect, test } from "vitest";
import { routes } from "../../infra/manifest.js";
import { post, waitForLog } from "./docs.js";
import { call, freshDoc, token, waitFor } from "./http.js";
import { WsClient } from "./ws-client.js";

/**
 * The notification API over real HTTP and WebSockets against the shared local stack (real
 * clock): POST /v1/notify, the feed, read sync, explain, preferences, devices, the admin
 * decisions route, and the local outbox standing in for the push provider. Every test works
 * in a tenant of its own, so other files' users never show up.
 */
const run = `${process.pid}-${Date.now().toString(36)}`;
let tenants = 0;
const freshTenant = () => `na-${run}-${(tenants++).toString(36)}`;

const sockets: WsClient[] = [];
afterAll(async () => {
  await Promise.all(sockets.map((s) => s.close()));
});

async function open(sub: string, tid: string): Promise<WsClient> {
  const ws = await WsClient.open({ sub, tid });
  sockets.push(ws);
  return ws;
}

function webPush(tid: string, userId: string) {
  return { kind: "web_push", endpoint: `https://push.example.test/${tid}/${userId}`, keys: { p256dh: `BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM`, auth: "tBHItJI5svbpez7KI4CCXg" } };
}

function transactional(eventId: string, recipients: unknown, extra: Record<string, unknown> = {}) {
  return { eventId, class: "transactional", topic: "security", recipients, title: "New sign-in", body: "A new device signed in to your account.", url: "/account/security", ...extra };
}

/** The user's whole feed (every page). */
async function feed(tok: string, unread = false): Promise<{ items: any[]; unreadCount: number }> {
  const items: any[] = [];
  let unreadCount = 0;
  for (let cursor: string | undefined; ; ) {
    const q = new URLSearchParams({ limit: "2", ...(unread ? { unread: "true" } : {}), ...(cursor ? { cursor } : {}) });
    const r = await call("GET", `/v1/me/notifications?${q}`, { token: tok });
    expect(r.status).toBe(200);
    items.push(...r.body.items);
    unreadCount = r.body.unreadCount;
    if (!r.body.cursor) return { items, unreadCount };
    cursor = r.body.cursor;
  }
}

async function outbox(tid: string, userId: string, channel = "web_push"): Promise<any[]> {
  const r = await call("GET", `/v1/dev/outbox?${new URLSearchParams({ tenant: tid, userId, channel })}`);
  expect(r.status).toBe(200);
  return r.body.deliveries;
}

describe("POST /v1/notify end to end", () => {
  test("two recipients: one unread item each, live to the connected one, push to the offline one; read syncs; explain; the same event 4 times is one item", async () => {
    const tid = freshTenant();
    const admin = await token({ sub: "ops", tid, role: "admin" });
    const ann = await token({ sub: "ann", tid });
    const ben = await token({ sub: "ben", tid });
    expect((await call("POST", "/v1/me/devices", { token: ann, body: webPush(tid, "ann") })).status).toBe(201);
    expect((await call("POST", "/v1/me/devices", { token: ben, body: webPush(tid, "ben") })).status).toBe(201);
    const [a1, a2] = [await open("ann", tid), await open("ann", tid)];

    const sent = await call("POST", "/v1/notify", { token: admin, body: transactional("signin-1", ["ann", "ben"]) });
    expect(sent.status).toBe(202);
    expect(sent.body).toMatchObject({ eventId: "signin-1", recipients: 2 });
    expect(["inline", "queued"]).toContain(sent.body.mode);

    // Each recipient: exactly one unread item for the event.
    const annItem = await waitFor("ann's item", async () => (await feed(ann, true)).items[0]);
    const benItem = await waitFor("ben's item", async () => (await feed(ben, true)).items[0]);
    for (const [tok, item] of [[ann, annItem], [ben, benItem]] as const) {
      const f = await feed(tok, true);
      expect(f.unreadCount).toBe(1);
      expect(f.items).toHaveLength(1);
      expect(item).toMatchObject({ class: "transactional", topic: "security", title: "New sign-in", url: "/account/security", eventIds: ["signin-1"], version: 1 });
      expect(item.readAt).toBeUndefined();
    }

    // Ann is connected: her item arrives live on her sockets, and nothing goes to her push device.
    const live = await a1.waitFor("notification", (m) => m.type === "notification" && m.notification?.id === annItem.id);
    expect(live.notification).toMatchObject({ eventIds: ["signin-1"], title: "New sign-in" });
    // Ben is offline with a web push device: the push lands in the outbox.
    const benPush = await waitFor("ben's push", async () => (await outbox(tid, "ben"))[0]);
    expect(benPush).toMatchObject({ channel: "web_push", userId: "ben" });
    expect(await outbox(tid, "ann")).toEqual([]);

    // Explain: sent in-app with a policy version; ann's push was held back by her presence.
    // Decisions are logged after the sends they name: wait for the records, not just the delivery.
    const explainOnce = (id: string, tok: string, done: (reasons: string[]) => boolean) =>
      waitFor(`the decisions of ${id}`, async () => {
        const r = await call("GET", `/v1/me/notifications/${encodeURIComponent(id)}/explain`, { token: tok });
        expect(r.status).toBe(200);
        return done(r.body.decisions.map((d: any) => `${d.reason}/${d.channel}`)) ? r : undefined;
      });
    const annWhy = await explainOnce(annItem.id, ann, (r) => r.includes("sent/in_app") && r.includes("suppressed:presence/web_push"));
    expect(annWhy.body.id).toBe(annItem.id);
    expect(annWhy.body.item).toMatchObject({ id: annItem.id });
    const annSent = annWhy.body.decisions.find((d: any) => d.reason === "sent" && d.channel === "in_app");
    expect(annSent).toMatchObject({ userId: "ann", eventId: "signin-1", notificationId: annItem.id });
    expect(annSent.policyVersion).toMatch(/\S/);
    expect(annWhy.body.decisions.some((d: any) => d.reason === "suppressed:presence" && d.channel === "web_push")).toBe(true);
    const benWhy = await explainOnce(benItem.id, ben, (r) => r.includes("sent/in_app") && r.includes("sent/web_push"));
    const benReasons = benWhy.body.decisions.filter((d: any) => d.reason === "sent").map((d: any) => d.channel).sort();
    expect(benReasons).toEqual(["in_app", "web_push"]);
    // Another user cannot see ann's notification.
    expect((await call("GET", `/v1/me/notifications/${encodeURIComponent(annItem.id)}/explain`, { token: ben })).status).toBe(404);
    expect((await call("GET", "/v1/me/notifications/no-such-id/explain", { token: ann })).status).toBe(404);

    // Marking read over HTTP: every connection of ann's hears it (the other tab included).
    const from = a2.received.length;
    const read = await call("POST", "/v1/me/notifications/read", { token: ann, body: { ids: [annItem.id] } });
    expect(read.status).toBe(200);
    expect(read.body).toEqual({ read: [annItem.id] });
    const sync = await a2.waitFor("notification.read", (m) => m.type === "notification.read", { from });
    expect(sync.ids).toEqual([annItem.id]);
    await a1.waitFor("notification.read on the first tab", (m) => m.type === "notification.read" && m.ids?.includes(annItem.id));
    expect(await feed(ann, true)).toEqual({ items: [], unreadCount: 0 });
    const annAll = await feed(ann);
    expect(annAll.items).toHaveLength(1);
    expect(typeof annAll.items[0].readAt).toBe("number");
    // Reading again changes nothing.
    expect((await call("POST", "/v1/me/notifications/read", { token: ann, body: { ids: [annItem.id] } })).body).toEqual({ read: [] });

    // The same event three more times (retries): still one item each, one push, and "duplicate" decisions.
    for (let i = 0; i < 3; i++) {
      const again = await call("POST", "/v1/notify", { token: admin, body: transactional("signin-1", ["ann", "ben"]) });
      expect(again.status).toBe(202);
    }
    const dups = await waitFor("3 duplicate decisions for ben", async () => {
      const r = await call("GET", `/v1/admin/notifications/decisions?userId=ben&eventId=signin-1`, { token: admin });
      expect(r.status).toBe(200);
      const d = r.body.decisions.filter((x: any) => x.reason === "duplicate");
      return d.length >= 3 ? d : undefined;
    });
    expect(dups).toHaveLength(3);
    expect((await feed(ann)).items).toHaveLength(1);
    expect((await feed(ben)).items).toHaveLength(1);
    expect(await outbox(tid, "ben")).toHaveLength(1);

    // {all: true} marks the rest.
    expect((await call("POST", "/v1/me/notifications/read", { token: ben, body: { all: true } })).body).toEqual({ read: [benItem.id] });
  });

  test("recipients {docId}: the document's ACL users and editors get it, the actor does not; unknown document 404", async () => {
    const tid = freshTenant();
    const admin = await token({ sub: "ops", tid, role: "admin" });
    const owner = await token({ sub: "olga", tid });
    const doc = freshDoc("na");
    const ops = [
      { id: "o1", seq: 1, type: "insert", pos: 0, text: "Launch plan" },
      { id: "o2", seq: 2, type: "acl", userId: "olga", role: "owner" },
      { id: "o3", seq: 3, type: "acl", userId: "pete", role: "editor" },
      { id: "o4", seq: 4, type: "acl", userId: "ops", role: "viewer" },
    ];
    expect((await post(owner, doc, { clientId: "c1", base: 0, ops })).status).toBe(202);
    await waitForLog(owner, doc, 4);

    const r = await call("POST", "/v1/notify", { token: admin, body: transactional("doc-evt-1", { docId: doc }, { class: "transactional", topic: "product" }) });
    expect(r.status).toBe(202);
    expect(r.body.recipients).toBeGreaterThanOrEqual(3);
    for (const sub of ["olga", "pete"]) {
      const tok = await token({ sub, tid });
      const item = await waitFor(`${sub}'s item`, async () => (await feed(tok)).items.find((i) => i.eventIds.includes("doc-evt-1")));
      expect(item.docId).toBe(doc);
    }
    // The admin who posted it has a role in the document but is the actor.
    const mine = await call("GET", `/v1/admin/notifications/decisions?userId=ops&eventId=doc-evt-1`, { token: admin });
    expect(mine.body.decisions.map((d: any) => d.reason)).toEqual(["suppressed:preference"]);
    expect((await feed(admin)).items.filter((i) => i.eventIds.includes("doc-evt-1"))).toEqual([]);

    const missing = await call("POST", "/v1/notify", { token: admin, body: transactional("doc-evt-2", { docId: freshDoc("na-none") }) });
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe("not_found");
  });

  test("a recipient list over the inline limit is queued in chunks and still reaches each recipient once", async () => {
    const tid = freshTenant();
    const admin = await token({ sub: "ops", tid, role: "admin" });
    const users = Array.from({ length: 120 }, (_, i) => `r${i}`);
    const body = transactional("bulk-1", users, { topic: "product" });
    const r = await call("POST", "/v1/notify", { token: admin, body });
    expect(r.status).toBe(202);
    expect(r.body).toMatchObject({ eventId: "bulk-1", recipients: 120, mode: "queued" });
    expect(r.body.chunks).toBeGreaterThanOrEqual(1);
    // A retried POST is the same job: nothing new.
    expect((await call("POST", "/v1/notify", { token: admin, body })).status).toBe(202);
    for (const sub of ["r0", "r61", "r119"]) {
      const tok = await token({ sub, tid });
      await waitFor(`${sub}'s item`, async () => ((await feed(tok)).items.length > 0 ? true : undefined), 90_000);
      const items = (await feed(tok)).items;
      expect(items).toHaveLength(1);
      expect(items[0].eventIds).toEqual(["bulk-1"]);
    }
  }, 120_000);

  test("who may post, and every bad input is a 400 naming the field", async () => {
    const tid = freshTenant();
    const admin = await token({ sub: "ops", tid, role: "admin" });
    const user = await token({ sub: "ann", tid });
    const service = await token({ sub: "billing-service", tid, role: "service" });

    const forbidden = await call("POST", "/v1/notify", { token: user, body: transactional("e1", ["ben"]) });
    expect(forbidden.status).toBe(403);
    expect((await call("POST", "/v1/notify", { token: service, body: transactional("e1", ["ben"]) })).status).toBe(202);
    const benItem = await waitFor("ben's item", async () => (await feed(await token({ sub: "ben", tid }))).items[0]);
    expect(benItem.eventIds).toEqual(["e1"]);

    const bad: Array<[string, unknown, string]> = [
      ["bad class", transactional("e2", ["ben"], { class: "urgent" }), "class"],
      ["unknown topic", transactional("e2", ["ben"], { topic: "gossip" }), "topic"],
      ["bad event id", transactional("e 2", ["ben"]), "eventId"],
      ["missing title", { ...transactional("e2", ["ben"]), title: undefined }, "title"],
      ["bad url", transactional("e2", ["ben"], { url: "javascript:alert(1)" }), "url"],
      ["data not an object", transactional("e2", ["ben"], { data: [1, 2] }), "data"],
      ["unknown key", transactional("e2", ["ben"], { priority: 1 }), "priority"],
      ["no recipients", transactional("e2", []), "recipients"],
      ["bad recipient", transactional("e2", ["ben", "has space"]), "recipients[1]"],
      ["duplicate recipient", transactional("e2", ["ben", "cy", "ben"]), "recipients[2]"],
      ["recipients not a list", transactional("e2", "ben"), "recipients"],
      ["bad docId", transactional("e2", { docId: "a/b" }), "recipients.docId"],
    ];
    for (const [what, body, path] of bad) {
      const r = await call("POST", "/v1/notify", { token: admin, body });
      expect(r.status, what).toBe(400);
      expect(r.body.error.code, what).toBe("invalid_request");
      expect(r.body.error.details.map((d: any) => d.path), what).toContain(path);
    }
    expect((await call("POST", "/v1/notify", { token: admin, body: "{not json" })).status).toBe(400);

    // Over the per-event ceiling (100,000 by default): refused as a whole, saying so.
    const many = Array.from({ length: 100_001 }, (_, i) => `u${i}`);
    const tooMany = await call("POST", "/v1/notify", { token: admin, body: transactional("e3", many) });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.error.message).toMatch(/100000/);
    expect(tooMany.body.error.details[0].path).toBe("recipients");
  });
});

describe("preferences", () => {
  test("GET gives defaults; PUT stores with consent provenance; every bad value is a 400 naming the field", async () => {
    const tid = freshTenant();
    const ann = await token({ sub: "ann", tid });
    const initial = await call("GET", "/v1/me/preferences", { token: ann });
    expect(initial.status).toBe(200);
    expect(initial.body).toEqual({
      preferences: { revision: 0, channels: { in_app: true, web_push: true, mobile_push: true, email: true, sms: true }, topics: {}, consent: {}, smsOptIn: false },
      contacts: { devices: [] },
    });

    const wanted = {
      channels: { sms: false },
      topics: { comments: { enabled: false }, mentions: { enabled: true, channels: ["in_app", "email"] } },
      quietHours: { start: "22:00", end: "07:00", timeZone: "America/New_York" },
      digestWindowMs: 300_000,
      capOverride: 5,
      consent: { email: { granted: true, source: "settings_page" } },
    };
    const put = await call("PUT", "/v1/me/preferences", { token: ann, body: wanted, headers: { "user-agent": "weft-e2e/1.0" } });
    expect(put.status).toBe(200);
    const stored = put.body.preferences;
    expect(stored).toMatchObject({ revision: 1, topics: wanted.topics, quietHours: wanted.quietHours, digestWindowMs: 300_000, capOverride: 5, smsOptIn: false });
    expect(stored.channels).toEqual({ in_app: true, web_push: true, mobile_push: true, email: true, sms: false });
    expect(stored.consent.email).toMatchObject({ granted: true, source: "settings_page", userAgent: "weft-e2e/1.0" });
    expect(typeof stored.consent.email.at).toBe("number");
    expect((await call("GET", "/v1/me/preferences", { token: ann })).body.preferences).toEqual(stored);

    // The GET result edited and sent back; unchanged consent keeps its provenance.
    const edited = { ...stored, capOverride: 2 };
    const put2 = await call("PUT", "/v1/me/preferences", { token: ann, body: edited, headers: { "user-agent": "other-agent" } });
    expect(put2.status).toBe(200);
    expect(put2.body.preferences).toMatchObject({ revision: 2, capOverride: 2 });
    expect(put2.body.preferences.consent.email).toEqual(stored.consent.email);
    // A stale revision is refused, naming it.
    const stale = await call("PUT", "/v1/me/preferences", { token: ann, body: edited });
    expect(stale.status).toBe(400);
    expect(stale.body.error.details[0].path).toBe("revision");

    const bad: Array<[string, unknown, string]> = [
      ["unknown time zone", { quietHours: { start: "22:00", end: "07:00", timeZone: "Mars/Olympus_Mons" } }, "quietHours.timeZone"],
      ["bad start time", { quietHours: { start: "25:00", end: "07:00", timeZone: "Europe/Paris" } }, "quietHours.start"],
      ["bad end time", { quietHours: { start: "22:00", end: "7pm", timeZone: "Europe/Paris" } }, "quietHours.end"],
      ["unknown topic", { topics: { gossip: { enabled: false } } }, "topics.gossip"],
      ["unknown channel", { channels: { fax: true } }, "channels.fax"],
      ["unknown topic channel", { topics: { mentions: { enabled: true, channels: ["pigeon"] } } }, "topics.mentions.channels[0]"],
      ["cap over the tenant maximum", { capOverride: 1000 }, "capOverride"],
      ["digest window too short", { digestWindowMs: 5 }, "digestWindowMs"],
      ["consent without source", { consent: { sms: { granted: true } } }, "consent.sms.source"],
      ["unknown key", { volume: 11 }, "volume"],
    ];
    for (const [what, body, path] of bad) {
      const r = await call("PUT", "/v1/me/preferences", { token: ann, body });
      expect(r.status, what).toBe(400);
      expect(r.body.error.code, what).toBe("invalid_request");
      expect(r.body.error.details.map((d: any) => d.path), what).toContain(path);
    }
    expect((await call("PUT", "/v1/me/preferences", { token: ann, body: "nope" })).status).toBe(400);
    // Nothing above changed the stored preferences.
    expect((await call("GET", "/v1/me/preferences", { token: ann })).body.preferences.revision).toBe(2);
  });
});

describe("devices", () => {
  test("add is idempotent, delete removes, unknown ids 404, bad subscriptions 400", async () => {
    const tid = freshTenant();
    const ann = await token({ sub: "ann", tid });
    const ben = await token({ sub: "ben", tid });
    const first = await call("POST", "/v1/me/devices", { token: ann, body: webPush(tid, "ann") });
    expect(first.status).toBe(201);
    expect(first.body.device).toMatchObject({ kind: "web_push", endpoint: `https://push.example.test/${tid}/ann`, userId: "ann", tenant: tid });
    const again = await call("POST", "/v1/me/devices", { token: ann, body: webPush(tid, "ann") });
    expect(again.status).toBe(200);
    expect(again.body.device.id).toBe(first.body.device.id);
    const mobile = await call("POST", "/v1/me/devices", { token: ann, body: { kind: "mobile_push", platform: "fcm", token: "fcm-token-123:abc" } });
    expect(mobile.status).toBe(201);
    const listed = (await call("GET", "/v1/me/preferences", { token: ann })).body.contacts.devices;
    expect(listed.map((d: any) => d.id).sort()).toEqual([first.body.device.id, mobile.body.device.id].sort());

    const bad: Array<[string, unknown, string]> = [
      ["unknown kind", { kind: "pager", number: "5" }, "kind"],
      ["web push without keys", { kind: "web_push", endpoint: "https://push.example.test/x" }, "keys"],
      ["plain http endpoint", { ...webPush(tid, "ann"), endpoint: "http://push.example.test/x" }, "endpoint"],
      ["bad key", { ...webPush(tid, "ann"), keys: { p256dh: "not base64!", auth: "x" } }, "keys.p256dh"],
      ["bad platform", { kind: "mobile_push", platform: "blackberry", token: "t" }, "platform"],
      ["token with spaces", { kind: "mobile_push", platform: "apns", token: "a b" }, "token"],
      ["unknown key", { ...webPush(tid, "ann"), extra: 1 }, "extra"],
    ];
    for (const [what, body, path] of bad) {
      const r = await call("POST", "/v1/me/devices", { token: ann, body });
      expect(r.status, what).toBe(400);
      expect(r.body.error.details.map((d: any) => d.path), what).toContain(path);
    }

    // Another user cannot delete ann's device.
    expect((await call("DELETE", `/v1/me/devices/${first.body.device.id}`, { token: ben })).status).toBe(404);
    expect((await call("DELETE", `/v1/me/devices/${first.body.device.id}`, { token: ann })).status).toBe(204);
    const gone = await call("DELETE", `/v1/me/devices/${first.body.device.id}`, { token: ann });
    expect(gone.status).toBe(404);
    expect(gone.body.error.code).toBe("not_found");
    expect((await call("DELETE", `/v1/me/devices/bad%20id`, { token: ann })).status).toBe(400);
    expect((await call("GET", "/v1/me/preferences", { token: ann })).body.contacts.devices.map((d: any) => d.id)).toEqual([mobile.body.device.id]);
  });
});

describe("admin routes", () => {
  test("decisions: tenant admins only, userId required, pages by user", async () => {
    const tid = freshTenant();
    const admin = await token({ sub: "ops", tid, role: "admin" });
    const ann = await token({ sub: "ann", tid });
    for (const id of ["p1", "p2", "p3"]) {
      expect((await call("POST", "/v1/notify", { token: admin, body: transactional(id, ["ann"]) })).status).toBe(202);
    }
    expect((await call("GET", "/v1/admin/notifications/decisions?userId=ann&eventId=p1", { token: ann })).status).toBe(403);
    expect((await call("GET", "/v1/admin/notifications/decisions?eventId=p1", { token: admin })).status).toBe(400);
    const one = await waitFor("p1 decisions", async () => {
      const r = await call("GET", "/v1/admin/notifications/decisions?userId=ann&eventId=p1", { token: admin });
      return r.body.decisions.length > 0 ? r.body.decisions : undefined;
    });
    expect(one.every((d: any) => d.eventId === "p1" && d.userId === "ann" && typeof d.policyVersion === "string")).toBe(true);

    const seen: any[] = [];
    for (let cursor: string | undefined; ; ) {
      const q = new URLSearchParams({ userId: "ann", limit: "1", ...(cursor ? { cursor } : {}) });
      const r = await call("GET", `/v1/admin/notifications/decisions?${q}`, { token: admin });
      expect(r.status).toBe(200);
      seen.push(...r.body.decisions);
      if (!r.body.cursor) break;
      cursor = r.body.cursor;
    }
    expect(new Set(seen.map((d) => d.eventId))).toEqual(new Set(["p1", "p2", "p3"]));
    expect((await call("GET", "/v1/admin/notifications/decisions?userId=ann&cursor=garbage!", { token: admin })).status).toBe(400);
  });

  const contactsRoute = routes.some((r) => r.method === "PUT" && r.path === "/v1/admin/users/{userId}/contacts");
  test.skipIf(!contactsRoute)("contacts: an admin sets a user's email and phone; the user sees them; bad values 400", async () => {
    const tid = freshTenant();
    const admin = await token({ sub: "ops", tid, role: "admin" });
    const ann = await token({ sub: "ann", tid });
    const contacts = { name: "Ann Lee", email: { address: "ann@example.com", verified: true }, phone: { number: "+14155550100", verified: false } };
    expect((await call("PUT", "/v1/admin/users/ann/contacts", { token: ann, body: contacts })).status).toBe(403);
    const r = await call("PUT", "/v1/admin/users/ann/contacts", { token: admin, body: contacts });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ userId: "ann", contacts });
    expect((await call("GET", "/v1/me/preferences", { token: ann })).body.contacts).toMatchObject(contacts);
    const bad = await call("PUT", "/v1/admin/users/ann/contacts", { token: admin, body: { name: " Ann", email: { address: "nope", verified: true }, phone: { number: "555", verified: true } } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((d: any) => d.path)).toEqual(expect.arrayContaining(["name", "email.address", "phone.number"]));
    for (const name of ["", 42, "x".repeat(129), "Ann\nLee"]) {
      const r = await call("PUT", "/v1/admin/users/ann/contacts", { token: admin, body: { name } });
      expect(r.status).toBe(400);
      expect(r.body.error.details[0].path).toBe("name");
    }
    // Still the last good facts.
    expect((await call("GET", "/v1/me/preferences", { token: ann })).body.contacts).toMatchObject(contacts);
  });
});

describe("tenant notification policy", () => {
  test("admins read the defaults, replace the policy, and decisions name its version; bad fields are 400s", async () => {
    const tid = freshTenant();
    const admin = await token({ sub: "ops", tid, role: "admin" });
    const user = await token({ sub: "ann", tid });
    expect((await call("GET", "/v1/admin/notifications/policy", { token: user })).status).toBe(403);
    const initial = await call("GET", "/v1/admin/notifications/policy", { token: admin });
    expect(initial.status).toBe(200);
    expect(initial.body.policy).toMatchObject({ version: "default", caps: { social: 3, transactionalExtra: 1, critical: 2, windowMs: 3_600_000 }, emailOnlyWithoutPush: ["social", "marketing"], topicChannels: {}, emailDigest: { classes: [], windowMs: 3_600_000 } });

    const put = await call("PUT", "/v1/admin/notifications/policy", { token: admin, body: { version: "quiet-2026", caps: { social: 5 }, topics: ["billing"] } });
    expect(put.status).toBe(200);
    expect(put.body.policy).toMatchObject({ version: "quiet-2026", caps: { social: 5, critical: 2 }, topics: ["billing"] });
    expect((await call("GET", "/v1/admin/notifications/policy", { token: admin })).body.policy).toEqual(put.body.policy);

    // A tenant topic is now accepted, and the decision names the policy version.
    const sent = await call("POST", "/v1/notify", { token: admin, body: transactional("pol-1", ["ann"], { topic: "billing" }) });
    expect(sent.status).toBe(202);
    const decisions = await waitFor("ann's decisions", async () => {
      const r = await call("GET", "/v1/admin/notifications/decisions?userId=ann&eventId=pol-1", { token: admin });
      return r.body.decisions.length > 0 ? r.body.decisions : undefined;
    });
    expect(decisions.map((d: any) => d.policyVersion)).toContain("quiet-2026+r0");

    for (const [body, path] of [
      [{ caps: { social: -1 } }, "caps.social"],
      [{ caps: { social: 3 }, surprise: true }, "surprise"],
      [{ topics: ["mentions"] }, "topics"],
      [{ classChannels: { marketing: ["sms"] } }, "classChannels"],
      [{ emailOnlyWithoutPush: ["critical"] }, "emailOnlyWithoutPush[0]"],
      [{ emailOnlyWithoutPush: true }, "emailOnlyWithoutPush"],
      [{ emailDigest: { classes: ["transactional"] } }, "emailDigest.classes[0]"],
      [{ emailDigest: { windowMs: 1_000 } }, "emailDigest.windowMs"],
      [{ topicChannels: { nope: ["in_app"] } }, "topicChannels.nope"],
    ] as const) {
      const r = await call("PUT", "/v1/admin/notifications/policy", { token: admin, body });
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.error.code).toBe("invalid_request");
      expect(r.body.error.details.map((d: any) => d.path).join(" "), JSON.stringify(body)).toContain(path);
    }
    expect((await call("GET", "/v1/admin/notifications/policy", { token: admin })).body.policy).toEqual(put.body.policy);
  });
});
