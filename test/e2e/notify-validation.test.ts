import { describe, expect, test } from "vitest";
import { call, token } from "./http.js";

/**
 * docs/api.md "Notifications": every PUT/POST of the notification API answers a bad body with
 * `400 invalid_request` and one `{path, issue}` per problem, all of them at once (not only the
 * first). Over real HTTP against the shared local stack; each test works in a tenant of its own.
 */
const run = `${process.pid}-${Date.now().toString(36)}`;
let tenants = 0;
const freshTenant = () => `nv-${run}-${(tenants++).toString(36)}`;

/** The 400's details as `path -> issue`, after checking it is an invalid_request naming the first. */
async function refusal(method: string, path: string, tok: string, body: unknown): Promise<Map<string, string>> {
  const r = await call(method, path, { token: tok, body });
  expect(r.status, r.text).toBe(400);
  expect(r.body.error.code).toBe("invalid_request");
  const details: Array<{ path: string; issue: string }> = r.body.error.details;
  expect(r.body.error.message).toContain(`${details[0].path}: ${details[0].issue}`);
  expect(r.body.error.message).toContain(`and ${details.length - 1} more`);
  return new Map(details.map((d) => [d.path, d.issue]));
}

describe("every problem of a notification request is reported", () => {
  test("PUT /v1/me/preferences: a bad quietHours.start, an unknown time zone and an unknown topic are three details", async () => {
    const ann = await token({ sub: "ann", tid: freshTenant() });
    const body = { quietHours: { start: "25:00", end: "07:00", timeZone: "Mars/Olympus_Mons" }, topics: { gossip: { enabled: false } } };
    const details = await refusal("PUT", "/v1/me/preferences", ann, body);
    expect([...details.keys()]).toEqual(["topics.gossip", "quietHours.start", "quietHours.timeZone"]);
    expect(details.get("quietHours.start")).toMatch(/"HH:MM".*got "25:00"/);
    expect(details.get("quietHours.timeZone")).toMatch(/unknown time zone "Mars\/Olympus_Mons"/);
    expect(details.get("topics.gossip")).toMatch(/unknown topic "gossip"/);

    // With the schema's problems too: each bad field and each unknown key.
    const more = await refusal("PUT", "/v1/me/preferences", ann, { ...body, capOverride: 1000, channels: { fax: true }, volume: 11 });
    expect([...more.keys()].sort()).toEqual(["capOverride", "channels.fax", "quietHours.start", "quietHours.timeZone", "topics.gossip", "volume"]);
    // Nothing was stored.
    expect((await call("GET", "/v1/me/preferences", { token: ann })).body.preferences.revision).toBe(0);
  });

  test("PUT /v1/admin/notifications/policy: bad numbers, unknown keys and cross-field problems together", async () => {
    const admin = await token({ sub: "ops", tid: freshTenant(), role: "admin" });
    const details = await refusal("PUT", "/v1/admin/notifications/policy", admin, {
      caps: { social: -1 },
      topics: ["mentions"],
      classChannels: { marketing: ["sms"] },
      emailOnlyWithoutPush: ["social", "transactional", "social"],
      surprise: true,
    });
    expect([...details.keys()]).toEqual(["caps.social", "topics[0]", "classChannels.marketing[0]", "emailOnlyWithoutPush[1]", "emailOnlyWithoutPush[2]", "surprise"]);
    expect(details.get("emailOnlyWithoutPush[1]")).toMatch(/^expected social or marketing .*got "transactional"$/);
    expect(details.get("emailOnlyWithoutPush[2]")).toBe("'social' is listed twice");
  });

  test("PUT /v1/admin/users/{userId}/contacts: every bad fact, including two of one email", async () => {
    const admin = await token({ sub: "ops", tid: freshTenant(), role: "admin" });
    const details = await refusal("PUT", "/v1/admin/users/ann/contacts", admin, {
      name: " Ann",
      email: { address: "nope", verified: "yes", disabled: "bounce" },
      phone: { number: "555", verified: true },
      reenableEmail: "sure",
    });
    expect([...details.keys()].sort()).toEqual(["email.address", "email.disabled", "email.verified", "name", "phone.number", "reenableEmail"].sort());
    expect(details.get("email.disabled")).toBe("unknown key");
  });

  test("POST /v1/me/devices: an unknown kind and unknown keys; a bad web push subscription's every field", async () => {
    const ann = await token({ sub: "ann", tid: freshTenant() });
    const unknownKind = await refusal("POST", "/v1/me/devices", ann, { kind: "pager", number: "5", token: "t" });
    expect([...unknownKind.keys()]).toEqual(["kind", "number"]);
    const web = await refusal("POST", "/v1/me/devices", ann, { kind: "web_push", endpoint: "http://push.example.test/x", keys: { p256dh: "not base64!" }, extra: 1 });
    expect([...web.keys()].sort()).toEqual(["endpoint", "extra", "keys.auth", "keys.p256dh"]);
  });

  test("POST /v1/notify: the body's problems and the intent's together (required title and body, unknown topic, bad recipients)", async () => {
    const admin = await token({ sub: "ops", tid: freshTenant(), role: "admin" });
    const details = await refusal("POST", "/v1/notify", admin, {
      eventId: "e 1",
      class: "urgent",
      topic: "gossip",
      recipients: ["ben", "has space", "ben"],
      url: "javascript:alert(1)",
      priority: 1,
    });
    expect([...details.keys()]).toEqual(["eventId", "class", "topic", "recipients[1]", "recipients[2]", "title", "body", "url", "priority"]);
    expect(details.get("title")).toMatch(/^missing/);
    expect(details.get("body")).toMatch(/^missing/);

    // Every required field left out: one "missing" detail each.
    const empty = await refusal("POST", "/v1/notify", admin, {});
    expect([...empty.keys()]).toEqual(["eventId", "class", "topic", "recipients", "title", "body"]);
    for (const issue of empty.values()) expect(issue).toMatch(/^missing/);
  });
});
