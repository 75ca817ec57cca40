import { describe, expect, it } from "vitest";
import { broadcast } from "../../src/live/broadcast.js";
import { onMessage, type Caller } from "../../src/live/session.js";
import { SubscriberCache, invalidating, withSubscribers, type SendTo } from "../../src/live/subscriber-cache.js";
import type { DocRef } from "../../src/doc-ref.js";
import type { LogEntry } from "../../src/ops/types.js";
import { mulberry32 } from "../../src/prng.js";
import { liveHarness, seqsOf } from "./live-harness.js";

/**
 * The delivering process's subscriber list (SubscriberCache): read once per TTL, and still
 * every subscriber gets every entry after its `since` exactly once, in order, whichever process
 * it subscribed through and whenever the document goes quiet.
 */
function setup() {
  const h = liveHarness();
  let now = 1_000_000;
  let reads = 0;
  let failReads = 0;
  const timers: Array<{ at: number; fn: () => void; live: boolean }> = [];
  const counted = new Proxy(h.deps.connections, {
    get: (t, k) => {
      if (k === "subscribers")
        return (doc: DocRef) => {
          reads++;
          if (failReads > 0) {
            failReads--;
            return Promise.reject(new Error("throttled"));
          }
          return t.subscribers(doc);
        };
      const v = Reflect.get(t, k, t) as unknown;
      return typeof v === "function" ? v.bind(t) : v;
    },
  });
  const cache = new SubscriberCache(counted, {
    ttlMs: 1_000,
    now: () => now,
    setTimer: (fn, ms) => {
      const t = { at: now + ms, fn, live: true };
      timers.push(t);
      return () => void (t.live = false);
    },
  });
  const doc = h.doc();
  const send: SendTo = (subs, d) => broadcast({ ...h.deps, connections: withSubscribers(h.deps.connections, subs) }, doc, d.entries, d.access);
  let head = 0;
  /** Commits `n` entries and delivers them through the cache. */
  const commit = async (n = 1): Promise<LogEntry[]> => {
    const entries = await h.commit(doc, n);
    head = entries.at(-1)!.seq;
    await cache.deliver(doc, { entries }, send);
    return entries;
  };
  /** A subscription through another process: stored, with the head it catches up from (no catch-up messages here). */
  const remoteSubscribe = async (c: Caller) => {
    expect(await h.deps.connections.subscribe(c.connectionId, doc, 100, head)).toBe("ok");
    return head;
  };
  /** Moves the clock and fires the timers due; `settle` (default) lets their refreshes finish before going on. */
  const advance = async (ms: number, settle = true) => {
    now += ms;
    for (const t of timers.filter((x) => x.live && x.at <= now)) {
      t.live = false;
      t.fn();
    }
    // The timers' refreshes run on the memory adapters: a few turns of the event loop.
    if (settle) for (let k = 0; k < 20; k++) await new Promise((r) => setTimeout(r, 0));
  };
  return { h, cache, doc, commit, remoteSubscribe, advance, reads: () => reads, head: () => head, failNextReads: (n: number) => void (failReads = n) };
}

/** A: subscribed before seq 1 was delivered (the list read then); b: subscribed through another process after it, then `n` more entries delivered from that list. */
async function lateSubscriber(n: number) {
  const s = setup();
  const a = await s.h.connect();
  await s.remoteSubscribe(a);
  await s.commit();
  const b = await s.h.connect();
  await s.remoteSubscribe(b);
  await s.commit(n);
  return { s, a, b };
}

describe("SubscriberCache", () => {
  it("reads a document's subscribers once per TTL, not once per delivery", async () => {
    const s = setup();
    const a = await s.h.connect();
    await s.remoteSubscribe(a);
    for (let k = 0; k < 5; k++) await s.commit();
    expect(s.reads()).toBe(1);
    await s.advance(1_000);
    await s.commit();
    expect(s.reads()).toBe(2);
    expect(seqsOf(s.h.all(a))).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it("a subscriber that joined through another process gets what it missed first, once, in order, at the next read", async () => {
    const s = setup();
    const a = await s.h.connect();
    await s.remoteSubscribe(a);
    await s.commit(); // 1: read, exact
    const b = await s.h.connect();
    await s.remoteSubscribe(b); // since 1
    await s.commit(2); // 2-3: from the list without b
    expect(seqsOf(s.h.all(b))).toEqual([]);
    await s.advance(1_000);
    await s.commit(); // 4: reads, b gets 2-3 then 4
    expect(seqsOf(s.h.all(b))).toEqual([2, 3, 4]);
    expect(seqsOf(s.h.all(a))).toEqual([1, 2, 3, 4]);
  });

  it("a document that went quiet: the trailing read (1.5 TTLs on) catches the late subscriber up, then the document is forgotten", async () => {
    const { s, b } = await lateSubscriber(3);
    expect(seqsOf(s.h.all(b))).toEqual([]);
    await s.advance(1_000);
    expect(seqsOf(s.h.all(b))).toEqual([]);
    await s.advance(500);
    expect(seqsOf(s.h.all(b))).toEqual([2, 3, 4]);
    expect(s.cache.size).toBe(0);
  });

  it("a trailing read that fails is tried again a TTL later: a quiet document still catches its late subscriber up", async () => {
    const { s, a, b } = await lateSubscriber(2);
    s.failNextReads(1);
    await s.advance(1_500);
    expect(seqsOf(s.h.all(b))).toEqual([]);
    await s.advance(1_000);
    expect(seqsOf(s.h.all(b))).toEqual([2, 3]);
    expect(seqsOf(s.h.all(a))).toEqual([1, 2, 3]);
    expect(s.cache.size).toBe(0);
  });

  it("this process's own subscribe invalidates the list: its socket sees the next delivery at once", async () => {
    const s = setup();
    const a = await s.h.connect();
    await s.remoteSubscribe(a);
    await s.commit();
    const local = { ...s.h.deps, connections: invalidating(s.h.deps.connections, s.cache) };
    const b = await s.h.connect();
    await onMessage(local, b, JSON.stringify({ action: "subscribe", docId: s.doc.docId }));
    await s.commit();
    expect(seqsOf(s.h.all(b))).toEqual([2]);
    expect(s.reads()).toBe(2);
    // Its unsubscribe too: nothing more is sent to it.
    await onMessage(local, b, JSON.stringify({ action: "unsubscribe", docId: s.doc.docId }));
    await s.commit();
    expect(seqsOf(s.h.all(b))).toEqual([2]);
  });

  it("a delivery that finds a connection gone reads the list again next time", async () => {
    const s = setup();
    const [a, b] = [await s.h.connect(), await s.h.connect()];
    for (const c of [a, b]) await s.remoteSubscribe(c);
    await s.commit();
    s.h.gateway.markGone(b.connectionId);
    await s.commit();
    await s.commit();
    expect(s.reads()).toBe(2);
    expect(seqsOf(s.h.all(a))).toEqual([1, 2, 3]);
  });

  it("seeded: every subscriber gets every entry after its since exactly once, in order (commits, remote and local subscribes, time, quiet spells)", async () => {
    for (let seed = 1; seed <= 30; seed++) {
      const rnd = mulberry32(seed);
      const s = setup();
      const local = { ...s.h.deps, connections: invalidating(s.h.deps.connections, s.cache) };
      const subs: Array<{ c: Caller; since: number }> = [];
      for (let step = 0; step < 60; step++) {
        const r = rnd();
        if (r < 0.5) await s.commit(1 + Math.floor(rnd() * 3));
        else if (r < 0.65) {
          const c = await s.h.connect();
          subs.push({ c, since: await s.remoteSubscribe(c) });
        } else if (r < 0.75) {
          const c = await s.h.connect();
          const since = s.head();
          await onMessage(local, c, JSON.stringify({ action: "subscribe", docId: s.doc.docId }));
          // The session's catch-up sent 1..since; what counts here is what came after.
          subs.push({ c, since });
        } else if (r < 0.85) {
          // A trailing read racing a delivery of the same document.
          await s.advance(1_500, false);
          await s.commit();
        } else await s.advance(Math.floor(rnd() * 1_500));
      }
      await s.advance(5_000);
      const last = s.head();
      for (const { c, since } of subs) {
        const after = seqsOf(s.h.all(c)).filter((q) => q > since);
        expect(after, `seed ${seed}`).toEqual(Array.from({ length: last - since }, (_, k) => since + 1 + k));
      }
      expect(s.cache.size, `seed ${seed}`).toBe(0);
    }
  });
});
