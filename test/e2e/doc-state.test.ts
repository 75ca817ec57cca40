import { describe, expect, test } from "vitest";
import { encodeState, materialize } from "@weft/core";
import { prose } from "@weft/core/testing";
import { call, freshDoc, token, waitFor } from "./http.js";
import { insert, post, readLog, waitForLog, type TestOp } from "./docs.js";
import { expectCreatedBy } from "./access.js";

/** GET /v1/docs/{docId} once it reports at least `version`. */
async function docAt(t: string, docId: string, version: number, timeoutMs = 15_000, query = ""): Promise<any> {
  return waitFor(`${docId} materialized to ${version}`, async () => {
    const r = await call("GET", `/v1/docs/${docId}${query}`, { token: t });
    return r.status === 200 && r.body.version >= version ? r.body : undefined;
  }, timeoutMs);
}

/** The state shape of a GET body, encoded canonically (to compare with core's materialize). */
function encodedBody(body: any): string {
  const { docId: _d, ...state } = body;
  return encodeState(state);
}

describe("materialized document state over HTTP", () => {
  const tid = `state-${Date.now().toString(36)}`;

  test("GET returns text, spans, threads with moving anchors, tasks and acl; ?version; rebuild finds nothing to change", async () => {
    const t = await token({ tid, sub: "alice" });
    const admin = await token({ tid, sub: "boss", role: "admin" });
    const doc = freshDoc("state");
    const first: TestOp[] = [
      insert("s1", 1, 0, "Hello world"),
      { id: "s2", seq: 2, type: "format", pos: 0, len: 5, attrs: { bold: true } },
      { id: "s3", seq: 3, type: "comment", threadId: "th1", body: "which world? 🌍", mentions: ["bob"], anchor: { pos: 6, len: 5 } },
      { id: "s4", seq: 4, type: "task", taskId: "tk1", assignee: "bob", title: "Greet everyone", status: "open" },
      { id: "s5", seq: 5, type: "acl", userId: "bob", role: "editor" },
    ];
    expect((await post(t, doc, { clientId: "c1", base: 0, ops: first })).status).toBe(202);
    // Committed before the next change is sent, so the two are two log batches (the lag metric
    // below is per batch; sent back to back they may be sequenced as one).
    // Seq 1 is alice's owner entry (she creates the document), her ops are seqs 2-6.
    expectCreatedBy(await waitForLog(t, doc, 6), "alice");
    await post(t, doc, {
      clientId: "c1",
      base: 6,
      ops: [
        insert("s6", 6, 0, "Oh, "),
        { id: "s7", seq: 7, type: "reaction", threadId: "th1", commentId: "s3", emoji: "👍" },
        { id: "s8", seq: 8, type: "task", taskId: "tk1", assignee: "bob", title: "Greet everyone twice" },
      ],
    });
    const body = await docAt(t, doc, 9);
    expect(body).toMatchObject({
      docId: doc,
      version: 9,
      text: "Oh, Hello world",
      spans: [{ text: "Oh, " }, { text: "Hello", attrs: { bold: true } }, { text: " world" }],
      role: "owner",
    });
    expect(body.acl).toEqual({ users: { alice: "owner", bob: "editor" }, groups: {}, everyone: "none" });
    expect(body.threads.th1.anchor).toEqual({ pos: 10, len: 5 }); // moved right by "Oh, "
    expect(body.threads.th1.comments).toEqual([
      { id: "s3", userId: "alice", body: "which world? 🌍", mentions: ["bob"], ts: expect.any(Number), reactions: { "👍": ["alice"] } },
    ]);
    expect(body.tasks.tk1).toMatchObject({ id: "tk1", assignee: "bob", title: "Greet everyone twice", status: "open", updatedBy: "alice" });
    const log = await readLog(t, doc);
    expect(body.updatedAt).toBe(log.at(-1).serverTs);
    // Byte-identical to core's pure materialization of the log.
    expect(encodedBody(body)).toBe(encodeState(materialize(log)));

    const v1 = await call("GET", `/v1/docs/${doc}?version=1`, { token: t });
    expect(v1.status).toBe(200);
    expect(v1.body).toMatchObject({ docId: doc, version: 1, text: "", threads: {}, tasks: {}, role: "owner" });
    expect(v1.body.acl).toEqual({ users: { alice: "owner" }, groups: {}, everyone: "none" });
    const v2 = await call("GET", `/v1/docs/${doc}?version=2`, { token: t });
    expect(v2.status).toBe(200);
    expect(v2.body).toMatchObject({ docId: doc, version: 2, text: "Hello world", spans: [{ text: "Hello world" }], threads: {}, tasks: {} });
    expect(v2.body.acl).toEqual({ users: { alice: "owner" }, groups: {}, everyone: "none" });
    const v4 = await call("GET", `/v1/docs/${doc}?version=4`, { token: t });
    expect(encodedBody(v4.body)).toBe(encodeState(materialize(log.slice(0, 4))));

    const rebuilt = await call("POST", `/v1/admin/docs/${doc}/rebuild`, { token: admin });
    expect(rebuilt.status).toBe(200);
    expect(rebuilt.body).toEqual({ docId: doc, version: 9, changed: false });
    expect((await call("POST", `/v1/admin/docs/${doc}/rebuild`, { token: t })).body.error.code).toBe("forbidden");

    // The commit -> materialized lag is measured per batch.
    const m = await waitFor("materializer lag", async () => {
      const r = await call("GET", "/v1/admin/metrics", { token: admin });
      return r.body.materializerLagMs?.count >= 2 ? r.body.materializerLagMs : undefined;
    });
    expect(m.p50).toBeGreaterThan(0);
    expect(m.p99).toBeGreaterThanOrEqual(m.p50);
    console.log(`materializer lag (commit -> materialized) in the e2e run: ${JSON.stringify(m)}`);
  });

  test("errors: unknown document 404, bad versions 400, a version above the log's last 404", async () => {
    const t = await token({ tid });
    const admin = await token({ tid, role: "admin" });
    const doc = freshDoc("state-err");
    const missing = await call("GET", `/v1/docs/${doc}`, { token: t });
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe("not_found");
    expect((await call("POST", `/v1/admin/docs/${doc}/rebuild`, { token: admin })).status).toBe(404);

    await post(t, doc, { clientId: "c1", base: 0, ops: [insert("e1", 1, 0, "x")] });
    await docAt(t, doc, 2); // the owner entry and e1
    for (const bad of ["abc", "0", "-1", "1.5", "", "1e3", "99999999999"]) {
      const r = await call("GET", `/v1/docs/${doc}?version=${encodeURIComponent(bad)}`, { token: t });
      expect([bad, r.status, r.body.error.code]).toEqual([bad, 400, "invalid_request"]);
      expect(r.body.error.details[0].path).toBe("version");
    }
    const ahead = await call("GET", `/v1/docs/${doc}?version=3`, { token: t });
    expect(ahead.status).toBe(404);
    expect(ahead.body.error.message).toContain("version 3");
    expect((await call("GET", "/v1/docs/bad%23id", { token: t })).body.error.code).toBe("invalid_request");
    expect((await call("GET", `/v1/docs/${doc}`)).status).toBe(401);
  });

  test("another tenant sees nothing of the document", async () => {
    const t = await token({ tid });
    const doc = freshDoc("state-iso");
    await post(t, doc, { clientId: "c1", base: 0, ops: [insert("i1", 1, 0, "secret")] });
    await docAt(t, doc, 2);
    const other = await token({ tid: `${tid}-other` });
    const otherAdmin = await token({ tid: `${tid}-other`, role: "admin" });
    expect((await call("GET", `/v1/docs/${doc}`, { token: other })).status).toBe(404);
    expect((await call("GET", `/v1/docs/${doc}?version=1`, { token: other })).status).toBe(404);
    expect((await call("GET", `/v1/docs/${doc}?version=2`, { token: other })).status).toBe(404);
    expect((await call("POST", `/v1/admin/docs/${doc}/rebuild`, { token: otherAdmin })).status).toBe(404);
  });

  test("a document of more than 2 MiB goes through the real pipeline and reads back whole", { timeout: 120_000 }, async () => {
    const t = await token({ tid });
    const admin = await token({ tid, role: "admin" });
    const doc = freshDoc("state-big");
    // Ops of ~16 KiB (the per-op limit), changes of 60 ops (~1 MiB bodies).
    const opBytes = 16_000;
    const total = 134; // 134 x 16,000 = 2,144,000 bytes > 2 MiB
    const pieces = Array.from({ length: total }, (_, i) => prose(opBytes, 1000 + i));
    let len = 0;
    for (let first = 0; first < total; first += 60) {
      const ops: TestOp[] = [];
      for (let i = first; i < Math.min(total, first + 60); i++) {
        ops.push(insert(`b${i + 1}`, i + 1, len, pieces[i]));
        len += pieces[i].length;
      }
      const r = await post(t, doc, { clientId: "big", base: 0, ops });
      expect(r.status, r.text).toBe(202);
    }
    const expected = pieces.join("");
    expect(expected.length).toBeGreaterThan(2 * 2 ** 20);
    // Seq 1 is the owner entry: the ops are seqs 2 to total + 1.
    const body = await docAt(t, doc, total + 1, 90_000);
    expect(body.version).toBe(total + 1);
    expect(body.text.length).toBe(expected.length);
    expect(body.text === expected).toBe(true);
    expect(body.spans).toEqual([{ text: expected }]);
    const mid = await call("GET", `/v1/docs/${doc}?version=71`, { token: t });
    expect(mid.body.text === pieces.slice(0, 70).join("")).toBe(true);
    await waitForLog(t, doc, total + 1);
    expect((await call("POST", `/v1/admin/docs/${doc}/rebuild`, { token: admin })).body).toEqual({ docId: doc, version: total + 1, changed: false });
  });
});
