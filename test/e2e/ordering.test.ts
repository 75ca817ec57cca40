import { describe, expect, test } from "vitest";
import { call, freshDoc, token, waitFor } from "./http.js";
import { insert, post, readLog, settled, textOf, waitForLog } from "./docs.js";
import { clientEntries, expectCreatedBy } from "./access.js";

describe("per-document and per-client order", () => {
  test("changes that arrive out of client order are held and committed in client order", async () => {
    const t = await token();
    const doc = freshDoc("ooo");
    // The client's second change arrives before its first.
    await post(t, doc, { clientId: "c1", base: 0, ops: [insert("b1", 3, 2, "c"), insert("b2", 4, 3, "d")] });
    await new Promise((r) => setTimeout(r, 300));
    expect(await readLog(t, doc)).toEqual([]);
    await post(t, doc, { clientId: "c1", base: 0, ops: [insert("a1", 1, 0, "a"), insert("a2", 2, 1, "b")] });
    // Seq 1 is the owner entry the first committed change brings (clientSeq 0).
    const log = await waitForLog(t, doc, 5);
    expectCreatedBy(log, "alice");
    expect(log.map((e) => [e.seq, e.clientSeq])).toEqual([[1, 0], [2, 1], [3, 2], [4, 3], [5, 4]]);
    expect(textOf(log)).toBe("abcd");
  });

  test("holding one client back does not delay another", async () => {
    const t = await token();
    const doc = freshDoc("hold");
    await post(t, doc, { clientId: "slow", base: 0, ops: [insert("s3", 3, 0, "S")] });
    await post(t, doc, { clientId: "fast", base: 0, ops: [insert("f1", 1, 0, "F")] });
    // f1 is committed while s3 is still held: had it waited for the hold window to close, s3
    // would have been committed in the same run and the log would hold three entries.
    const log = await waitForLog(t, doc, 2);
    expect(log.map((e) => e.id)).toEqual(["~owner", "f1"]);
  });

  test("a gap still open when the window closes is a DQ finding; later ops go on; the late op is rejected", async () => {
    const t = await token({ tid: "gaps" });
    const admin = await token({ tid: "gaps", role: "admin" });
    const before = (await call("GET", "/v1/admin/metrics", { token: admin })).body;
    const doc = freshDoc("gap");
    await post(t, doc, { clientId: "c1", base: 0, ops: [insert("g1", 1, 0, "a")] });
    await waitForLog(t, doc, 2);
    await post(t, doc, { clientId: "c1", base: 2, ops: [insert("g3", 3, 1, "c")] });
    // Client seq 2 never comes: after the hold window (2 s) client seq 3 is committed anyway.
    const log = await waitForLog(t, doc, 3, 10_000);
    expect(log.map((e) => e.id)).toEqual(["~owner", "g1", "g3"]);
    const late = await post(t, doc, { clientId: "c1", base: 2, ops: [insert("g2", 2, 1, "b")] });
    expect(late.body.results[0].status).toBe("accepted");
    expect(await settled(t, doc, "g2")).toMatchObject({ status: "rejected", reason: "client_seq_gap_expired" });
    const after = await waitFor("gap metrics", async () => {
      const m = (await call("GET", "/v1/admin/metrics", { token: admin })).body;
      return m.gaps > before.gaps ? m : undefined;
    });
    expect(after.outOfOrder).toBeGreaterThan(before.outOfOrder);
  });

  test("many clients, shuffled arrival: seqs gap-free, each op once, each client's order kept", async () => {
    const t = await token();
    const doc = freshDoc("many");
    const clients = 5;
    const changesPerClient = 6;
    const changes: Array<{ clientId: string; base: number; ops: any[] }> = [];
    for (let c = 0; c < clients; c++) {
      for (let k = 0; k < changesPerClient; k++) {
        changes.push({
          clientId: `w${c}`,
          base: 0,
          ops: [insert(`w${c}-${2 * k + 1}`, 2 * k + 1, 0, `${c}`), insert(`w${c}-${2 * k + 2}`, 2 * k + 2, 0, `${c}`)],
        });
      }
    }
    // Deterministic shuffle, then send concurrently in small waves.
    let seed = 42;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    changes.sort(() => rand() - 0.5);
    for (let i = 0; i < changes.length; i += 6) await Promise.all(changes.slice(i, i + 6).map((ch) => post(t, doc, ch)));
    const total = clients * changesPerClient * 2;
    // Plus the owner entry (seq 1) that whichever change was sequenced first brought.
    const log = await waitForLog(t, doc, total + 1, 20_000);
    expect(log.map((e) => e.seq)).toEqual(Array.from({ length: total + 1 }, (_, i) => i + 1));
    expectCreatedBy(log, "alice");
    const ops = clientEntries(log);
    expect(new Set(ops.map((e) => e.id)).size).toBe(total);
    for (let c = 0; c < clients; c++) {
      const mine = ops.filter((e) => e.clientId === `w${c}`).map((e) => e.clientSeq);
      expect(mine).toEqual(Array.from({ length: changesPerClient * 2 }, (_, i) => i + 1));
    }
  });
});

describe("conflicts", () => {
  test("concurrent edits from the same base are transformed so every op applies in order", async () => {
    const t = await token();
    const doc = freshDoc("ot");
    await post(t, doc, { clientId: "a", base: 0, ops: [insert("base", 1, 0, "hello world")] });
    await waitForLog(t, doc, 2);
    // Both clients saw version 2 only (the owner entry and "hello world").
    await post(t, doc, { clientId: "a", base: 2, ops: [insert("a1", 2, 0, "Oh, ")] });
    await post(t, doc, { clientId: "b", base: 2, ops: [{ id: "b1", seq: 1, type: "delete", pos: 5, len: 6 }, insert("b2", 2, 5, "!")] });
    const log = await waitForLog(t, doc, 5);
    expect(textOf(log)).toBe("Oh, hello!");
  });

  test("a base above the head is rejected with its reason, and quarantined", async () => {
    const t = await token({ tid: "conflicts" });
    const admin = await token({ tid: "conflicts", role: "admin" });
    const doc = freshDoc("ahead");
    await post(t, doc, { clientId: "a", base: 5, ops: [insert("x1", 1, 0, "x")] });
    expect(await settled(t, doc, "x1")).toMatchObject({ status: "rejected", reason: "base_ahead_of_head" });
    const q = await call("GET", "/v1/admin/quarantine", { token: admin });
    expect(q.body.records.some((r: any) => r.source === "sequencer" && r.reason === "base_ahead_of_head" && r.docId === doc)).toBe(true);
    // The client goes on: its next change commits.
    await post(t, doc, { clientId: "a", base: 0, ops: [insert("x2", 2, 0, "y")] });
    expect((await waitForLog(t, doc, 2)).map((e) => e.id)).toEqual(["~owner", "x2"]);
  });

  test("a position out of range after transform is an invalid transition", async () => {
    const t = await token();
    const doc = freshDoc("range");
    await post(t, doc, { clientId: "a", base: 0, ops: [insert("r1", 1, 0, "abc")] });
    await waitForLog(t, doc, 2);
    await post(t, doc, { clientId: "a", base: 2, ops: [insert("r2", 2, 10, "far")] });
    expect(await settled(t, doc, "r2")).toMatchObject({ status: "rejected", reason: "position_out_of_range" });
  });
});
