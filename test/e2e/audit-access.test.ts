import { describe, expect, test } from "vitest";
import { post, settled } from "./docs.js";
import { call, freshDoc, token, waitFor } from "./http.js";
import { shareDoc } from "./access.js";

/**
 * The audit trail's access side end to end over real HTTP against the local stack: ingest and
 * read 403s, a tenant admin's override read and override op, an owner's acl change and a
 * sequencer `forbidden` rejection all show in GET /v1/admin/audit, to that tenant's admins only
 * (records read from the log, access events from the audit table).
 */
const tenant = `aa-${process.pid}-${Date.now().toString(36)}`;
const PIPELINE_MS = 20_000;

async function auditOf(tok: string, docId: string, query = "") {
  return call("GET", `/v1/admin/audit?docId=${docId}${query}`, { token: tok });
}

describe("audit: access events and overrides", () => {
  test("admin override in the audit trail; 403s, an acl change and a forbidden rejection are recorded; admins of the tenant only", async () => {
    const alice = await token({ sub: "alice", tid: tenant });
    const vic = await token({ sub: "vic", tid: tenant });
    const carol = await token({ sub: "carol", tid: tenant });
    const eve = await token({ sub: "eve", tid: tenant });
    const root = await token({ sub: "root", tid: tenant, role: "admin" });
    const otherAdmin = await token({ sub: "root", tid: `${tenant}-other`, role: "admin" });
    const doc = freshDoc("aa");

    // alice creates the document (owner entry seq 1), makes vic viewer (2) and carol commenter (3), and comments (4).
    expect(await shareDoc(alice, doc, { userId: "vic" }, "viewer", "share-vic")).toBe(2);
    expect(await shareDoc(alice, doc, { userId: "carol" }, "commenter", "share-carol")).toBe(3);
    const comment = { id: "a1", seq: 1, type: "comment", threadId: "th", body: "keep this" };
    expect((await post(alice, doc, { clientId: "ca", base: 3, ops: [comment] })).status).toBe(202);
    expect(await settled(alice, doc, "a1")).toMatchObject({ status: "committed", seq: 4 });

    // vic (viewer) may not insert; eve (no role) may not read: both 403, as always.
    const refusedInsert = await post(vic, doc, { clientId: "cv", base: 4, ops: [{ id: "v1", seq: 1, type: "insert", pos: 0, text: "no" }] });
    expect(refusedInsert.status).toBe(403);
    expect(refusedInsert.body.error).toMatchObject({ code: "forbidden", details: [expect.objectContaining({ id: "v1" })] });
    const refusedRead = await call("GET", `/v1/docs/${doc}`, { token: eve });
    expect(refusedRead.status).toBe(403);
    expect(refusedRead.body.error.code).toBe("forbidden");

    // root, a tenant admin with no role on the document, reads its log and commits an op.
    expect((await call("GET", `/v1/docs/${doc}/ops`, { token: root })).status).toBe(200);
    expect((await post(root, doc, { clientId: "cr", base: 4, ops: [{ id: "r1", seq: 1, type: "insert", pos: 0, text: "admin" }] })).status).toBe(202);
    expect(await settled(alice, doc, "r1")).toMatchObject({ status: "committed", seq: 5 });
    // The records are derived from the log: every committed op is there at once.
    expect((await auditOf(root, doc)).body.records.map((r: any) => r.opId)).toEqual(["~owner", "share-vic", "share-carol", "a1", "r1"]);

    // carol (commenter) deletes alice's comment: ingest cannot know whose it is and lets it
    // through; the sequencer rejects it forbidden.
    const uncomment = { id: "c1", seq: 1, type: "uncomment", threadId: "th", commentId: "a1" };
    expect((await post(carol, doc, { clientId: "cc", base: 5, ops: [uncomment] })).status).toBe(202);
    const rejection = await settled(carol, doc, "c1");
    expect(rejection).toMatchObject({ status: "rejected", reason: "forbidden" });

    const audit = await waitFor(
      "4 access events",
      async () => {
        const r = await auditOf(root, doc);
        expect(r.status).toBe(200);
        return r.body.records.length >= 5 && r.body.access.length >= 4 ? r.body : undefined;
      },
      PIPELINE_MS,
    );
    expect(audit.records.map((r: any) => [r.seq, r.opId, r.userId, r.action, r.summary, r.override])).toEqual([
      [1, "~owner", "alice", "acl", "acl change: alice -> owner", undefined],
      [2, "share-vic", "alice", "acl", "acl change: vic -> viewer", undefined],
      [3, "share-carol", "alice", "acl", "acl change: carol -> commenter", undefined],
      [4, "a1", "alice", "comment", "commented in thread th", undefined],
      [5, "r1", "root", "insert", "inserted 5 chars at 0", true],
    ]);
    expect(audit.records[4].override).toBe(true);
    expect(audit.next).toBeUndefined();

    const byKind = (kind: string) => audit.access.filter((e: any) => e.kind === kind);
    expect(audit.access).toHaveLength(4);
    expect(byKind("refused")).toEqual(
      expect.arrayContaining([
        {
          id: expect.stringMatching(/^refused\./),
          at: expect.any(Number),
          userId: "vic",
          kind: "refused",
          action: "submit ops",
          reason: "role too low, needs editor",
          opId: "v1",
          message: refusedInsert.body.error.message,
        },
        { id: expect.stringMatching(/^refused\./), at: expect.any(Number), userId: "eve", kind: "refused", action: "read state", reason: "no access", message: refusedRead.body.error.message },
      ]),
    );
    expect(byKind("override")).toEqual([{ id: expect.stringMatching(/^override\./), at: expect.any(Number), userId: "root", kind: "override", action: "read log" }]);
    expect(byKind("rejected")).toEqual([
      { id: "rejected.cc.c1", at: expect.any(Number), userId: "carol", kind: "rejected", reason: "forbidden", opId: "c1", clientId: "cc", ops: 1, message: rejection.message },
    ]);
    // Oldest first.
    const ats = audit.access.map((e: any) => e.at);
    expect(ats).toEqual([...ats].sort((a, b) => a - b));
    expect(audit.accessNext).toBeUndefined();

    // Access events page on their own, and filter by user like the records.
    const first = await auditOf(root, doc, "&accessLimit=3");
    expect(first.body.access).toEqual(audit.access.slice(0, 3));
    expect(first.body.accessNext).toEqual(expect.any(String));
    const rest = await auditOf(root, doc, `&accessLimit=3&accessAfter=${encodeURIComponent(first.body.accessNext)}`);
    expect(rest.body.access).toEqual(audit.access.slice(3));
    expect(rest.body.accessNext).toBeUndefined();
    expect((await auditOf(root, doc, `&since=${audit.access[3].at}`)).body.access).toContainEqual(audit.access[3]);
    const vics = await auditOf(root, doc, "&userId=vic");
    expect(vics.body).toMatchObject({ records: [], access: [expect.objectContaining({ userId: "vic", kind: "refused" })] });
    expect((await auditOf(root, doc, "&accessAfter=not-a-cursor")).status).toBe(400);

    // Only the tenant's admins see it: a member gets 403, another tenant's admin nothing.
    const member = await auditOf(alice, doc);
    expect(member.status).toBe(403);
    expect(member.body.error.code).toBe("forbidden");
    const other = await auditOf(otherAdmin, doc);
    expect(other.status).toBe(200);
    expect(other.body).toEqual({ docId: doc, records: [], access: [] });
  });
});
