import { describe, expect, it } from "vitest";
import type { DocAcl } from "../../src/access/doc-acl.js";
import { broadcast } from "../../src/live/broadcast.js";
import { onMessage } from "../../src/live/session.js";
import type { LogEntry } from "../../src/ops/types.js";
import { smallEntries } from "../conformance/fixtures.js";
import { liveHarness, seqsOf } from "./live-harness.js";

const OWNED: DocAcl = { users: { olga: "owner", ed: "editor", vic: "viewer" }, groups: { eng: "commenter" }, everyone: "viewer" };

function aclEntry(seq: number, target: Record<string, unknown>, role: string, by = "olga"): LogEntry {
  return { seq, id: `acl-${seq}`, clientId: "c-olga", clientSeq: seq, userId: by, serverTs: 1_760_000_000_000 + seq, type: "acl", role, ...target } as LogEntry;
}

async function subscribedAs(h: ReturnType<typeof liveHarness>, userId: string, doc: { tenant: string; docId: string }, groups?: string[]) {
  const c = { ...(await h.connect(userId)), ...(groups ? { groups } : {}) };
  await h.deps.connections.connect(c); // registers the groups with the connection
  await h.deps.connections.subscribe(c.connectionId, doc, 100);
  return c;
}

describe("broadcast: access is checked per delivered batch", () => {
  it("a revoked subscriber gets the entries before the revoking one, then unsubscribed, and nothing after; others get their leave", async () => {
    const h = liveHarness();
    const doc = h.doc();
    const ed = await subscribedAs(h, "ed", doc);
    const olga = await subscribedAs(h, "olga", doc);
    await h.deps.connections.setPresence(ed.connectionId, doc, { cursor: 1 }, h.clock.now(), { burst: 10, intervalMs: 1 });
    const presenceAt = h.clock.now();
    h.clock.advance(5);
    const entries = [...smallEntries(10, 2), aclEntry(12, { targetUserId: "ed" }, "none"), ...smallEntries(13, 2)];
    const r = await broadcast(h.deps, doc, entries, { aclBefore: { ...OWNED, everyone: "none" } });
    expect(r.revoked).toBe(1);
    expect(seqsOf(h.all(ed))).toEqual([10, 11]);
    expect(h.all(ed).at(-1)).toEqual({ type: "unsubscribed", docId: doc.docId, reason: "forbidden", seq: 12 });
    expect(seqsOf(h.all(olga))).toEqual([10, 11, 12, 13, 14]);
    // The leave is stamped when the subscription was removed: later than any state ed sent before (a client drops one that arrives after it).
    expect(h.all(olga).at(-1)).toEqual({ type: "presence", docId: doc.docId, userId: "ed", connectionId: ed.connectionId, state: null, at: presenceAt + 5 });
    expect((await h.deps.connections.subscribers(doc)).map((s) => s.userId)).toEqual(["olga"]);
    // Later batches never reach the revoked connection.
    await broadcast(h.deps, doc, smallEntries(15, 1));
    expect(seqsOf(h.all(ed))).toEqual([10, 11]);
  });

  it("a role change that keeps read access sends role right after its entry; the everyone flip cuts members without their own entry", async () => {
    const h = liveHarness();
    const doc = h.doc();
    const ed = await subscribedAs(h, "ed", doc);
    const vic = await subscribedAs(h, "vic", doc);
    const guest = await subscribedAs(h, "guest", doc);
    const gus = await subscribedAs(h, "gus", doc, ["eng"]);
    const entries = [aclEntry(20, { targetUserId: "ed" }, "viewer"), ...smallEntries(21, 1), aclEntry(22, { everyone: true }, "none"), ...smallEntries(23, 1)];
    await broadcast(h.deps, doc, entries, { aclBefore: OWNED });
    expect(h.all(ed).map((m) => m.type)).toEqual(["ops", "role", "ops"]);
    expect(h.all(ed)[1]).toEqual({ type: "role", docId: doc.docId, role: "viewer", seq: 20 });
    expect(seqsOf(h.all(ed))).toEqual([20, 21, 22, 23]);
    expect(seqsOf(h.all(vic))).toEqual([20, 21, 22, 23]); // her own viewer entry
    expect(seqsOf(h.all(gus))).toEqual([20, 21, 22, 23]); // commenter through eng
    expect(seqsOf(h.all(guest))).toEqual([20, 21]);
    expect(h.all(guest).at(-1)).toMatchObject({ type: "unsubscribed", reason: "forbidden", seq: 22 });
  });

  it("subscribers waiting for a document that did not exist: the creator learns owner, the others are cut at its first entry", async () => {
    const h = liveHarness();
    const doc = h.doc();
    const alice = await subscribedAs(h, "alice", doc);
    const bob = await subscribedAs(h, "bob", doc);
    await broadcast(h.deps, doc, [aclEntry(1, { targetUserId: "alice" }, "owner", "alice"), ...smallEntries(2, 1)], { aclBefore: undefined });
    expect(h.all(alice).map((m) => m.type)).toEqual(["ops", "role", "ops"]);
    expect(h.all(alice)[1]).toMatchObject({ role: "owner", seq: 1 });
    expect(h.all(bob)).toEqual([{ type: "unsubscribed", docId: doc.docId, reason: "forbidden", seq: 1 }]);
  });
});

describe("broadcast: what a subscription already had judged", () => {
  it("a batch that arrives after a subscription made on a later head does not judge that subscription again", async () => {
    const h = liveHarness();
    const doc = h.doc();
    // The creation batch (seqs 1-2) reaches the broadcaster late: bob subscribed at head 2 as an editor.
    const bob = await h.connect("bob");
    await h.deps.connections.subscribe(bob.connectionId, doc, 100, 2);
    const creation = [aclEntry(1, { targetUserId: "olga" }, "owner"), aclEntry(2, { targetUserId: "bob" }, "editor")];
    await broadcast(h.deps, doc, creation, { aclBefore: undefined });
    // Nothing: seqs 1-2 are at or below bob's `since`, which his subscribe's catch-up sends after `subscribed`.
    expect(h.all(bob)).toEqual([]);
    await broadcast(h.deps, doc, [aclEntry(3, { targetUserId: "bob" }, "none")], { aclBefore: { users: { olga: "owner", bob: "editor" }, groups: {}, everyone: "none" } });
    expect(h.all(bob).at(-1)).toEqual({ type: "unsubscribed", docId: doc.docId, reason: "forbidden", seq: 3 });
  });

  it("a batch straddling a subscription's head delivers only the entries after it", async () => {
    const h = liveHarness();
    const doc = h.doc();
    const bob = await h.connect("bob");
    await h.deps.connections.subscribe(bob.connectionId, doc, 100, 3);
    const made = (seq: number, id: string, target: Record<string, unknown>, role: string) => ({ ...aclEntry(seq, target, role, "ann"), id, clientSeq: 0 });
    const entries = [made(1, "~owner", { targetUserId: "ann" }, "owner"), made(2, "~everyone", { everyone: true }, "editor"), ...smallEntries(3, 3)];
    await broadcast(h.deps, doc, entries, { aclBefore: undefined });
    expect(seqsOf(h.all(bob))).toEqual([4, 5]);
  });

  it("a document's creation entries are one step: a subscriber waiting for it is judged after all of them", async () => {
    const h = liveHarness();
    const doc = h.doc();
    const bob = await subscribedAs(h, "bob", doc);
    const made = (seq: number, id: string, target: Record<string, unknown>, role: string) => ({ ...aclEntry(seq, target, role, "ann"), id, clientSeq: 0 });
    const entries = [made(1, "~owner", { targetUserId: "ann" }, "owner"), made(2, "~everyone", { everyone: true }, "editor"), ...smallEntries(3, 1)];
    await broadcast(h.deps, doc, entries, { aclBefore: undefined });
    expect(h.all(bob).map((m) => m.type)).toEqual(["ops", "role", "ops"]);
    expect(h.all(bob)[1]).toEqual({ type: "role", docId: doc.docId, role: "editor", seq: 2 });
    expect(seqsOf(h.all(bob))).toEqual([1, 2, 3]);
  });
});

describe("session: subscribe and presence need read access", () => {
  it("subscribe to a document the caller cannot read answers forbidden and subscribes nothing; presence is refused", async () => {
    const h = liveHarness();
    const doc = h.doc();
    await h.deps.log.append({ doc, seqStart: 1, seqEnd: 1, entries: [aclEntry(1, { targetUserId: "olga" }, "owner")], lenAfter: 0, clients: [], committedAt: 1 });
    await h.deps.state.save(doc, [], 1, [], { users: { olga: "owner" }, groups: {}, everyone: "none" });
    const zed = await h.connect("zed");
    await onMessage(h.deps, zed, JSON.stringify({ action: "subscribe", docId: doc.docId }));
    await onMessage(h.deps, zed, JSON.stringify({ action: "presence", docId: doc.docId, state: { x: 1 } }));
    expect(h.all(zed)).toEqual([
      { type: "error", code: "forbidden", message: `you have no access to document ${doc.docId}`, docId: doc.docId },
      { type: "error", code: "forbidden", message: `you have no access to document ${doc.docId}`, docId: doc.docId },
    ]);
    expect(await h.deps.connections.subscribers(doc)).toEqual([]);
    const olga = await h.connect("olga");
    await onMessage(h.deps, olga, JSON.stringify({ action: "subscribe", docId: doc.docId }));
    expect(h.all(olga)[0]).toEqual({ type: "subscribed", docId: doc.docId, version: 1, role: "owner" });
  });

  it("a revocation committed between the cached check and the subscription is caught by the exact check after it", async () => {
    const h = liveHarness();
    const doc = h.doc();
    await h.deps.log.append({ doc, seqStart: 1, seqEnd: 2, entries: [aclEntry(1, { targetUserId: "olga" }, "owner"), aclEntry(2, { targetUserId: "ed" }, "editor")], lenAfter: 0, clients: [], committedAt: 1 });
    await h.deps.state.save(doc, [], 2, [], { users: { olga: "owner", ed: "editor" }, groups: {}, everyone: "none" });
    const ed = await h.connect("ed");
    // Warm ed's view of the ACL, then revoke in the log (the checkpoint not yet saved: the sequencer's crash window).
    await h.deps.acls.read(doc);
    await h.deps.log.append({ doc, seqStart: 3, seqEnd: 3, entries: [aclEntry(3, { targetUserId: "ed" }, "none")], lenAfter: 0, clients: [], committedAt: 1, aclBefore: { users: { olga: "owner", ed: "editor" }, groups: {}, everyone: "none" } });
    await onMessage(h.deps, ed, JSON.stringify({ action: "subscribe", docId: doc.docId }));
    expect(h.all(ed)).toEqual([{ type: "error", code: "forbidden", message: `you have no access to document ${doc.docId}`, docId: doc.docId }]);
    expect(await h.deps.connections.subscribers(doc)).toEqual([]);
  });

  it("a message on a connection whose token expired gets token_expired and the connection is closed", async () => {
    const h = liveHarness();
    const c = { ...(await h.connect("ann")), tokenExpiresAt: h.clock.now() + 1000 };
    await onMessage(h.deps, c, JSON.stringify({ action: "ping" }));
    h.clock.advance(1000);
    await onMessage(h.deps, c, JSON.stringify({ action: "ping" }));
    expect(h.all(c)).toEqual([{ type: "pong" }, { type: "error", code: "token_expired", message: "your token has expired: reconnect with a fresh one" }]);
    expect(h.gateway.closed).toContain(c.connectionId);
  });
});
