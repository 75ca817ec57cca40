import { describe, expect, test } from "vitest";
import { AUDIT_SCAN_ENTRIES } from "@weft/core";
import { del, insert, post, settled, waitForLog, type TestOp } from "./docs.js";
import { call, freshDoc, token, waitFor } from "./http.js";
import { shareDoc } from "./access.js";

/**
 * The audit trail and search end to end over real HTTP against the local stack: ops posted ->
 * sequencer -> log -> GET /v1/admin/audit (records derived from the log on read, so readable
 * as soon as committed), and log stream -> materializer -> local EventBridge -> search handler
 * -> search table -> GET /v1/search.
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

    // Audit: who did what, per document, in seq order (the creation entries first), as soon
    // as the log holds it.
    const reply = await auditOf(admin, doc);
    expect(reply.status).toBe(200);
    const records = reply.body;
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
    const audited = (await auditOf(admin, doc, "&after=5")).body.records;
    expect(audited.map((r: any) => [r.seq, r.userId, r.action, r.summary])).toEqual([[6, "alice", "delete", "deleted 10 chars at 10"]]);

    // Tenant isolation: the same words and docId in another tenant see nothing of this one.
    expect((await search(outsider, "narwhals")).body).toEqual({ q: "narwhals", results: [] });
    expect((await auditOf(outsiderAdmin, doc)).body).toEqual({ docId: doc, records: [], access: [] });
    await post(outsider, doc, { clientId: "ce", base: 0, ops: [{ id: "e1", seq: 1, type: "insert", pos: 0, text: "walrus notes" }] });
    await searchUntil(outsider, "walrus", [doc]);
    expect((await search(alice, "walrus")).body.results).toEqual([]);
    const outsiderAudit = (await auditOf(outsiderAdmin, doc)).body.records;
    expect(outsiderAudit.map((r: any) => [r.opId, r.userId])).toEqual([["~owner", "eve"], ["e1", "eve"]]);
    expect((await auditOf(admin, doc)).body.records.map((r: any) => r.opId)).toEqual(["~owner", "share-bob", "a1", "b1", "b2", "a2"]);
  });

  test("audit records page by user over a long log in bounded steps; no log, another tenant and a member get nothing", async () => {
    const alice = await token({ sub: "alice", tid: tenant });
    const bob = await token({ sub: "bob", tid: tenant });
    const admin = await token({ sub: "root", tid: tenant, role: "admin" });
    const otherAdmin = await token({ sub: "root", tid: other, role: "admin" });
    const doc = freshDoc("as-long");
    // Seqs 1-2: alice's owner entry and bob's share; alice's changes of 500 inserts fill
    // 3-502 and 504-2503; bob's two ops land at 503 and 2504.
    expect(await shareDoc(alice, doc, { userId: "bob" }, "editor", "share-bob")).toBe(2);
    let aliceSeq = 0;
    const aliceChange = async (base: number) => {
      const ops = Array.from({ length: 500 }, () => insert(`a${++aliceSeq}`, aliceSeq, 0, "x"));
      expect((await post(alice, doc, { clientId: "ca", base, ops })).status).toBe(202);
      expect(await settled(alice, doc, `a${aliceSeq}`)).toMatchObject({ status: "committed", seq: base + 500 });
    };
    const bobOp = async (n: number, base: number) => {
      expect((await post(bob, doc, { clientId: "cb", base, ops: [insert(`b${n}`, n, 0, "y")] })).status).toBe(202);
      expect(await settled(bob, doc, `b${n}`)).toMatchObject({ status: "committed", seq: base + 1 });
    };
    await aliceChange(2);
    await bobOp(1, 502);
    for (const base of [503, 1003, 1503, 2003]) await aliceChange(base);
    await bobOp(2, 2503);

    const page = async (query: string) => {
      const r = await auditOf(admin, doc, query);
      expect(r.status, query).toBe(200);
      return { seqs: r.body.records.map((x: any) => x.seq), next: r.body.next, access: r.body.access };
    };
    // bob's first op, then no other of his within AUDIT_SCAN_ENTRIES entries: next is the last seq read.
    expect(await page("&userId=bob&limit=1")).toEqual({ seqs: [503], next: AUDIT_SCAN_ENTRIES, access: [] });
    expect(await page(`&userId=bob&limit=1&after=${AUDIT_SCAN_ENTRIES}`)).toEqual({ seqs: [2504], next: undefined, access: [] });
    // A stretch of the log with none of his: no records, and next moves past it.
    expect(await page("&userId=bob&after=503")).toEqual({ seqs: [], next: 503 + AUDIT_SCAN_ENTRIES, access: [] });
    expect(await page(`&userId=bob&after=${503 + AUDIT_SCAN_ENTRIES}`)).toEqual({ seqs: [2504], next: undefined, access: [] });
    // alice authored nearly everything: her pages are full and exact.
    const alices: number[] = [];
    for (let after = 0, pages = 0; after !== undefined && pages < 10; pages++) {
      const p = await page(`&userId=alice&limit=1000&after=${after}`);
      alices.push(...p.seqs);
      after = p.next;
    }
    expect(alices).toEqual(Array.from({ length: 2504 }, (_, i) => i + 1).filter((q) => q !== 503 && q !== 2504));
    expect(await page("&limit=1000&after=2000")).toMatchObject({ next: undefined, seqs: expect.objectContaining({ length: 504 }) });

    // A document with no log, the same document seen from another tenant, and a member.
    expect((await auditOf(admin, freshDoc("as-none"))).body).toEqual({ docId: expect.any(String), records: [], access: [] });
    expect((await auditOf(otherAdmin, doc, "&userId=bob")).body).toEqual({ docId: doc, records: [], access: [] });
    const member = await auditOf(alice, doc);
    expect([member.status, member.body.error.code]).toEqual([403, "forbidden"]);
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
