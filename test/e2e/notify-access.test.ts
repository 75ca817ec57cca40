import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoDocWatchersStore } from "../../packages/functions/src/adapters/dynamo/doc-watchers-store.js";
import { dynamoClient } from "../../packages/functions/src/adapters/dynamo/client.js";
import { notificationId } from "../../packages/core/src/notify/engine/ids.js";
import { NotifyApi, startFakeClockStack, until, type FakeClockStack } from "./fake-clock-stack.js";
import { LOCAL_SECRET } from "./http.js";

/**
 * Notifications and document access (issue 10) through the real local stack on a test clock:
 * HTTP, the sequencer, the notify consumer, the engine, timers, the outbox and the WebSocket.
 * Its own tenants; the scenarios run in time order (the clock only moves forward).
 */

const TENANT = "nacc";
const OTHER = "nacc-other";
const D = (hms: string) => Date.parse(`2025-01-09T${hms}Z`);

let s: FakeClockStack;
let api: NotifyApi;

beforeAll(async () => {
  s = await startFakeClockStack({ startAt: D("08:58:00"), tenant: TENANT });
  api = new NotifyApi(s);
});

afterAll(async () => {
  await s?.stop();
});

/** A token of any tenant, with a `groups` claim when given. */
function tokenOf(sub: string, opts: { tid?: string; groups?: string[]; role?: string } = {}): Promise<string> {
  return new SignJWT({ sub, tid: opts.tid ?? TENANT, ...(opts.groups ? { groups: opts.groups } : {}), ...(opts.role ? { role: opts.role } : {}) })
    .setProtectedHeader({ alg: "HS256" })
    .setIssuedAt()
    .setExpirationTime("1h")
    .sign(new TextEncoder().encode(LOCAL_SECRET));
}

let opCount = 0;

/** Commits one op as `userId` (token groups when given) and returns its seq: the event id is `<docId>.<seq>`. */
async function commit(docId: string, userId: string, op: Record<string, unknown>, groups?: string[]): Promise<number> {
  const tok = await tokenOf(userId, { groups });
  const id = `o${++opCount}`;
  const r = await s.call("POST", `/v1/docs/${docId}/ops`, { token: tok, body: { clientId: `c-${id}`, base: 0, ops: [{ id, seq: 1, ...op }] } });
  if (r.status !== 202) throw new Error(`POST ${docId} as ${userId}: ${r.status} ${r.text}`);
  const receipt = await until(`${id} to be sequenced`, async () => {
    const got = await s.call("GET", `/v1/docs/${docId}/ops/${id}`, { token: tok });
    return got.status === 200 && got.body.status !== "pending" ? got.body : undefined;
  });
  if (receipt.status !== "committed") throw new Error(`${id} on ${docId} was not committed: ${JSON.stringify(receipt)}`);
  return receipt.seq;
}

const share = (docId: string, owner: string, target: Record<string, unknown>, role: string) => commit(docId, owner, { type: "acl", role, ...target });

/** The decisions for (user, event) once there are at least `min`. */
const decided = (userId: string, eventId: string, min = 1) =>
  until(`decisions of ${eventId} for ${userId}`, async () => {
    const d = await api.decisions(userId, eventId);
    return d.length >= min ? d : undefined;
  });

const reasons = (ds: any[]) => ds.map((r) => `${r.reason}${r.channel ? `/${r.channel}` : ""}`);
const feedOf = async (userId: string, tok?: string) => (await s.call("GET", "/v1/me/notifications", { token: tok ?? (await s.userToken(userId)) })).body;
const explain = async (userId: string, id: string, tok?: string) => s.call("GET", `/v1/me/notifications/${encodeURIComponent(id)}/explain`, { token: tok ?? (await s.userToken(userId)) });

describe("notifications and document access", () => {
  const doc1 = `acc1-${Date.now().toString(36)}`;

  it("a mention of a non-member is suppressed:permission and reaches them nowhere; a member's goes out", async () => {
    await s.setClock(D("09:00:00"));
    await api.addWebPush("zed");
    await api.addWebPush("ann");
    await commit(doc1, "olga", { type: "insert", pos: 0, text: "Roadmap\n" });
    await share(doc1, "olga", { userId: "ann" }, "commenter");
    const zed = await s.connect("zed");
    try {
      const seq = await commit(doc1, "olga", { type: "comment", threadId: "t1", body: "@zed @ann look", mentions: ["zed", "ann"] });
      const eventId = `${doc1}.${seq}`;
      const toZed = await decided("zed", eventId);
      expect(toZed).toEqual([expect.objectContaining({ eventId, reason: "suppressed:permission", detail: `the user cannot read document ${doc1}` })]);
      expect(reasons(await decided("ann", eventId, 2))).toEqual(expect.arrayContaining(["sent/in_app", "sent/web_push"]));
      await zed.settle();
      expect(zed.received.filter((m) => m.type === "notification")).toEqual([]);
      expect((await feedOf("zed")).items).toEqual([]);
      expect(await api.pushes("zed")).toEqual([]);
      // Not even the id it would have had explains anything to them.
      expect((await explain("zed", notificationId(TENANT, "zed", eventId, "in_app"))).status).toBe(404);
      expect((await api.pushes("ann")).map((p) => p.title)).toEqual(["olga gave you commenter access to Roadmap", "olga mentioned you in Roadmap"]);
    } finally {
      await zed.close();
    }
  }, 60_000);

  const doc2 = `acc2-${Date.now().toString(36)}`;
  const ids: { notice?: string; mention?: string; bobDevice?: string } = {};

  it("after a revocation: the feed and explain hide the document's items but the access-removed notice; the pending digest is never sent; the former watcher hears nothing more", async () => {
    await s.setClock(D("09:10:00"));
    ids.bobDevice = (await api.addWebPush("bob")).device.id;
    await commit(doc2, "olga", { type: "insert", pos: 0, text: "Roadmap\n" });
    await share(doc2, "olga", { userId: "ann" }, "commenter");
    const grant = await share(doc2, "olga", { userId: "bob" }, "editor");
    await decided("bob", `${doc2}.${grant}`);
    await s.setClock(D("09:11:00"));
    const mention = await commit(doc2, "olga", { type: "comment", threadId: "t0", body: "@bob please", mentions: ["bob"] });
    await decided("bob", `${doc2}.${mention}`);
    await s.setClock(D("09:11:30"));
    await commit(doc2, "bob", { type: "comment", threadId: "t1", body: "on it" }); // bob is now an activity watcher
    const watchers = new DynamoDocWatchersStore({ client: dynamoClient(s.stack.dynamoEndpoint), table: s.stack.tables.notify });
    const watcherIds = async () => (await watchers.list({ tenant: TENANT, docId: doc2 }, { limit: 100 })).watchers.map((w) => w.userId);
    await until("bob to be a watcher", async () => ((await watcherIds()).includes("bob") ? true : undefined));
    await s.setClock(D("09:12:00"));
    const annComment = await commit(doc2, "ann", { type: "comment", threadId: "t1", body: "agreed" });
    expect(reasons(await decided("bob", `${doc2}.${annComment}`, 2))).toEqual(["merged", "sent/in_app"]);
    const before = await feedOf("bob");
    const mentionItem = before.items.find((i: any) => i.topic === "mentions");
    const digestItem = before.items.find((i: any) => i.topic === "comments");
    expect([mentionItem?.docId, digestItem?.docId]).toEqual([doc2, doc2]);
    ids.mention = mentionItem.id;

    await s.setClock(D("09:13:00"));
    const revoke = await share(doc2, "olga", { userId: "bob" }, "none");
    const noticeEvent = `${doc2}.${revoke}`;
    expect(reasons(await decided("bob", noticeEvent, 2)).sort()).toEqual(["sent/in_app", "sent/web_push"]);
    expect(reasons(await decided("bob", `${doc2}.${annComment}`, 3))).toEqual(["merged", "sent/in_app", "suppressed:permission"]);

    // The feed (within the ACL cache's 2 s) shows only the access notices, newest first.
    const after = await until("the feed to hide the document", async () => {
      const f = await feedOf("bob");
      return f.items.length === 2 ? f : undefined;
    });
    expect(after.items.map((i: any) => [i.topic, i.docId, i.title])).toEqual([
      ["permissions", doc2, "olga removed your access to Roadmap"],
      ["permissions", doc2, "olga gave you editor access to Roadmap"],
    ]);
    expect(after.unreadCount).toBe(2);
    ids.notice = after.items[0].id;
    expect((await explain("bob", mentionItem.id)).status).toBe(404);
    expect((await explain("bob", digestItem.id)).status).toBe(404);
    const ex = await explain("bob", ids.notice!);
    expect(ex.status).toBe(200);
    expect(ex.body.item).toMatchObject({ title: "olga removed your access to Roadmap", docId: doc2 });
    expect(reasons(ex.body.decisions).sort()).toEqual(["sent/in_app", "sent/web_push"]);
    expect(ex.body.decisions.every((d: any) => d.eventId === noticeEvent)).toBe(true);
    await until("bob to stop being a watcher", async () => ((await watcherIds()).includes("bob") ? undefined : true));

    // The digest would have flushed at 09:22: nothing about the document goes out.
    await s.setClock(D("09:25:00"));
    await s.timersIdle();
    expect((await api.pushes("bob")).map((p) => p.title)).toEqual([
      "olga gave you editor access to Roadmap",
      "olga mentioned you in Roadmap",
      "olga removed your access to Roadmap",
    ]);

    // New comments and edits: the former watcher is not told (not even a suppressed decision).
    await s.setClock(D("09:26:00"));
    const later = await commit(doc2, "ann", { type: "comment", threadId: "t2", body: "new thread" });
    const edit = await commit(doc2, "olga", { type: "insert", pos: 0, text: "x" });
    await decided("olga", `${doc2}.${later}`);
    await decided("ann", `${doc2}.${edit}`);
    expect(await api.decisions("bob", `${doc2}.${later}`)).toEqual([]);
    expect(await api.decisions("bob", `${doc2}.${edit}`)).toEqual([]);
  }, 120_000);

  it("POST /v1/notify {docId} reaches the current readers only: user entries and watchers who may still read (group entries judged with the groups last seen)", async () => {
    await s.setClock(D("09:30:00"));
    const doc3 = `acc3-${Date.now().toString(36)}`;
    await commit(doc3, "olga", { type: "insert", pos: 0, text: "Plan\n" });
    await share(doc3, "olga", { userId: "ann" }, "viewer");
    await share(doc3, "olga", { userId: "dave" }, "commenter");
    await share(doc3, "olga", { groupId: "eng" }, "commenter");
    await commit(doc3, "dave", { type: "comment", threadId: "t1", body: "dave here" });
    await commit(doc3, "gina", { type: "comment", threadId: "t1", body: "gina here" }, ["eng"]);
    await commit(doc3, "hal", { type: "comment", threadId: "t1", body: "hal here" }, ["eng"]);
    // gina's and hal's groups as last seen: gina still in eng, hal's newest token has none.
    expect((await s.call("GET", "/v1/me/notifications", { token: await tokenOf("gina", { groups: ["eng"] }) })).status).toBe(200);
    expect((await s.call("GET", "/v1/me/notifications", { token: await tokenOf("hal") })).status).toBe(200);
    // carl had a role and never acted: revoked, he is no reader. dave acted: revoked, only the
    // eng entry could still let him read, and he was never seen in eng.
    await share(doc3, "olga", { userId: "carl" }, "viewer");
    await share(doc3, "olga", { userId: "carl" }, "none");
    const daveOut = await share(doc3, "olga", { userId: "dave" }, "none");
    await decided("dave", `${doc3}.${daveOut}`);

    const eventId = "plan-review-1";
    const r = await s.call("POST", "/v1/notify", { token: await s.adminToken(), body: { eventId, class: "social", topic: "product", recipients: { docId: doc3 }, title: "Plan review at 3pm", body: "" } });
    expect(r.status).toBe(202);
    expect(r.body).toMatchObject({ eventId, recipients: 5, mode: "inline" });
    for (const userId of ["olga", "ann", "gina"]) expect(reasons(await decided(userId, eventId))).toContain("sent/in_app");
    for (const userId of ["hal", "dave"]) expect(reasons(await decided(userId, eventId))).toEqual(["suppressed:permission"]);
    expect(await api.decisions("carl", eventId)).toEqual([]);
    expect((await feedOf("ann")).items.find((i: any) => i.title === "Plan review at 3pm")).toMatchObject({ docId: doc3 });

    const missing = await s.call("POST", "/v1/notify", { token: await s.adminToken(), body: { eventId: "x-1", class: "social", topic: "product", recipients: { docId: "no-such-doc" }, title: "t", body: "" } });
    expect(missing.status).toBe(404);
  }, 120_000);

  it("cross-tenant: another tenant's user (same user id) and admin cannot read, mark, explain or delete anything of these", async () => {
    expect([ids.notice, ids.mention, ids.bobDevice].every((x) => typeof x === "string")).toBe(true);
    const bobThere = await tokenOf("bob", { tid: OTHER });
    const adminThere = await tokenOf("boss", { tid: OTHER, role: "admin" });
    const feed = await s.call("GET", "/v1/me/notifications", { token: bobThere });
    expect(feed.body).toEqual({ items: [], unreadCount: 0 });
    for (const id of [ids.notice!, ids.mention!]) expect((await explain("bob", id, bobThere)).status).toBe(404);
    expect((await s.call("POST", "/v1/me/notifications/read", { token: bobThere, body: { ids: [ids.notice!] } })).body).toEqual({ read: [] });
    expect((await s.call("DELETE", `/v1/me/devices/${ids.bobDevice}`, { token: bobThere })).status).toBe(404);
    const decisions = await s.call("GET", `/v1/admin/notifications/decisions?userId=bob`, { token: adminThere });
    expect(decisions.body).toEqual({ decisions: [] });
    const notify = await s.call("POST", "/v1/notify", { token: adminThere, body: { eventId: "x-2", class: "social", topic: "product", recipients: { docId: doc2 }, title: "t", body: "" } });
    expect(notify.status).toBe(404);
    // Same tenant, another user: the ids are bob's alone.
    expect((await explain("zed", ids.notice!)).status).toBe(404);
    expect((await s.call("POST", "/v1/me/notifications/read", { token: await s.userToken("zed"), body: { ids: [ids.notice!] } })).body).toEqual({ read: [] });
    expect((await s.call("DELETE", `/v1/me/devices/${ids.bobDevice}`, { token: await s.userToken("zed") })).status).toBe(404);

    // All of it is still bob's: unread, explainable, his device in place.
    const own = await feedOf("bob");
    expect(own.items.find((i: any) => i.id === ids.notice)?.readAt).toBeUndefined();
    expect((await explain("bob", ids.notice!)).status).toBe(200);
    const prefs = await s.call("GET", "/v1/me/preferences", { token: await s.userToken("bob") });
    expect(prefs.body.contacts.devices.map((d: any) => d.id)).toContain(ids.bobDevice);
  }, 60_000);
});
