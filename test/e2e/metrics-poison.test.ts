import { describe, expect, test } from "vitest";
import { call, freshDoc, token, waitFor } from "./http.js";
import { insert, post, settled, waitForLog } from "./docs.js";

describe("data quality metrics", () => {
  test("the admin metrics count what happened, per tenant", async () => {
    const tid = `metrics-${Date.now().toString(36)}`;
    const t = await token({ tid });
    const admin = await token({ tid, role: "admin" });
    const doc = freshDoc("m");
    const skewed = { ...insert("m1", 1, 0, "a"), ts: Date.now() - 10 * 60_000 };
    await post(t, doc, { clientId: "c1", base: 0, ops: [skewed, insert("m2", 2, 1, "b")] });
    await post(t, doc, { clientId: "c1", base: 0, ops: [insert("m1", 1, 0, "a")] }); // duplicate
    await call("POST", `/v1/docs/${doc}/ops`, { token: t, body: "nope" }); // refused
    await post(t, doc, { clientId: "c2", base: 99, ops: [insert("m3", 1, 0, "z")] }); // invalid transition
    await waitForLog(t, doc, 3); // the creator's owner entry, m1, m2
    await settled(t, doc, "m3");

    const m = await waitFor("metrics", async () => {
      const r = await call("GET", "/v1/admin/metrics", { token: admin });
      return r.body.committed >= 2 && r.body.invalidTransitions >= 1 ? r.body : undefined;
    });
    expect(m).toMatchObject({
      tenant: tid,
      accepted: 3,
      duplicates: 1,
      refused: { invalid_request: 1 },
      clockSkew: 1,
      invalidTransitions: 1,
      rejected: { base_ahead_of_head: 1 },
      committed: 2,
    });
    expect(m.sequencerLagMs.count).toBe(2);
    expect(m.sequencerLagMs.p50).toBeGreaterThan(0);
    expect(m.sequencerLagMs.p99).toBeGreaterThanOrEqual(m.sequencerLagMs.p50);

    const other = await token({ tid: `${tid}-other`, role: "admin" });
    const empty = (await call("GET", "/v1/admin/metrics", { token: other })).body;
    expect(empty.accepted).toBe(0);
  });
});

describe("poison records", () => {
  test("a record the sequencer keeps failing on is retried, then rejected and quarantined, without blocking others", async () => {
    const t = await token({ tid: "poison" });
    const admin = await token({ tid: "poison", role: "admin" });
    const doc = freshDoc("poison");
    const other = freshDoc("bystander");
    // The local stack is started with WEFT_FAULT_POISON_CLIENT=poison-client.
    await post(t, doc, { clientId: "poison-client", base: 0, ops: [insert("p1", 1, 0, "boom")] });
    await post(t, other, { clientId: "ok", base: 0, ops: [insert("ok1", 1, 0, "fine")] });
    expect((await waitForLog(t, other, 2)).map((e) => e.id)).toEqual(["~owner", "ok1"]);

    const r = await settled(t, doc, "p1", 30_000);
    expect(r).toMatchObject({ status: "rejected", reason: "stream_retries_exhausted" });
    expect(r.message).toContain("injected fault");
    const q = await call("GET", "/v1/admin/quarantine?limit=100", { token: admin });
    expect(q.body.records.some((x: any) => x.reason === "stream_retries_exhausted" && x.docId === doc)).toBe(true);

    // The same document keeps working for other clients.
    await post(t, doc, { clientId: "healthy", base: 0, ops: [insert("h1", 1, 0, "hi")] });
    // The poisoned change created nothing: this one creates the document.
    expect((await waitForLog(t, doc, 2)).map((e) => e.id)).toEqual(["~owner", "h1"]);
  });
});
