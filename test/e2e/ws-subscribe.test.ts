import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { insert, post, readLog, waitForLog } from "./docs.js";
import { freshDoc, token } from "./http.js";
import { WsClient, upgradeStatus } from "./ws-client.js";

/*
 * Subscribe, catch-up, live delivery, resume and tenant isolation over real WebSockets
 * against the local stack (its ws handler, its log stream's broadcaster, its @connections).
 * Writer and subscribers are the same user (alice), so the subscribers own what they read;
 * each document's log starts with her owner entry (seq 1), her ops follow from seq 2.
 */

const tenant = `ws-sub-${randomUUID().slice(0, 8)}`;
const open: WsClient[] = [];
async function client(opts: Parameters<typeof WsClient.open>[0] = {}): Promise<WsClient> {
  const c = await WsClient.open({ tid: tenant, ...opts });
  open.push(c);
  return c;
}
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
});

/** Commits `changes` changes of `perChange` inserts by `clientId`, one at a time, and waits for them. */
async function commit(t: string, docId: string, clientId: string, changes: number, perChange: number, firstSeq = 1) {
  let seq = firstSeq;
  for (let c = 0; c < changes; c++) {
    const ops = Array.from({ length: perChange }, () => insert(`${clientId}-${seq}`, seq, 0, `w${seq++} `));
    const r = await post(t, docId, { clientId, base: 0, ops });
    if (r.status !== 202) throw new Error(`POST ops: ${r.status} ${r.text}`);
  }
  return seq;
}

describe("subscribe", () => {
  it("after=0: subscribed with the head first, then the full catch-up, then live ops, entries exactly as the HTTP log API returns them", async () => {
    const t = await token({ tid: tenant });
    const doc = freshDoc("ws-catchup");
    await commit(t, doc, "w1", 3, 10);
    await waitForLog(t, doc, 31);

    const c = await client();
    expect(await c.subscribe(doc, 0)).toBe(31);
    await c.waitForSeqs(doc, 31);
    expect(c.received[0]).toEqual({ type: "subscribed", docId: doc, version: 31, role: "owner" });
    const catchUp = c.received.filter((m) => m.type === "ops").flatMap((m) => m.ops);
    expect(catchUp).toEqual(await readLog(t, doc));
    expect(catchUp[0]).toMatchObject({ seq: 1, id: "~owner", type: "acl", targetUserId: "alice", role: "owner" });

    await commit(t, doc, "w1", 2, 5, 31);
    await c.waitForSeqs(doc, 41);
    const log = await readLog(t, doc);
    const live = c.received.filter((m) => m.type === "ops").flatMap((m) => m.ops).filter((e: any) => e.seq > 31);
    // Live entries may repeat across the catch-up boundary; each is the log's entry.
    for (const e of live) expect(e).toEqual(log[e.seq - 1]);
    expect(new Set(live.map((e: any) => e.seq))).toEqual(new Set([32, 33, 34, 35, 36, 37, 38, 39, 40, 41]));
  });

  it("without after: live only; after=N: from N+1", async () => {
    const t = await token({ tid: tenant });
    const doc = freshDoc("ws-live");
    await commit(t, doc, "w1", 1, 4);
    await waitForLog(t, doc, 5);
    const [live, from2] = [await client(), await client()];
    expect(await live.subscribe(doc)).toBe(5);
    expect(await from2.subscribe(doc, 2)).toBe(5);
    await from2.waitForSeqs(doc, 5, 2);
    await live.settle();
    expect(live.seqs(doc)).toEqual([]);
    expect(from2.seqs(doc)).toEqual([3, 4, 5]);
    await commit(t, doc, "w1", 1, 1, 5);
    await live.waitForSeqs(doc, 6, 5);
    expect(live.seqs(doc)).toEqual([6]);
  });

  it("resume after a dropped connection loses nothing: every seq arrives while ops keep being committed", async () => {
    const t = await token({ tid: tenant });
    const doc = freshDoc("ws-resume");
    const CHANGES = 40;
    const PER = 3;
    const total = CHANGES * PER + 1; // and the owner entry
    const first = await client();
    await first.subscribe(doc, 0);
    const writing = commit(t, doc, "writer", CHANGES, PER);

    // Drop the socket mid-stream (no close handshake), remembering the last seq seen in order.
    await first.waitFor("some live ops", () => first.seqs(doc).length >= 15);
    await first.kill();
    const seen = new Set(first.seqs(doc));
    let last = 0;
    while (seen.has(last + 1)) last++;
    expect(last).toBeGreaterThanOrEqual(15);

    const second = await client();
    await second.subscribe(doc, last);
    await writing;
    await second.waitForSeqs(doc, total, last, 30_000);
    const resumed = second.seqs(doc);
    expect(Math.min(...resumed)).toBe(last + 1);
    for (let s = 1; s <= total; s++) expect(seen.has(s) || resumed.includes(s)).toBe(true);
    expect((await readLog(t, doc)).length).toBe(total);
    // The dropped connection's records were removed by its $disconnect, or will be by a Gone.
  }, 60_000);

  it("a second subscribe to the same document restarts the catch-up", async () => {
    const t = await token({ tid: tenant });
    const doc = freshDoc("ws-resub");
    await commit(t, doc, "w1", 1, 6);
    await waitForLog(t, doc, 7);
    const c = await client();
    await c.subscribe(doc, 4);
    await c.waitForSeqs(doc, 7, 4);
    const from = c.received.length;
    await c.subscribe(doc, 1);
    await c.waitForSeqs(doc, 7, 1);
    expect(c.received.slice(from).filter((m) => m.type === "ops").flatMap((m) => m.ops.map((e: any) => e.seq))).toEqual([2, 3, 4, 5, 6, 7]);
  });

  it("unsubscribe answers unsubscribed and stops delivery", async () => {
    const t = await token({ tid: tenant });
    const doc = freshDoc("ws-unsub");
    const [gone, stays] = [await client(), await client()];
    await gone.subscribe(doc);
    await stays.subscribe(doc);
    expect(await gone.request({ action: "unsubscribe", docId: doc }, (m) => m.type === "unsubscribed")).toEqual({ type: "unsubscribed", docId: doc });
    await commit(t, doc, "w1", 1, 2);
    await stays.waitForSeqs(doc, 3);
    await gone.settle();
    expect(gone.seqs(doc)).toEqual([]);
  });
});

describe("tenant isolation", () => {
  it("the same docId in another tenant is another document: nothing of it arrives", async () => {
    const docId = freshDoc("ws-tenant");
    const other = `ws-other-${randomUUID().slice(0, 8)}`;
    const [tA, tB] = [await token({ tid: tenant }), await token({ tid: other })];
    await commit(tA, docId, "a", 1, 3);
    await waitForLog(tA, docId, 4);
    const [a, b] = [await client(), await client({ tid: other })];
    expect(await a.subscribe(docId, 0)).toBe(4);
    expect(await b.subscribe(docId, 0)).toBe(0);
    await commit(tA, docId, "a", 1, 2, 4);
    await commit(tB, docId, "b", 1, 1);
    await a.waitForSeqs(docId, 6);
    await b.waitForSeqs(docId, 2);
    await a.settle();
    await b.settle();
    // b sees only its own tenant's document: its creator's owner entry and its op.
    const bEntries = b.received.filter((m) => m.type === "ops").flatMap((m) => m.ops);
    expect(bEntries.map((e: any) => [e.id, e.clientId])).toEqual([["~owner", "b"], ["b-1", "b"]]);
    expect(a.received.filter((m) => m.type === "ops").flatMap((m) => m.ops).every((e: any) => e.clientId === "a")).toBe(true);
  });
});

describe("authorization", () => {
  it("refuses the upgrade with 401 for a missing, malformed, badly signed, expired or incomplete token", async () => {
    const expired = await token({ tid: tenant, expiresIn: Math.floor(Date.now() / 1000) - 60 });
    const forged = await token({ tid: tenant, secret: "not-the-secret" });
    const noTenant = await token({ tid: null });
    expect(await upgradeStatus("")).toBe(401);
    expect(await upgradeStatus("?token=")).toBe(401);
    expect(await upgradeStatus("?token=not.a.jwt")).toBe(401);
    for (const t of [forged, expired, noTenant]) expect(await upgradeStatus(`?token=${t}`)).toBe(401);
    expect(await upgradeStatus(`?token=${await token({ tid: tenant })}`)).toBe(101);
  });
});
