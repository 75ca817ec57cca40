import { beforeAll, describe, expect, it } from "vitest";
import { expectCreatedBy, shareDoc } from "./access.js";
import { post, readLog, receipt, settled, type TestOp } from "./docs.js";
import { call, freshDoc, token, waitFor } from "./http.js";

/**
 * Access control over real HTTP (docs/api.md "Access control"): the role matrix at ingest and
 * in the sequencer, owners, sharing, races, and what a caller without a role can learn. Each
 * test uses a tenant of its own, so tenant policies never meet.
 */

let n = 0;
const tenantId = () => `acc-${process.pid}-${Date.now().toString(36)}-${n++}`;
const tok = (tid: string, sub: string, extra: { groups?: string[]; role?: string } = {}) => token({ tid, sub, ...extra });

let seq = 0;
const op = (type: string, fields: Record<string, unknown>): TestOp => ({ id: `o${seq++}-${process.pid}`, seq: 1, type, ...fields });

/** Posts one op as a change of its own client (client seq 1), so tests never track seqs. */
async function send(t: string, docId: string, o: TestOp, base = 0) {
  return post(t, docId, { clientId: `c-${o.id}`, base, ops: [o] });
}

/** A document owned by `owner` in tenant `tid`, with the given user roles committed. */
async function docWith(tid: string, roles: Record<string, string>) {
  const owner = await tok(tid, "olga");
  const docId = freshDoc("acc");
  for (const [userId, role] of Object.entries(roles)) await shareDoc(owner, docId, { userId }, role as never);
  return { docId, owner };
}

describe("the role matrix at ingest", () => {
  let tid: string;
  let docId: string;
  let tokens: Record<string, string>;
  let comment: TestOp;
  beforeAll(async () => {
    tid = tenantId();
    ({ docId } = await docWith(tid, { ed: "editor", cat: "commenter", vic: "viewer" }));
    tokens = Object.fromEntries(await Promise.all(["olga", "ed", "cat", "vic", "zed"].map(async (u) => [u, await tok(tid, u)])));
    comment = op("comment", { threadId: "th", body: "olga's" });
    expect((await send(tokens.olga, docId, comment)).status).toBe(202);
    expect((await settled(tokens.olga, docId, comment.id)).status).toBe("committed");
  });

  const rows: Array<[string, () => TestOp, Record<string, number>]> = [
    ["insert", () => op("insert", { pos: 0, text: "x" }), { olga: 202, ed: 202, cat: 403, vic: 403, zed: 403 }],
    ["delete", () => op("delete", { pos: 0, len: 1 }), { olga: 202, ed: 202, cat: 403, vic: 403, zed: 403 }],
    ["format", () => op("format", { pos: 0, len: 1, attrs: { bold: true } }), { olga: 202, ed: 202, cat: 403, vic: 403, zed: 403 }],
    ["task", () => op("task", { taskId: "k", assignee: "ed", title: "t" }), { olga: 202, ed: 202, cat: 403, vic: 403, zed: 403 }],
    ["comment", () => op("comment", { threadId: "t2", body: "hi" }), { olga: 202, ed: 202, cat: 202, vic: 403, zed: 403 }],
    ["anchored comment", () => op("comment", { threadId: "t3", body: "hi", anchor: { pos: 0, len: 0 } }), { olga: 202, ed: 202, cat: 202, vic: 403, zed: 403 }],
    ["reaction", () => op("reaction", { threadId: "th", commentId: comment.id, emoji: "👍" }), { olga: 202, ed: 202, cat: 202, vic: 403, zed: 403 }],
    ["acl", () => op("acl", { userId: "pat", role: "viewer" }), { olga: 202, ed: 403, cat: 403, vic: 403, zed: 403 }],
  ];
  it.each(rows)("%s: owner, editor, commenter, viewer, none", async (_name, make, expected) => {
    for (const [user, status] of Object.entries(expected)) {
      const r = await send(tokens[user], docId, make());
      expect([user, r.status]).toEqual([user, status]);
      if (status === 403) {
        expect(r.body.error.code).toBe("forbidden");
        // A member learns which op and which role; a non-member learns nothing but the 403.
        if (user !== "zed") expect(r.body.error.details[0]).toMatchObject({ index: 0, path: "ops[0]" });
        else expect(r.body.error.details).toEqual([]);
      }
    }
  });

  it("a member's refused change names its first disallowed op and the role it needs; it is counted, not quarantined", async () => {
    const admin = await tok(tid, "root", { role: "admin" });
    const before = (await call("GET", "/v1/admin/metrics", { token: admin })).body.refused.forbidden ?? 0;
    const ok = op("comment", { threadId: "t5", body: "fine" });
    const bad = op("insert", { pos: 0, text: "not allowed" });
    const r = await post(tokens.cat, docId, { clientId: `c-${bad.id}`, base: 0, ops: [{ ...ok, seq: 1 }, { ...bad, seq: 2 }] });
    expect(r.status).toBe(403);
    expect(r.body.error.details).toEqual([{ index: 1, id: bad.id, path: "ops[1]", issue: "needs the editor role; you have commenter" }]);
    expect((await call("GET", "/v1/admin/metrics", { token: admin })).body.refused.forbidden).toBe(before + 1);
    const quarantine = await call("GET", "/v1/admin/quarantine", { token: admin });
    expect(quarantine.body.records.some((q: { payload?: string }) => q.payload?.includes(bad.id))).toBe(false);
    expect((await receipt(tokens.cat, docId, ok.id)).status).toBe(404); // nothing of the change was accepted
  });

  it("reads: every role reads state, log, history and receipts; no role gets 403 from each", async () => {
    await waitFor("materialized", async () => ((await call("GET", `/v1/docs/${docId}`, { token: tokens.olga })).status === 200 ? true : undefined));
    for (const user of ["olga", "ed", "cat", "vic"]) {
      for (const path of [`/v1/docs/${docId}`, `/v1/docs/${docId}?version=1`, `/v1/docs/${docId}/ops?after=0`, `/v1/docs/${docId}/ops/${comment.id}`]) {
        expect([user, path, (await call("GET", path, { token: tokens[user] })).status]).toEqual([user, path, 200]);
      }
    }
    const state = await call("GET", `/v1/docs/${docId}`, { token: tokens.cat });
    expect(state.body.role).toBe("commenter");
    // pat: granted by the owner in the acl row above.
    expect(state.body.acl).toEqual({ users: { olga: "owner", ed: "editor", cat: "commenter", vic: "viewer", pat: "viewer" }, groups: {}, everyone: "none" });
    for (const path of [`/v1/docs/${docId}`, `/v1/docs/${docId}/ops`, `/v1/docs/${docId}/ops/${comment.id}`]) {
      const r = await call("GET", path, { token: tokens.zed });
      expect([path, r.status, r.body.error.code]).toEqual([path, 403, "forbidden"]);
    }
  });

  it("uncomment: the author (a commenter) may delete their own; only an owner may delete someone else's", async () => {
    const mine = op("comment", { threadId: "t9", body: "cat's" });
    await send(tokens.cat, docId, mine);
    expect((await settled(tokens.cat, docId, mine.id)).status).toBe("committed");
    const byEditor = op("uncomment", { threadId: "t9", commentId: mine.id });
    expect((await send(tokens.ed, docId, byEditor)).status).toBe(202); // ingest cannot know the author
    expect(await settled(tokens.ed, docId, byEditor.id)).toMatchObject({ status: "rejected", reason: "forbidden" });
    const byAuthor = op("uncomment", { threadId: "t9", commentId: mine.id });
    expect((await send(tokens.cat, docId, byAuthor)).status).toBe(202);
    expect((await settled(tokens.cat, docId, byAuthor.id)).status).toBe("committed");
    const byViewer = op("uncomment", { threadId: "th", commentId: comment.id });
    expect((await send(tokens.vic, docId, byViewer)).status).toBe(403);
  });
});

describe("owners and sharing", () => {
  it("a new document's first entry makes its creator owner; a racing creator's change is rejected", async () => {
    const tid = tenantId();
    const [ann, bob] = [await tok(tid, "ann"), await tok(tid, "bob")];
    const docId = freshDoc("race");
    const [a, b] = [op("insert", { pos: 0, text: "a" }), op("insert", { pos: 0, text: "b" })];
    const replies = await Promise.all([send(ann, docId, a), send(bob, docId, b)]);
    expect(replies.map((r) => r.status)).toEqual([202, 202]);
    // The loser has no role on the document, so not even their own receipt: an admin reads both.
    const admin = await tok(tid, "root", { role: "admin" });
    const outcomes = [await settled(admin, docId, a.id), await settled(admin, docId, b.id)];
    const winner = outcomes[0].status === "committed" ? "ann" : "bob";
    expect(outcomes.map((o) => o.status).sort()).toEqual(["committed", "rejected"]);
    expect(outcomes.find((o) => o.status === "rejected")).toMatchObject({ reason: "forbidden" });
    const log = await readLog(winner === "ann" ? ann : bob, docId);
    expectCreatedBy(log, winner);
    expect(log.map((e) => e.seq)).toEqual([1, 2]);
  });

  it("the tenant's newDocumentEveryone becomes the second entry of documents created after it", async () => {
    const tid = tenantId();
    const admin = await tok(tid, "root", { role: "admin" });
    const put = await call("PUT", "/v1/admin/access/policy", { token: admin, body: { newDocumentEveryone: "viewer" } });
    expect(put).toMatchObject({ status: 200, body: { newDocumentEveryone: "viewer", editorsCanShare: false } });
    const ann = await tok(tid, "ann");
    const docId = freshDoc("pol");
    const first = op("insert", { pos: 0, text: "hi" });
    await send(ann, docId, first);
    expect(await settled(ann, docId, first.id)).toMatchObject({ status: "committed", seq: 3 });
    expectCreatedBy(await readLog(ann, docId), "ann", "viewer");
    // Everyone may read, no one else may write.
    const other = await tok(tid, "other");
    expect((await call("GET", `/v1/docs/${docId}/ops`, { token: other })).status).toBe(200);
    expect((await send(other, docId, op("insert", { pos: 0, text: "x" }))).status).toBe(403);
  });

  it("an editor cannot promote themselves or touch an owner; with editorsCanShare they grant up to editor", async () => {
    const tid = tenantId();
    const { docId } = await docWith(tid, { ed: "editor" });
    const ed = await tok(tid, "ed");
    for (const o of [op("acl", { userId: "ed", role: "owner" }), op("acl", { userId: "olga", role: "none" }), op("acl", { userId: "pat", role: "viewer" })]) {
      const r = await send(ed, docId, o);
      expect(r.status).toBe(403);
      expect(r.body.error.details[0].issue).toBe("needs the owner role; you have editor");
    }
    const admin = await tok(tid, "root", { role: "admin" });
    await call("PUT", "/v1/admin/access/policy", { token: admin, body: { editorsCanShare: true } });
    const grant = op("acl", { userId: "pat", role: "editor" });
    expect((await send(ed, docId, grant)).status).toBe(202);
    expect((await settled(ed, docId, grant.id)).status).toBe("committed");
    for (const o of [op("acl", { userId: "ed", role: "owner" }), op("acl", { userId: "olga", role: "viewer" })]) {
      expect((await send(ed, docId, o)).status).toBe(403);
    }
  });

  it("the last owner cannot leave; two owners demoting each other at once: exactly one commits", async () => {
    const tid = tenantId();
    const { docId, owner } = await docWith(tid, { oscar: "owner" });
    const oscar = await tok(tid, "oscar");
    const [a, b] = [op("acl", { userId: "oscar", role: "viewer" }), op("acl", { userId: "olga", role: "viewer" })];
    expect((await Promise.all([send(owner, docId, a), send(oscar, docId, b)])).map((r) => r.status)).toEqual([202, 202]);
    const outcomes = [await settled(owner, docId, a.id), await settled(owner, docId, b.id)];
    expect(outcomes.map((o) => o.status).sort()).toEqual(["committed", "rejected"]);
    expect(outcomes.find((o) => o.status === "rejected")!.reason).toBe("forbidden");
    const survivor = outcomes[0].status === "committed" ? owner : oscar;
    const leave = op("acl", { userId: survivor === owner ? "olga" : "oscar", role: "editor" });
    expect((await send(survivor, docId, leave)).status).toBe(202);
    expect(await settled(survivor, docId, leave.id)).toMatchObject({ status: "rejected", reason: "last_owner" });
  });

  it("groups and everyone: a group entry counts through the token's groups claim; everyone covers the tenant", async () => {
    const tid = tenantId();
    const { docId, owner } = await docWith(tid, {});
    await shareDoc(owner, docId, { groupId: "design" }, "editor");
    await shareDoc(owner, docId, { everyone: true }, "viewer");
    const gus = await tok(tid, "gus", { groups: ["design", "x"] });
    const hal = await tok(tid, "hal", { groups: ["ops"] });
    expect((await send(gus, docId, op("insert", { pos: 0, text: "g" }))).status).toBe(202);
    expect((await send(hal, docId, op("insert", { pos: 0, text: "h" }))).status).toBe(403);
    expect((await call("GET", `/v1/docs/${docId}/ops`, { token: hal })).status).toBe(200);
    expect((await call("GET", `/v1/docs/${docId}/ops`, { token: await token({ tid, sub: "bad", groups: "design" as never }) })).status).toBe(401);
  });
});

describe("what a caller without a role can learn", () => {
  it("oracle probes by a non-member all get the same 403, and a tenant admin reads as an override", async () => {
    const tid = tenantId();
    const { docId, owner } = await docWith(tid, {});
    const known = op("insert", { pos: 0, text: "secret" });
    await send(owner, docId, known);
    expect((await settled(owner, docId, known.id)).status).toBe("committed");
    const zed = await tok(tid, "zed");
    const probes = [
      await call("GET", `/v1/docs/${docId}/ops/${known.id}`, { token: zed }),
      await call("GET", `/v1/docs/${docId}/ops/nope`, { token: zed }),
      await call("GET", `/v1/docs/${docId}/ops/bad!id`, { token: zed }),
      await call("GET", `/v1/docs/${docId}?version=1`, { token: zed }),
      await call("GET", `/v1/docs/${docId}?version=abc`, { token: zed }),
      await call("GET", `/v1/docs/${docId}/ops?after=0`, { token: zed }),
      await send(zed, docId, { ...known }), // a resend of the owner's op: never "duplicate"
      await send(zed, docId, op("insert", { pos: 0, text: "x" }), 1_000_000), // base far ahead
      await call("POST", `/v1/docs/${docId}/ops`, { token: zed, body: "not json" }),
    ];
    for (const r of probes) expect([r.status, r.body.error]).toEqual([403, { code: "forbidden", message: `you have no access to document ${docId}`, details: [] }]);
    // Nothing of it was quarantined (a 403 is not a bad payload) and it was counted.
    const admin = await tok(tid, "root", { role: "admin" });
    const quarantine = await call("GET", "/v1/admin/quarantine", { token: admin });
    expect(quarantine.body.records).toEqual([]);
    expect((await call("GET", "/v1/admin/metrics", { token: admin })).body.refused.forbidden).toBeGreaterThanOrEqual(probes.length);
    // The admin holds no role and may read and write (as owner).
    expect((await call("GET", `/v1/docs/${docId}/ops`, { token: admin })).status).toBe(200);
    const byAdmin = op("insert", { pos: 0, text: "!" });
    expect((await send(admin, docId, byAdmin)).status).toBe(202);
    expect((await settled(admin, docId, byAdmin.id)).status).toBe("committed");
    expect((await readLog(owner, docId)).find((e) => e.id === byAdmin.id)).toMatchObject({ userId: "root", override: true });
  });

  it("another tenant's users see another document under the same id: nothing of this one", async () => {
    const tid = tenantId();
    const { docId, owner } = await docWith(tid, {});
    const known = op("insert", { pos: 0, text: "secret" });
    await send(owner, docId, known);
    await settled(owner, docId, known.id);
    const stranger = await tok(tenantId(), "olga", { role: "admin" });
    expect((await call("GET", `/v1/docs/${docId}`, { token: stranger })).status).toBe(404);
    expect((await call("GET", `/v1/docs/${docId}/ops/${known.id}`, { token: stranger })).status).toBe(404);
    expect((await call("GET", `/v1/docs/${docId}/ops`, { token: stranger })).body).toEqual({ docId, version: 0, ops: [] });
  });

  it("before a document exists, receipts show a caller only their own ops", async () => {
    const tid = tenantId();
    const docId = freshDoc("pre");
    const [ann, bob] = [await tok(tid, "ann"), await tok(tid, "bob")];
    // A change the sequencer rejects without creating the document (a delete past the end).
    const bad = op("delete", { pos: 5, len: 1 });
    await send(ann, docId, bad);
    expect(await settled(ann, docId, bad.id)).toMatchObject({ status: "rejected", reason: "position_out_of_range" });
    expect((await receipt(bob, docId, bad.id)).status).toBe(404);
  });
});

describe("a revocation racing an accepted change", () => {
  it("a change accepted while its sender was an editor but sequenced after the revocation is rejected forbidden", async () => {
    const tid = tenantId();
    const { docId, owner } = await docWith(tid, { bob: "editor" });
    const bob = await tok(tid, "bob");
    // Bob's second op is accepted now but held by the sequencer behind the gap at client seq 1.
    const late: TestOp = { id: `late-${process.pid}-${n}`, seq: 2, type: "insert", pos: 0, text: "late" };
    expect((await post(bob, docId, { clientId: "bob-tab", base: 0, ops: [late] })).body.results[0].status).toBe("accepted");
    await shareDoc(owner, docId, { userId: "bob" }, "none");
    // The gap is given up after the hold window; then the held op is judged against the revoked ACL.
    expect(await settled(owner, docId, late.id)).toMatchObject({ status: "rejected", reason: "forbidden" });
    expect((await readLog(owner, docId)).some((e) => e.id === late.id)).toBe(false);
    // And ingest refuses him within 2 s of the revocation's commit.
    const next = await waitFor("403 at ingest", async () => {
      const r = await send(bob, docId, op("insert", { pos: 0, text: "x" }));
      return r.status === 403 ? r : undefined;
    }, 5_000);
    expect(next.body.error.code).toBe("forbidden");
  });
});
