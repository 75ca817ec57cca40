import { describe, expect, it } from "vitest";
import { MAX_SUBSCRIPTIONS } from "../../src/live/limits.js";
import { packOps } from "../../src/live/pack-ops.js";
import { onDisconnect, onMessage } from "../../src/live/session.js";
import type { LogStore } from "../../src/ports/log-store.js";
import { liveHarness, seqsOf } from "./live-harness.js";

const send = (h: ReturnType<typeof liveHarness>, c: Parameters<typeof onMessage>[1], m: unknown) =>
  onMessage(h.deps, c, typeof m === "string" ? m : JSON.stringify(m));

describe("subscribe", () => {
  it("after=0: subscribed with the head, then the whole log as packed ops messages, in order", async () => {
    const h = liveHarness();
    const doc = h.doc();
    const entries = await h.commit(doc, 120, { prose: true });
    const c = await h.connect();
    await send(h, c, { action: "subscribe", docId: doc.docId, after: 0 });
    const got = h.all(c);
    expect(got[0]).toEqual({ type: "subscribed", docId: doc.docId, version: 120, role: "editor" });
    expect(got.slice(1).every((m) => m.type === "ops" && m.docId === doc.docId)).toBe(true);
    expect(got.slice(1).flatMap((m) => m.ops)).toEqual(entries);
    // 1 KiB entries: 29 per 32 KB message, packed once per page.
    expect(got.length - 1).toBe(packOps(doc.docId, entries).length);
    expect(got.length - 1).toBe(Math.ceil(120 / 29));
    for (const m of h.gateway.messages(c.connectionId)) expect(Buffer.byteLength(m)).toBeLessThanOrEqual(32 * 1024);
  });

  it("after=N catches up from N+1; no after means live only; after beyond the head sends nothing", async () => {
    const h = liveHarness();
    const doc = h.doc();
    await h.commit(doc, 10);
    const [a, b, c] = [await h.connect(), await h.connect(), await h.connect()];
    await send(h, a, { action: "subscribe", docId: doc.docId, after: 7 });
    await send(h, b, { action: "subscribe", docId: doc.docId });
    await send(h, c, { action: "subscribe", docId: doc.docId, after: 50 });
    expect(seqsOf(h.all(a))).toEqual([8, 9, 10]);
    for (const x of [b, c]) expect(h.all(x)).toEqual([{ type: "subscribed", docId: doc.docId, version: 10, role: "editor" }]);
  });

  it("the catch-up is read in pages and still arrives complete and in order", async () => {
    const h = liveHarness();
    const doc = h.doc();
    for (let i = 0; i < 5; i++) await h.commit(doc, 1000);
    const c = await h.connect();
    await send(h, c, { action: "subscribe", docId: doc.docId, after: 123 });
    expect(seqsOf(h.all(c))).toEqual(Array.from({ length: 5000 - 123 }, (_, k) => 124 + k));
  });

  it("subscribing again restarts the catch-up from the new after", async () => {
    const h = liveHarness();
    const doc = h.doc();
    await h.commit(doc, 5);
    const c = await h.connect();
    await send(h, c, { action: "subscribe", docId: doc.docId, after: 3 });
    h.fresh(c);
    await send(h, c, { action: "subscribe", docId: doc.docId, after: 1 });
    const again = h.fresh(c);
    expect(again[0]).toEqual({ type: "subscribed", docId: doc.docId, version: 5, role: "editor" });
    expect(seqsOf(again)).toEqual([2, 3, 4, 5]);
    expect(await h.deps.connections.subscribers(doc)).toHaveLength(1);
  });

  it("sends the current presence of the others (not its own, not of those without one) right after subscribed", async () => {
    const h = liveHarness();
    const doc = h.doc();
    const [a, b, c] = [await h.connect("ann"), await h.connect("bob"), await h.connect("cat")];
    for (const x of [a, b]) await send(h, x, { action: "subscribe", docId: doc.docId });
    const setAt = h.clock.now();
    await send(h, a, { action: "presence", docId: doc.docId, state: { cursor: 4 } });
    await h.commit(doc, 2);
    h.clock.advance(50);
    await send(h, c, { action: "subscribe", docId: doc.docId, after: 0 });
    const got = h.all(c);
    // Stamped with when ann set it, as its relay was: a newer state of hers arriving later still applies.
    expect(got.slice(0, 2)).toEqual([
      { type: "subscribed", docId: doc.docId, version: 2, role: "editor" },
      { type: "presence", docId: doc.docId, userId: "ann", connectionId: a.connectionId, state: { cursor: 4 }, at: setAt },
    ]);
    expect(seqsOf(got.slice(2))).toEqual([1, 2]);
  });

  it("refuses the 101st document with too_many_subscriptions and stays usable", async () => {
    const h = liveHarness();
    const c = await h.connect();
    for (let i = 0; i < MAX_SUBSCRIPTIONS; i++) await send(h, c, { action: "subscribe", docId: `doc-${i}` });
    h.fresh(c);
    await send(h, c, { action: "subscribe", docId: "one-more" });
    await send(h, c, { action: "subscribe", docId: "doc-7" });
    const got = h.fresh(c);
    expect(got[0]).toMatchObject({ type: "error", code: "too_many_subscriptions", docId: "one-more" });
    expect(got[1]).toEqual({ type: "subscribed", docId: "doc-7", version: 0, role: "none" });
  });

  it("a connection whose record was lost is registered again from its identity", async () => {
    const h = liveHarness();
    const doc = h.doc();
    const c = await h.connect("ann");
    await h.deps.connections.disconnect(c.connectionId);
    await send(h, c, { action: "subscribe", docId: doc.docId });
    expect(h.all(c)).toEqual([{ type: "subscribed", docId: doc.docId, version: 0, role: "none" }]);
    expect(await h.deps.connections.subscribers(doc)).toEqual([{ connectionId: c.connectionId, userId: "ann", presence: null }]);
  });

  it("a client gone during the catch-up is removed with its subscriptions", async () => {
    const h = liveHarness();
    const doc = h.doc();
    await h.commit(doc, 3);
    const c = await h.connect();
    await send(h, c, { action: "subscribe", docId: "other" });
    h.gateway.markGone(c.connectionId);
    await send(h, c, { action: "subscribe", docId: doc.docId, after: 0 });
    expect(await h.deps.connections.get(c.connectionId)).toBeUndefined();
    expect(await h.deps.connections.subscribers(doc)).toEqual([]);
    expect(h.lines).toContainEqual(expect.objectContaining({ kind: "ws_gone", connections: 1 }));
  });

  it("a storage failure is an internal error to the client, logged, and the connection stays usable", async () => {
    const h = liveHarness();
    const c = await h.connect();
    const log = h.deps.log;
    h.deps.log = { ...log, tail: async () => Promise.reject(new Error("throttled")) } as unknown as LogStore;
    await send(h, c, { action: "subscribe", docId: "d1" });
    h.deps.log = log;
    await send(h, c, { action: "ping" });
    expect(h.all(c)).toEqual([
      { type: "error", code: "internal", message: "internal error; try again", docId: "d1" },
      { type: "pong" },
    ]);
    expect(h.lines).toContainEqual(expect.objectContaining({ kind: "ws_error", action: "subscribe", message: "throttled" }));
  });
});

describe("unsubscribe and disconnect", () => {
  it("unsubscribe answers unsubscribed; the others get a leave if it had a presence", async () => {
    const h = liveHarness();
    const doc = h.doc();
    const [a, b] = [await h.connect("ann"), await h.connect("bob")];
    for (const x of [a, b]) await send(h, x, { action: "subscribe", docId: doc.docId });
    await send(h, a, { action: "presence", docId: doc.docId, state: { cursor: 1 } });
    h.fresh(a);
    h.fresh(b);
    await send(h, a, { action: "unsubscribe", docId: doc.docId });
    expect(h.fresh(a)).toEqual([{ type: "unsubscribed", docId: doc.docId }]);
    expect(h.fresh(b)).toEqual([{ type: "presence", docId: doc.docId, userId: "ann", connectionId: a.connectionId, state: null, at: expect.any(Number) }]);
    // Without a presence state there is nothing to take back; unsubscribing twice is fine.
    await send(h, b, { action: "unsubscribe", docId: doc.docId });
    await send(h, b, { action: "unsubscribe", docId: doc.docId });
    expect(h.fresh(b)).toEqual([{ type: "unsubscribed", docId: doc.docId }, { type: "unsubscribed", docId: doc.docId }]);
    expect(h.fresh(a)).toEqual([]);
  });

  it("disconnect removes every subscription; others of each document with its presence get a leave", async () => {
    const h = liveHarness();
    const [d1, d2] = [h.doc(), h.doc()];
    const [a, b, c] = [await h.connect("ann"), await h.connect("bob"), await h.connect("cat")];
    for (const x of [a, b]) await send(h, x, { action: "subscribe", docId: d1.docId });
    for (const x of [a, c]) await send(h, x, { action: "subscribe", docId: d2.docId });
    await send(h, a, { action: "presence", docId: d1.docId, state: { here: 1 } });
    h.fresh(b);
    h.fresh(c);
    await onDisconnect(h.deps, a.connectionId);
    expect(h.fresh(b)).toEqual([{ type: "presence", docId: d1.docId, userId: "ann", connectionId: a.connectionId, state: null, at: expect.any(Number) }]);
    expect(h.fresh(c)).toEqual([]);
    expect((await h.deps.connections.subscribers(d2)).map((s) => s.connectionId)).toEqual([c.connectionId]);
    expect(await h.deps.connections.get(a.connectionId)).toBeUndefined();
  });
});

describe("presence", () => {
  it("is relayed to the other subscribers only, with the sender's identity from the token", async () => {
    const h = liveHarness();
    const doc = h.doc();
    const [a, b, c, outsider] = [await h.connect("ann"), await h.connect("bob"), await h.connect("cat"), await h.connect("dan")];
    for (const x of [a, b, c]) await send(h, x, { action: "subscribe", docId: doc.docId });
    await send(h, outsider, { action: "subscribe", docId: "elsewhere" });
    for (const x of [a, b, c, outsider]) h.fresh(x);
    await send(h, a, { action: "presence", docId: doc.docId, state: { cursor: 9, userId: "spoofed" } });
    const expected = { type: "presence", docId: doc.docId, userId: "ann", connectionId: a.connectionId, state: { cursor: 9, userId: "spoofed" }, at: expect.any(Number) };
    expect(h.fresh(b)).toEqual([expected]);
    expect(h.fresh(c)).toEqual([expected]);
    expect(h.fresh(a)).toEqual([]);
    expect(h.fresh(outsider)).toEqual([]);
  });

  it("not_subscribed for a document not subscribed; the connection stays usable", async () => {
    const h = liveHarness();
    const c = await h.connect();
    await send(h, c, { action: "presence", docId: "nope", state: { a: 1 } });
    await send(h, c, { action: "ping" });
    expect(h.all(c)).toEqual([
      { type: "error", code: "not_subscribed", message: "not subscribed to nope; subscribe first", docId: "nope" },
      { type: "pong" },
    ]);
  });

  it("rate_limited after a burst of 20; a token comes back every 100 ms", async () => {
    const h = liveHarness();
    const doc = h.doc();
    const [a, b] = [await h.connect(), await h.connect()];
    for (const x of [a, b]) await send(h, x, { action: "subscribe", docId: doc.docId });
    h.fresh(a);
    h.fresh(b);
    for (let i = 0; i < 22; i++) await send(h, a, { action: "presence", docId: doc.docId, state: { i } });
    expect(h.fresh(b).map((m) => m.state.i)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(h.fresh(a)).toEqual(Array(2).fill({
      type: "error",
      code: "rate_limited",
      message: "presence is limited to 20 messages at once and 10 per second per connection",
      docId: doc.docId,
    }));
    h.clock.advance(100);
    await send(h, a, { action: "presence", docId: doc.docId, state: { i: 99 } });
    expect(h.fresh(b)).toEqual([expect.objectContaining({ state: { i: 99 } })]);
  });

  it("a gone subscriber is removed during the relay and its leave reaches the rest", async () => {
    const h = liveHarness();
    const doc = h.doc();
    const [a, b, c] = [await h.connect("ann"), await h.connect("bob"), await h.connect("cat")];
    for (const x of [a, b, c]) await send(h, x, { action: "subscribe", docId: doc.docId });
    await send(h, b, { action: "presence", docId: doc.docId, state: { x: 1 } });
    h.fresh(a);
    h.fresh(c);
    h.gateway.markGone(b.connectionId);
    await send(h, c, { action: "presence", docId: doc.docId, state: { y: 2 } });
    expect(h.fresh(a)).toEqual([
      expect.objectContaining({ userId: "cat", state: { y: 2 } }),
      { type: "presence", docId: doc.docId, userId: "bob", connectionId: b.connectionId, state: null, at: expect.any(Number) },
    ]);
    expect(h.fresh(c)).toEqual([{ type: "presence", docId: doc.docId, userId: "bob", connectionId: b.connectionId, state: null, at: expect.any(Number) }]);
    expect(await h.deps.connections.get(b.connectionId)).toBeUndefined();
  });
});

describe("bad messages", () => {
  it("each gets an error with its code, and the connection keeps working", async () => {
    const h = liveHarness();
    const c = await h.connect();
    const bodies = ["not json", "[]", '{"action":1}', '{"action":"dance"}', '{"action":"subscribe","docId":"a#b"}',
      JSON.stringify({ action: "presence", docId: "d", state: { big: "x".repeat(1100) } })];
    for (const b of bodies) await send(h, c, b);
    await send(h, c, { action: "ping" });
    expect(h.all(c).map((m) => m.code ?? m.type)).toEqual([
      "invalid_message", "invalid_message", "invalid_message", "unknown_action", "invalid_request", "payload_too_large", "pong",
    ]);
  });
});
