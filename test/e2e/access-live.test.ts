import { afterEach, describe, expect, it } from "vitest";
import { shareDoc } from "./access.js";
import { post, settled, type TestOp } from "./docs.js";
import { call, freshDoc, token, waitFor } from "./http.js";
import { WsClient } from "./ws-client.js";

/**
 * Access control on live connections (docs/protocol.md "Access, live"), over real WebSockets
 * against the local stack: revocation cuts delivery at the revoking entry, role changes are
 * announced, presence and subscriptions need read access, expired tokens are closed.
 */

let n = 0;
const tenantId = () => `live-${process.pid}-${Date.now().toString(36)}-${n++}`;
const open: WsClient[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
});

async function connect(tid: string, sub: string, extra: { groups?: string[]; expiresIn?: string | number } = {}) {
  const c = await WsClient.open({ tid, sub, ...extra });
  open.push(c);
  return c;
}

let k = 0;
/** Posts one insert as a change of its own client and waits for its commit; returns its seq. */
async function typeAs(t: string, docId: string, text = "x"): Promise<number> {
  const op: TestOp = { id: `t${k++}-${process.pid}`, seq: 1, type: "insert", pos: 0, text };
  const r = await post(t, docId, { clientId: `c-${op.id}`, base: 0, ops: [op] });
  if (r.status !== 202) throw new Error(`insert: ${r.status} ${r.text}`);
  const receipt = await settled(t, docId, op.id);
  if (receipt.status !== "committed") throw new Error(`insert not committed: ${JSON.stringify(receipt)}`);
  return receipt.seq;
}

describe("live access", () => {
  it("a revoked editor gets everything before the revoking entry, then unsubscribed, and nothing after; the others see their leave", async () => {
    const tid = tenantId();
    const owner = await token({ tid, sub: "olga" });
    const docId = freshDoc("rev");
    await shareDoc(owner, docId, { userId: "ed" }, "editor");
    const [ed, olga] = [await connect(tid, "ed"), await connect(tid, "olga")];
    await ed.subscribe(docId, 0);
    await olga.subscribe(docId, 0);
    const fromEd = olga.received.length;
    ed.send({ action: "presence", docId, state: { cursor: 1 } });
    await olga.waitFor("ed's presence", (m) => m.type === "presence" && m.userId === "ed", { from: fromEd });
    const before = await typeAs(await token({ tid, sub: "ed" }), docId, "ed was here");
    await ed.waitForSeqs(docId, before);
    const revoke = await shareDoc(owner, docId, { userId: "ed" }, "none");
    const cut = await ed.waitFor("unsubscribed", (m) => m.type === "unsubscribed");
    expect(cut).toEqual({ type: "unsubscribed", docId, reason: "forbidden", seq: revoke });
    await olga.waitFor("ed's leave", (m) => m.type === "presence" && m.userId === "ed" && m.state === null);
    const after = await typeAs(owner, docId, "after");
    await olga.waitForSeqs(docId, after);
    await ed.settle();
    expect(Math.max(...ed.seqs(docId))).toBe(revoke - 1);
    // Subscribing again and presence are refused now.
    const again = await ed.request({ action: "subscribe", docId, after: 0 }, (m) => m.type === "error");
    expect(again).toEqual({ type: "error", code: "forbidden", message: `you have no access to document ${docId}`, docId });
    const presence = await ed.request({ action: "presence", docId, state: { x: 1 } }, (m) => m.type === "error");
    expect(presence.code).toBe("forbidden");
    await ed.settle();
    await olga.settle();
    expect(olga.received.some((m) => m.type === "presence" && m.state?.x === 1)).toBe(false);
    expect(ed.seqs(docId).every((s) => s < revoke)).toBe(true);
  });

  it("downgraded editor -> viewer while subscribed: a role message, ops keep coming, presence is relayed, submits get 403", async () => {
    const tid = tenantId();
    const owner = await token({ tid, sub: "olga" });
    const docId = freshDoc("down");
    await shareDoc(owner, docId, { userId: "ed" }, "editor");
    const [ed, olga] = [await connect(tid, "ed"), await connect(tid, "olga")];
    expect((await ed.request({ action: "subscribe", docId, after: 0 }, (m) => m.type === "subscribed")).role).toBe("editor");
    await olga.subscribe(docId, 0);
    const seq = await shareDoc(owner, docId, { userId: "ed" }, "viewer");
    expect(await ed.waitFor("role", (m) => m.type === "role")).toEqual({ type: "role", docId, role: "viewer", seq });
    const later = await typeAs(owner, docId);
    await ed.waitForSeqs(docId, later);
    const from = olga.received.length;
    ed.send({ action: "presence", docId, state: { cursor: 2 } });
    await olga.waitFor("viewer's presence", (m) => m.type === "presence" && m.userId === "ed" && m.state?.cursor === 2, { from });
    const edToken = await token({ tid, sub: "ed" });
    const refused = await waitFor("403", async () => {
      const r = await post(edToken, docId, { clientId: `ed-${k++}`, base: 0, ops: [{ id: `e${k++}`, seq: 1, type: "insert", pos: 0, text: "no" }] });
      return r.status === 403 ? r : undefined;
    }, 5_000);
    expect(refused.body.error.details[0].issue).toBe("needs the editor role; you have viewer");
  });

  it("the everyone entry flipped from viewer to none cuts every subscribed member without an entry of their own", async () => {
    const tid = tenantId();
    const owner = await token({ tid, sub: "olga" });
    const docId = freshDoc("flip");
    await shareDoc(owner, docId, { everyone: true }, "viewer");
    await shareDoc(owner, docId, { userId: "vic" }, "viewer");
    await shareDoc(owner, docId, { groupId: "design" }, "commenter");
    const [guest1, guest2, vic, gus] = [
      await connect(tid, "guest1"),
      await connect(tid, "guest2"),
      await connect(tid, "vic"),
      await connect(tid, "gus", { groups: ["design"] }),
    ];
    for (const c of [guest1, guest2, vic, gus]) await c.subscribe(docId, 0);
    const flip = await shareDoc(owner, docId, { everyone: true }, "none");
    for (const c of [guest1, guest2]) {
      expect(await c.waitFor("cut", (m) => m.type === "unsubscribed")).toEqual({ type: "unsubscribed", docId, reason: "forbidden", seq: flip });
    }
    const after = await typeAs(owner, docId);
    await vic.waitForSeqs(docId, after);
    await gus.waitForSeqs(docId, after);
    for (const c of [guest1, guest2]) {
      await c.settle();
      expect([...new Set(c.seqs(docId))].sort((a, b) => a - b)).toEqual(Array.from({ length: flip - 1 }, (_, i) => i + 1));
    }
    expect(vic.received.some((m) => m.type === "unsubscribed" || m.type === "role")).toBe(false);
  });

  it("a non-member cannot subscribe to an existing document; anyone may wait for one that does not exist yet", async () => {
    const tid = tenantId();
    const owner = await token({ tid, sub: "olga" });
    const docId = freshDoc("sub");
    const [zed, olga] = [await connect(tid, "zed"), await connect(tid, "olga")];
    // Both wait for the document before it exists; olga creates it: zed is cut at seq 1.
    expect((await zed.request({ action: "subscribe", docId, after: 0 }, (m) => m.type === "subscribed")).role).toBe("none");
    await olga.subscribe(docId, 0);
    await typeAs(owner, docId, "mine");
    expect(await zed.waitFor("cut", (m) => m.type === "unsubscribed")).toEqual({ type: "unsubscribed", docId, reason: "forbidden", seq: 1 });
    expect(await olga.waitFor("owner", (m) => m.type === "role")).toEqual({ type: "role", docId, role: "owner", seq: 1 });
    expect(zed.seqs(docId)).toEqual([]);
    const refused = await zed.request({ action: "subscribe", docId, after: 0 }, (m) => m.type === "error");
    expect(refused.code).toBe("forbidden");
  });

  it("a connection whose token expires gets token_expired and is closed, within seconds of exp", async () => {
    const tid = tenantId();
    const c = await connect(tid, "ann", { expiresIn: Math.floor(Date.now() / 1000) + 3 });
    await c.settle();
    const closed = await Promise.race([c.closed, new Promise((r) => setTimeout(() => r("still open"), 15_000))]);
    expect(closed).not.toBe("still open");
    expect(c.received.at(-1)).toEqual({ type: "error", code: "token_expired", message: "your token has expired: reconnect with a fresh one" });
  });

  it("cross-tenant: a user of another tenant subscribing to the same docId sees another, empty document", async () => {
    const tid = tenantId();
    const owner = await token({ tid, sub: "olga" });
    const docId = freshDoc("xt");
    await typeAs(owner, docId);
    const stranger = await connect(tenantId(), "olga");
    const m = await stranger.request({ action: "subscribe", docId, after: 0 }, (x) => x.type === "subscribed");
    expect(m).toEqual({ type: "subscribed", docId, version: 0, role: "none" });
    await typeAs(owner, docId);
    await stranger.settle();
    expect(stranger.seqs(docId)).toEqual([]);
    expect((await call("GET", `/v1/docs/${docId}/ops`, { token: await token({ tid: "other", sub: "olga" }) })).body.version).toBe(0);
  });
});
