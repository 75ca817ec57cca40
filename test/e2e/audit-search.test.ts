import { describe, expect, test } from "vitest";
import { del, post, waitForLog, type TestOp } from "./docs.js";
import { call, freshDoc, token, waitFor } from "./http.js";
import { shareDoc } from "./access.js";

/**
 * The two bus consumers end to end over real HTTP against the local stack: ops posted ->
 * sequencer -> log stream -> materializer -> local EventBridge -> audit and search handlers
 * -> their tables -> GET /v1/admin/audit and GET /v1/search.
 */
const tenant = `as-${process.pid}-${Date.now().toString(36)}`;
const other = `${tenant}-other`;
const PIPELINE_MS = 20_000;

async function auditOf(tok: string, docId: string, query = "") {
  return call("GET", `/v1/admin/audit?docId=${docId}${query}`, { token: tok });
}

async function search(tok: string, q: string, query = "") {
  return call("GET", `/v1/search?q=${encodeURIComponent(q)}${query}`, { token: tok });
}

/** Waits until the search for q gives exactly `docIds` (in any order) and returns the results. */
async function searchUntil(tok: string, q: string, docIds: string[]) {
  return waitFor(
    `search ${JSON.stringify(q)} -> [${docIds}]`,
    async () => {
      const r = await search(tok, q);
      expect(r.status).toBe(200);
      const got = r.body.results.map((x: { docId: string }) => x.docId).sort();
      return JSON.stringify(got) === JSON.stringify([...docIds].sort()) ? r.body.results : undefined;
    },
    PIPELINE_MS,
  );
}

function comment(id: string, seq: number, threadId: string, body: string, mentions: string[]): TestOp {
  return { id, seq, type: "comment", threadId, body, mentions };
}

describe("audit trail and search over the live pipeline", () => {
  test("audit records appear with the right users and actions; search follows edits; tenants are isolated", async () => {
    const alice = await token({ sub: "alice", tid: tenant });
    const bob = await token({ sub: "bob", tid: tenant });
    const admin = await token({ sub: "root", tid: tenant, role: "admin" });
    const outsider = await token({ sub: "eve", tid: other });
    const outsiderAdmin = await token({ sub: "eve-admin", tid: other, role: "admin" });
    const doc = freshDoc("as");
    const unrelated = freshDoc("as-other");
    // alice creates the document (her owner entry is seq 1) and lets bob edit it (seq 2); bob
    // creates the unrelated one and lets alice read it.
    expect(await shareDoc(alice, doc, { userId: "bob" }, "editor", "share-bob")).toBe(2);
    expect((await post(alice, doc, { clientId: "ca", base: 2, ops: [{ id: "a1", seq: 1, type: "insert", pos: 0, text: "Quarterly zebrafish roadmap" }] })).status).toBe(202);
    await waitForLog(alice, doc, 3);
    const bobOps = [{ id: "b1", seq: 1, type: "insert", pos: 27, text: " with Narwhals" }, comment("b2", 2, "th-1", "nice", ["alice"])];
    expect((await post(bob, doc, { clientId: "cb", base: 3, ops: bobOps })).status).toBe(202);
    await shareDoc(bob, unrelated, { userId: "alice" }, "viewer");
    await post(bob, unrelated, { clientId: "cb2", base: 2, ops: [{ id: "u1", seq: 1, type: "insert", pos: 0, text: "narwhals only" }] });
    await waitForLog(bob, doc, 5);

    // Audit: who did what, per document, in seq order (the creation entries first).
    const records = await waitFor(
      "5 audit records",
      async () => {
        const r = await auditOf(admin, doc);
        expect(r.status).toBe(200);
        return r.body.records.length >= 5 ? r.body : undefined;
      },
      PIPELINE_MS,
    );
    expect(records.docId).toBe(doc);
    expect(records.next).toBeUndefined();
    expect(records.records.map((r: any) => [r.seq, r.opId, r.userId, r.action, r.summary])).toEqual([
      [1, "~owner", "alice", "acl", "acl change: alice -> owner"],
      [2, "share-bob", "alice", "acl", "acl change: bob -> editor"],
      [3, "a1", "alice", "insert", "inserted 27 chars at 0"],
      [4, "b1", "bob", "insert", "inserted 14 chars at 27"],
      [5, "b2", "bob", "comment", "commented in thread th-1 (mentions alice)"],
    ]);
    for (const r of records.records) expect(typeof r.at).toBe("number");
    const bobs = await auditOf(admin, doc, "&userId=bob&limit=1");
    expect(bobs.body.records.map((r: any) => r.seq)).toEqual([4]);
    expect(bobs.body.next).toBe(4);
    expect((await auditOf(admin, doc, `&userId=bob&after=${bobs.body.next}`)).body).toEqual({ docId: doc, records: [records.records[4]], access: [] });

    // Search: whole words, the prefix being typed, folded case; snippets around the hit.
    // The index is debounced: it may hold an earlier version for up to a window; wait for 5.
    const hits = await waitFor("search at version 5", async () => {
      const r = await searchUntil(alice, "narwhals", [doc, unrelated]);
      return r.find((h: any) => h.docId === doc)?.version === 5 ? r : undefined;
    }, PIPELINE_MS);
    const hit = hits.find((h: any) => h.docId === doc);
    expect(hit).toMatchObject({ docId: doc, version: 5 });
    expect(hit.snippet).toBe("Quarterly zebrafish roadmap with Narwhals");
    expect(hit.score).toBeGreaterThan(0);
    expect((await searchUntil(bob, "ZEBRAF", [doc]))[0].snippet).toContain("zebrafish");
    await searchUntil(bob, "roadmap narw", [doc]);

    // An edit that removes a word makes the document unfindable by it.
    expect((await post(alice, doc, { clientId: "ca", base: 5, ops: [del("a2", 2, 10, 10)] })).status).toBe(202);
    await searchUntil(alice, "zebrafish", []);
    // The index may show the new text under the older event's version for a moment, until the
    // delete's own event arrives: wait for the version too.
    const after = await waitFor("search at version 6", async () => {
      const r = await searchUntil(alice, "roadmap", [doc]);
      return r[0].version === 6 ? r : undefined;
    }, PIPELINE_MS);
    expect(after[0]).toMatchObject({ version: 6, snippet: "Quarterly roadmap with Narwhals" });
    const audited = await waitFor("the delete audited", async () => {
      const r = await auditOf(admin, doc, "&after=5");
      return r.body.records.length > 0 ? r.body.records : undefined;
    }, PIPELINE_MS);
    expect(audited.map((r: any) => [r.seq, r.userId, r.action, r.summary])).toEqual([[6, "alice", "delete", "deleted 10 chars at 10"]]);

    // Tenant isolation: the same words and docId in another tenant see nothing of this one.
    expect((await search(outsider, "narwhals")).body).toEqual({ q: "narwhals", results: [] });
    expect((await auditOf(outsiderAdmin, doc)).body).toEqual({ docId: doc, records: [], access: [] });
    await post(outsider, doc, { clientId: "ce", base: 0, ops: [{ id: "e1", seq: 1, type: "insert", pos: 0, text: "walrus notes" }] });
    await searchUntil(outsider, "walrus", [doc]);
    expect((await search(alice, "walrus")).body.results).toEqual([]);
    const outsiderAudit = await waitFor("outsider audit", async () => {
      const r = await auditOf(outsiderAdmin, doc);
      return r.body.records.length >= 2 ? r.body.records : undefined;
    }, PIPELINE_MS);
    expect(outsiderAudit.map((r: any) => [r.opId, r.userId])).toEqual([["~owner", "eve"], ["e1", "eve"]]);
    expect((await auditOf(admin, doc)).body.records.map((r: any) => r.opId)).toEqual(["~owner", "share-bob", "a1", "b1", "b2", "a2"]);
  });

  test("audit needs the tenant admin role; both routes need a token", async () => {
    const user = await token({ sub: "alice", tid: tenant });
    const r = await auditOf(user, "anything");
    expect(r.status).toBe(403);
    expect(r.body.error.code).toBe("forbidden");
    expect((await call("GET", "/v1/admin/audit?docId=x")).status).toBe(401);
    expect((await call("GET", "/v1/search?q=x")).status).toBe(401);
  });

  test("bad parameters are 400 invalid_request naming the parameter", async () => {
    const admin = await token({ sub: "root", tid: tenant, role: "admin" });
    const bad = async (path: string, param: string) => {
      const r = await call("GET", path, { token: admin });
      expect(r.status, path).toBe(400);
      expect(r.body.error.code, path).toBe("invalid_request");
      expect(r.body.error.details[0].path, path).toBe(param);
    };
    await bad("/v1/admin/audit", "docId");
    await bad("/v1/admin/audit?docId=", "docId");
    await bad("/v1/admin/audit?docId=bad%23id", "docId");
    await bad(`/v1/admin/audit?docId=${"d".repeat(129)}`, "docId");
    await bad("/v1/admin/audit?docId=ok&after=-1", "after");
    await bad("/v1/admin/audit?docId=ok&after=1.5", "after");
    await bad("/v1/admin/audit?docId=ok&after=99999999999999", "after");
    await bad("/v1/admin/audit?docId=ok&limit=0", "limit");
    await bad("/v1/admin/audit?docId=ok&limit=1001", "limit");
    await bad("/v1/admin/audit?docId=ok&limit=ten", "limit");
    await bad("/v1/admin/audit?docId=ok&userId=two%20words", "userId");
    await bad("/v1/search", "q");
    await bad("/v1/search?q=", "q");
    await bad("/v1/search?q=%20%20", "q");
    await bad(`/v1/search?q=${"x".repeat(257)}`, "q");
    await bad(`/v1/search?q=${Array.from({ length: 9 }, (_, i) => `term${i}`).join("+")}`, "q");
    await bad("/v1/search?q=ok&limit=0", "limit");
    await bad("/v1/search?q=ok&limit=51", "limit");
    // Valid edge cases: no searchable term, and the longest q.
    expect((await call("GET", "/v1/search?q=a", { token: admin })).body).toEqual({ q: "a", results: [] });
    expect((await call("GET", `/v1/search?q=${"x".repeat(256)}`, { token: admin })).status).toBe(200);
  });
});
