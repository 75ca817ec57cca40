import { describe, expect, test } from "vitest";
import { call, freshDoc, token } from "./http.js";
import { del, insert, post, readLog, receipt, settled, textOf, waitForLog } from "./docs.js";
import { clientEntries, expectCreatedBy } from "./access.js";

describe("ingest and the ordered log over real HTTP", () => {
  test("GET /health answers ok", async () => {
    const r = await call("GET", "/health");
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ ok: true });
  });

  test("a change is accepted, committed in order, readable, and has receipts", async () => {
    const t = await token({ sub: "alice", name: "Alice" });
    const doc = freshDoc();
    const ops = [insert("a1", 1, 0, "Hello"), insert("a2", 2, 5, " 🌍!"), del("a3", 3, 5, 1)];
    const r = await post(t, doc, { clientId: "c1", base: 0, ops });
    expect(r.status).toBe(202);
    expect(r.body).toEqual({ docId: doc, results: ops.map((o) => ({ id: o.id, status: "accepted" })) });

    // The first change creates the document: its author's owner entry is seq 1, its ops follow.
    const log = await waitForLog(t, doc, 4);
    expect(log.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    expectCreatedBy(log, "alice");
    expect(log[0].clientId).toBe("c1");
    expect(log.slice(1).map((e) => e.id)).toEqual(["a1", "a2", "a3"]);
    expect(log[2]).toMatchObject({ seq: 3, id: "a2", clientId: "c1", clientSeq: 2, userId: "alice", type: "insert", pos: 5, text: " 🌍!" });
    expect(typeof log[1].serverTs).toBe("number");
    expect(textOf(log)).toBe("Hello🌍!");

    expect(await settled(t, doc, "a2")).toEqual({ id: "a2", status: "committed", seq: 3 });
    const missing = await receipt(t, doc, "nope");
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe("not_found");
  });

  test("an acl entry keeps its author in userId and names the affected user targetUserId", async () => {
    const t = await token({ sub: "alice" });
    const doc = freshDoc("acl");
    await post(t, doc, { clientId: "c1", base: 0, ops: [{ id: "g1", seq: 1, type: "acl", userId: "bob", role: "editor" }] });
    const log = await waitForLog(t, doc, 2);
    expectCreatedBy(log, "alice");
    expect(log[1]).toMatchObject({ seq: 2, id: "g1", type: "acl", userId: "alice", targetUserId: "bob", role: "editor" });
  });

  test("a retried change is reported duplicate and never logged twice", async () => {
    const t = await token();
    const doc = freshDoc();
    const change = { clientId: "c1", base: 0, ops: [insert("r1", 1, 0, "x"), insert("r2", 2, 1, "y")] };
    expect((await post(t, doc, change)).body.results.map((x: any) => x.status)).toEqual(["accepted", "accepted"]);
    // A retry right away (the first answer "timed out"), and another after commit.
    expect((await post(t, doc, change)).body.results.map((x: any) => x.status)).toEqual(["duplicate", "duplicate"]);
    await waitForLog(t, doc, 3);
    expect((await post(t, doc, change)).body.results.map((x: any) => x.status)).toEqual(["duplicate", "duplicate"]);
    // A resend regrouped with a new op: old ones duplicate, the new one accepted.
    const regrouped = { clientId: "c1", base: 3, ops: [insert("r2", 2, 1, "y"), insert("r3", 3, 2, "z")] };
    expect((await post(t, doc, regrouped)).body.results).toEqual([
      { id: "r2", status: "duplicate" },
      { id: "r3", status: "accepted" },
    ]);
    const log = await waitForLog(t, doc, 4);
    await new Promise((r) => setTimeout(r, 300));
    expect((await readLog(t, doc)).map((e) => e.id)).toEqual(["~owner", "r1", "r2", "r3"]);
    expect(textOf(log)).toBe("xyz");
  });

  test("concurrent duplicate POSTs commit each op exactly once", async () => {
    const t = await token();
    const doc = freshDoc();
    const change = { clientId: "c1", base: 0, ops: [insert("d1", 1, 0, "a"), insert("d2", 2, 1, "b")] };
    const replies = await Promise.all(Array.from({ length: 10 }, () => post(t, doc, change)));
    expect(replies.every((r) => r.status === 202)).toBe(true);
    const accepted = replies.filter((r) => r.body.results[0].status === "accepted").length;
    expect(accepted).toBe(1);
    await waitForLog(t, doc, 3);
    await new Promise((r) => setTimeout(r, 300));
    expect((await readLog(t, doc)).map((e) => e.id)).toEqual(["~owner", "d1", "d2"]);
  });

  test("a pending client seq reused for a different op id is refused and quarantined", async () => {
    const t = await token({ tid: "reuse" });
    const admin = await token({ tid: "reuse", role: "admin" });
    const doc = freshDoc("reuse");
    // Seq 5 waits behind a gap (1-4 never sent), so it is surely still pending.
    expect((await post(t, doc, { clientId: "c1", base: 0, ops: [insert("first", 5, 0, "a")] })).status).toBe(202);
    const r = await post(t, doc, { clientId: "c1", base: 0, ops: [insert("second", 5, 0, "b")] });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe("invalid_request");
    expect(r.body.error.details[0]).toMatchObject({ index: 0, id: "second" });
    expect(r.body.error.details[0].issue).toContain("first");
    const q = await call("GET", "/v1/admin/quarantine", { token: admin });
    expect(q.body.records.some((x: any) => x.docId === doc && x.reason === "invalid_request")).toBe(true);
  });

  test("GET ops pages with after, limit and next", async () => {
    const t = await token();
    const doc = freshDoc();
    const ops = Array.from({ length: 7 }, (_, i) => insert(`p${i}`, i + 1, i, String(i)));
    await post(t, doc, { clientId: "c1", base: 0, ops });
    // Seq 1 is the owner entry, the seven ops are seqs 2-8.
    const log = await waitForLog(t, doc, 8);
    expect(clientEntries(log).map((e) => e.id)).toEqual(ops.map((o) => o.id));
    const page1 = await call("GET", `/v1/docs/${doc}/ops?after=0&limit=3`, { token: t });
    expect(page1.body.ops.map((e: any) => e.seq)).toEqual([1, 2, 3]);
    expect(page1.body.next).toBe(3);
    expect(page1.body.version).toBe(8);
    const page3 = await call("GET", `/v1/docs/${doc}/ops?after=6&limit=3`, { token: t });
    expect(page3.body.ops.map((e: any) => e.seq)).toEqual([7, 8]);
    expect(page3.body.next).toBeUndefined();
    const empty = await call("GET", `/v1/docs/${doc}/ops?after=8`, { token: t });
    expect(empty.body).toEqual({ docId: doc, version: 8, ops: [] });
    const none = await call("GET", `/v1/docs/${freshDoc()}/ops`, { token: t });
    expect(none.body).toEqual({ docId: none.body.docId, version: 0, ops: [] });
    for (const q of ["after=-1", "after=1.5", "limit=0", "limit=5000", "after=abc"]) {
      const bad = await call("GET", `/v1/docs/${doc}/ops?${q}`, { token: t });
      expect(bad.status, q).toBe(400);
      expect(bad.body.error.code).toBe("invalid_request");
    }
  });
});
