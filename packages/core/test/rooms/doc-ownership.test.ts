import { describe, expect, it } from "vitest";
import { WeftError } from "../../src/errors.js";
import type { Principal } from "../../src/ingest/ingest-change.js";
import type { DocLeaseStore } from "../../src/ports/doc-lease-store.js";
import { MemoryDocLeaseStore } from "../../src/ports/memory/doc-lease-store.js";
import { DocOwnership, OWNERSHIP, type OwnershipConfig } from "../../src/rooms/doc-ownership.js";
import { OwnerUnreachable, type ChangeForwarder, type RoomSequencer } from "../../src/rooms/room-sequencer.js";
import { allEntries, ann, body, newDoc, stores } from "./room-fixtures.js";

const T0 = 1_760_000_000_000;

/** A lease store that counts its calls and can be made to fail. */
function counted(inner: DocLeaseStore = new MemoryDocLeaseStore()) {
  const calls = { acquire: 0, release: 0, get: 0 };
  let failing = false;
  const store: DocLeaseStore = {
    acquire: async (doc, claim) => {
      calls.acquire++;
      if (failing) throw new Error("throttled");
      return inner.acquire(doc, claim);
    },
    get: async (doc) => {
      calls.get++;
      return inner.get(doc);
    },
    release: async (doc, owner, epoch) => {
      calls.release++;
      return inner.release(doc, owner, epoch);
    },
  };
  return { store, calls, fail: (on: boolean) => void (failing = on) };
}

describe("DocOwnership", () => {
  it("takes a free lease, routes by it without writing, and renews it once less than renewBeforeMs is left", async () => {
    const leases = counted();
    let now = T0;
    const a = new DocOwnership({ leases: leases.store, self: { owner: "a", address: "10.0.0.1:8081" }, now: () => now });
    const doc = newDoc();
    expect(await a.route(doc)).toEqual({ here: true });
    expect(leases.calls.acquire).toBe(1);
    now += OWNERSHIP.leaseMs - OWNERSHIP.renewBeforeMs - 1;
    for (let i = 0; i < 5; i++) expect(await a.route(doc)).toEqual({ here: true });
    expect(leases.calls.acquire).toBe(1);
    now += 2;
    expect(await a.route(doc)).toEqual({ here: true });
    expect(leases.calls.acquire).toBe(2);
    expect(a.held).toBe(1);
  });

  it("routes to the holder while its lease is live (one read-through acquire, then none), and takes it over once it expired", async () => {
    const leases = counted();
    let now = T0;
    const a = new DocOwnership({ leases: leases.store, self: { owner: "a", address: "10.0.0.1:8081" }, now: () => now });
    const b = new DocOwnership({ leases: leases.store, self: { owner: "b", address: "10.0.0.2:8081" }, now: () => now });
    const doc = newDoc();
    await a.route(doc);
    expect(await b.route(doc)).toMatchObject({ here: false, owner: "a", address: "10.0.0.1:8081" });
    expect(await b.route(doc)).toMatchObject({ here: false, owner: "a", address: "10.0.0.1:8081" });
    expect(leases.calls.acquire).toBe(2);
    // Near the expiry b saw, a has renewed: b reads the renewed lease (no write) and keeps forwarding.
    now += OWNERSHIP.leaseMs - OWNERSHIP.renewBeforeMs + 1;
    await a.route(doc);
    expect(leases.calls.acquire).toBe(3);
    now += OWNERSHIP.renewBeforeMs - OWNERSHIP.skewMs;
    expect(await b.route(doc)).toMatchObject({ here: false, owner: "a", address: "10.0.0.1:8081" });
    expect(leases.calls).toMatchObject({ acquire: 3, get: 1 });
    // Then a stops renewing (it died): near that lease's expiry b reads it (still live), then takes it once it expired.
    now += OWNERSHIP.leaseMs - OWNERSHIP.renewBeforeMs;
    expect(await b.route(doc)).toMatchObject({ here: false, owner: "a", address: "10.0.0.1:8081" });
    expect(leases.calls).toMatchObject({ acquire: 3, get: 2 });
    now += OWNERSHIP.skewMs;
    expect(await b.route(doc)).toEqual({ here: true });
    expect(leases.calls).toMatchObject({ acquire: 4, get: 3 });
    // a, back, sees b's lease.
    expect(await a.route(doc)).toMatchObject({ here: false, owner: "b", address: "10.0.0.2:8081" });
  });

  it("concurrent routes of one document share one acquire; documents are independent", async () => {
    const leases = counted();
    const a = new DocOwnership({ leases: leases.store, self: { owner: "a", address: "x:1" }, now: () => T0 });
    const [d1, d2] = [newDoc(), newDoc()];
    const routes = await Promise.all([...Array.from({ length: 10 }, () => a.route(d1)), a.route(d2)]);
    expect(routes.every((r) => r.here)).toBe(true);
    expect(leases.calls.acquire).toBe(2);
  });

  it("unreachable makes the next route read the holder's lease again (a read, no refused claim); releaseAll frees this task's leases at once", async () => {
    const leases = counted();
    const a = new DocOwnership({ leases: leases.store, self: { owner: "a", address: "x:1" }, now: () => T0 });
    const b = new DocOwnership({ leases: leases.store, self: { owner: "b", address: "x:2" }, now: () => T0 + 1 });
    const [d1, d2] = [newDoc(), newDoc()];
    await a.route(d1);
    await a.route(d2);
    await b.route(d1);
    b.unreachable(d1, "someone-else"); // not the holder b saw: kept
    await b.route(d1);
    expect(leases.calls.acquire).toBe(3);
    b.unreachable(d1, "a");
    const gets = leases.calls.get;
    // The lease is live: read, still a's, no claim (the store would refuse it).
    expect(await b.route(d1)).toMatchObject({ here: false, owner: "a", address: "x:1" });
    expect(leases.calls).toMatchObject({ acquire: 3, get: gets + 1 });
    // Read once per unreachable, then trusted again as any live lease is.
    expect(await b.route(d1)).toMatchObject({ here: false, owner: "a", address: "x:1" });
    expect(leases.calls).toMatchObject({ acquire: 3, get: gets + 1 });
    await a.releaseAll();
    expect(leases.calls.release).toBe(2);
    expect(a.held).toBe(0);
    // Released (stored expired): the read finds it free and b takes it.
    b.unreachable(d1, "a");
    expect(await b.route(d1)).toEqual({ here: true });
    expect(leases.calls).toMatchObject({ acquire: 4, get: gets + 2 });
    expect(await b.route(d2)).toEqual({ here: true });
  });

  it("a lease held under this task's address by another id (its predecessor at the same address) routes here", async () => {
    const leases = new MemoryDocLeaseStore();
    const doc = newDoc();
    await leases.acquire(doc, { owner: "old", address: "x:1", now: T0, expiresAt: T0 + 20_000 });
    const restarted = new DocOwnership({ leases, self: { owner: "new", address: "x:1" }, now: () => T0 + 5 });
    expect(await restarted.route(doc)).toEqual({ here: true });
  });

  it("writable while this task's lease has more than the skew left; heldSince runs across renewals and starts again after a lapse", async () => {
    const leases = counted();
    let now = T0;
    const a = new DocOwnership({ leases: leases.store, self: { owner: "a", address: "x:1" }, now: () => now });
    const b = new DocOwnership({ leases: leases.store, self: { owner: "b", address: "x:2" }, now: () => now });
    const doc = newDoc();
    expect(a.writable(doc)).toBe(false);
    expect(a.heldSince(doc)).toBeUndefined();
    await a.route(doc);
    expect(a.writable(doc)).toBe(true);
    expect(a.heldSince(doc)).toBe(T0);
    // Renewed in time: the same holding.
    now += OWNERSHIP.leaseMs - OWNERSHIP.renewBeforeMs + 1;
    await a.route(doc);
    expect(leases.calls.acquire).toBe(2);
    expect(a.heldSince(doc)).toBe(T0);
    // Not renewed: no longer writable once only the skew is left, though the store would still call it a's.
    now += OWNERSHIP.leaseMs - OWNERSHIP.skewMs;
    expect(a.writable(doc)).toBe(false);
    expect(a.heldSince(doc)).toBeUndefined();
    // Renewed after that: a new holding, from now.
    await a.route(doc);
    expect(a.writable(doc)).toBe(true);
    expect(a.heldSince(doc)).toBe(now);
    // Another task's lease: never writable here.
    await a.releaseAll();
    await b.route(doc);
    await a.route(doc);
    expect(a.writable(doc)).toBe(false);
    expect(b.heldSince(doc)).toBe(now);
  });

  it("a failing lease store rejects the route (the room answers the change unavailable)", async () => {
    const leases = counted();
    leases.fail(true);
    const a = new DocOwnership({ leases: leases.store, self: { owner: "a", address: "x:1" }, now: () => T0 });
    await expect(a.route(newDoc())).rejects.toThrow("throttled");
  });
});

/** Two tasks over shared stores, each owning by the same lease store; forwards go straight to the other task's submitForwarded. */
function twoTasks(o: { unreachable?: Set<string>; failFirst?: number; config?: OwnershipConfig; maxWaitMs?: number } = {}) {
  let failures = o.failFirst ?? 0;
  const s = stores();
  const leases = new MemoryDocLeaseStore();
  const rooms = new Map<string, RoomSequencer>();
  const forwarder: ChangeForwarder = {
    forward: async (address, who, doc, change) => {
      if (o.unreachable?.has(address)) throw new OwnerUnreachable(address, "connect ECONNREFUSED");
      if (failures > 0 && failures--) throw new OwnerUnreachable(address, "the room task did not answer within 5000 ms");
      return rooms.get(address)!.submitForwarded(who, doc, change);
    },
  };
  const task = (address: string) => {
    const ownership = new DocOwnership({ leases, self: { owner: `task-${address}`, address }, now: Date.now, ...(o.config ? { config: o.config } : {}) });
    const t = s.task({ ownership: { ownership, forwarder, ...(o.maxWaitMs !== undefined ? { maxWaitMs: o.maxWaitMs } : {}) } });
    rooms.set(address, t.room);
    return { ...t, ownership };
  };
  return { s, leases, a: task("a:8081"), b: task("b:8081") };
}

describe("RoomSequencer with ownership", () => {
  it("a change arriving at a task that does not own its document is forwarded, sequenced and delivered by the owner, and answered as the owner answered", async () => {
    const { s, a, b } = twoTasks();
    const doc = newDoc();
    expect(await a.room.submit(ann, doc, body("seed", 1, 0))).toEqual([{ id: "seed-1", status: "accepted" }]);
    expect(await b.room.submit(ann, doc, body("k", 1, 2))).toEqual([{ id: "k-1", status: "accepted" }]);
    // A resend of the same change through b: the owner's answer, a duplicate.
    expect(await b.room.submit(ann, doc, body("k", 1, 2))).toEqual([{ id: "k-1", status: "duplicate" }]);
    expect(b.room.forwards).toEqual({ forwarded: 2, waits: 0, received: 0, handedOff: 0 });
    expect(a.room.forwards).toEqual({ forwarded: 0, waits: 0, received: 2, handedOff: 0 });
    expect(b.delivered).toEqual([]);
    expect(a.delivered.map((x) => x.seqStart)).toEqual((await s.log.batchesAfter(doc, 0)).map((x) => x.seqStart));
    const ids = (await allEntries(s.log, doc)).map((e) => e.id);
    expect(ids).toHaveLength(3);
    expect(ids.filter((id) => id === "seed-1" || id === "k-1").sort()).toEqual(["k-1", "seed-1"]);
  });

  it("concurrent changes to one document through both tasks: one task runs every commit, gap-free and exactly once", async () => {
    const { s, a, b } = twoTasks();
    const doc = newDoc();
    await a.room.submit(ann, doc, body("seed", 1, 0));
    await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? a.room : b.room).submit(ann, doc, body(`k${i}`, 1, 2, "z", 2))));
    const entries = await allEntries(s.log, doc);
    expect(entries.map((e) => e.seq)).toEqual(Array.from({ length: 42 }, (_, i) => i + 1));
    expect(new Set(entries.map((e) => e.id)).size).toBe(42);
    expect(b.delivered).toEqual([]);
    expect(a.delivered.map((x) => x.seqStart)).toEqual((await s.log.batchesAfter(doc, 0)).map((x) => x.seqStart));
    expect(b.room.forwards.forwarded).toBe(10);
  });

  it("the owner's refusal reaches the forwarding task's caller as the same WeftError, and nothing is kept", async () => {
    const { s, a, b } = twoTasks();
    const doc = newDoc();
    await a.room.submit(ann, doc, body("seed", 1, 0));
    const bob: Principal = { tenant: "t", userId: "bob", admin: false };
    const err = await b.room.submit(bob, doc, body("b", 1, 2)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WeftError);
    expect((err as WeftError).code).toBe("forbidden");
    const bad = await b.room.submit(ann, doc, JSON.stringify({ clientId: "c", base: 2, ops: [{ id: "c-1", seq: 1, type: "insert", pos: -1, text: "x" }] })).catch((e: unknown) => e);
    expect((bad as WeftError).code).toBe("invalid_request");
    expect((await s.log.head(doc)).seq).toBe(2);
  });

  it("an owner that cannot be reached: the change waits for its lease to lapse, then the task that takes it sequences it, once", async () => {
    const { s, a, b } = twoTasks({ unreachable: new Set(["a:8081"]), config: SHORT });
    const doc = newDoc();
    await a.room.submit(ann, doc, body("seed", 1, 0));
    const started = Date.now();
    expect(await b.room.submit(ann, doc, body("k", 1, 2))).toEqual([{ id: "k-1", status: "accepted" }]);
    // Not before a's lease ran out (nobody writes a document another task's live lease covers).
    expect(Date.now() - started).toBeGreaterThanOrEqual(SHORT.leaseMs - SHORT.renewBeforeMs - 50);
    expect(b.room.forwards).toMatchObject({ forwarded: 0, received: 0, handedOff: 0 });
    expect(b.room.forwards.waits).toBeGreaterThanOrEqual(1);
    expect(b.delivered.flatMap((x) => x.entries.map((e) => e.id))).toEqual(["k-1"]);
    expect(s.lines).toContainEqual(expect.objectContaining({ kind: "room_owner_wait", owner: "task-a:8081", docId: doc.docId }));
    expect((await allEntries(s.log, doc)).map((e) => e.seq)).toEqual([1, 2, 3]);
    // a, back, finds b's lease: it may not write the document, and forwards to b.
    expect(a.ownership.writable(doc)).toBe(false);
    expect(await a.room.submit(ann, doc, body("m", 1, 3))).toEqual([{ id: "m-1", status: "accepted" }]);
    expect(a.room.forwards.forwarded).toBe(1);
  });

  it("an owner alive but too slow to answer once: the forward is tried again and answered by it, no wait for its lease", async () => {
    const { s, a, b } = twoTasks({ failFirst: 2 });
    const doc = newDoc();
    await a.room.submit(ann, doc, body("seed", 1, 0));
    const started = Date.now();
    expect(await b.room.submit(ann, doc, body("k", 1, 2))).toEqual([{ id: "k-1", status: "accepted" }]);
    expect(Date.now() - started).toBeLessThan(OWNERSHIP.leaseMs / 4);
    // Tried at once after the first failure, then after one short pause.
    expect(b.room.forwards).toMatchObject({ forwarded: 1, waits: 1, received: 0 });
    expect(a.delivered.flatMap((x) => x.entries.map((e) => e.id))).toContain("k-1");
    expect((await allEntries(s.log, doc)).map((e) => e.seq)).toEqual([1, 2, 3]);
  });

  it("an owner that stopped and released its lease: the change is sequenced by the task that takes it at once, without waiting", async () => {
    const { s, a, b } = twoTasks({ unreachable: new Set(["a:8081"]) });
    const doc = newDoc();
    await a.room.submit(ann, doc, body("seed", 1, 0));
    await b.ownership.route(doc); // b has seen a's lease
    await a.ownership.releaseAll();
    const started = Date.now();
    expect(await b.room.submit(ann, doc, body("k", 1, 2))).toEqual([{ id: "k-1", status: "accepted" }]);
    expect(Date.now() - started).toBeLessThan(OWNERSHIP.leaseMs / 2);
    expect(b.room.forwards).toEqual({ forwarded: 0, waits: 0, received: 0, handedOff: 0 });
    expect((await allEntries(s.log, doc)).map((e) => e.seq)).toEqual([1, 2, 3]);
  });

  it("an owner unreachable that keeps its lease: the change fails unavailable after maxWaitMs, nothing written", async () => {
    const { s, a, b } = twoTasks({ unreachable: new Set(["a:8081"]), config: SHORT, maxWaitMs: 2 * SHORT.leaseMs });
    const doc = newDoc();
    await a.room.submit(ann, doc, body("seed", 1, 0));
    // a is alive (renewing) but b cannot reach it.
    const renew = setInterval(() => void a.ownership.route(doc), 20);
    try {
      const err = await b.room.submit(ann, doc, body("k", 1, 2)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WeftError);
      expect((err as WeftError).code).toBe("unavailable");
    } finally {
      clearInterval(renew);
    }
    expect((await s.log.head(doc)).seq).toBe(2);
    expect(b.room.forwards.waits).toBeGreaterThanOrEqual(1);
  });

  it("a change forwarded to a task that no longer holds the lease is refused (OwnerUnreachable, nothing kept), and a lease store that fails is unavailable", async () => {
    const { s, a, b } = twoTasks();
    const doc = newDoc();
    await a.room.submit(ann, doc, body("seed", 1, 0));
    await a.ownership.releaseAll();
    await b.ownership.route(doc); // b takes it
    await expect(a.room.submitForwarded(ann, doc, body("k", 1, 2))).rejects.toBeInstanceOf(OwnerUnreachable);
    await expect(a.room.runRecords(doc, [])).rejects.toBeInstanceOf(OwnerUnreachable);
    expect((await s.log.head(doc)).seq).toBe(2);
    // Through a's own submit the change reaches b.
    expect(await a.room.submit(ann, doc, body("k", 1, 2))).toEqual([{ id: "k-1", status: "accepted" }]);
    expect(b.delivered.flatMap((x) => x.entries.map((e) => e.id))).toEqual(["k-1"]);

    const leases = counted();
    leases.fail(true);
    const failing = s.task({ ownership: { ownership: new DocOwnership({ leases: leases.store, self: { owner: "c", address: "c:1" }, now: Date.now }), forwarder: { forward: async () => [] } } });
    const err = await failing.room.submit(ann, newDoc(), body("x", 1, 0)).catch((e: unknown) => e);
    expect((err as WeftError).code).toBe("unavailable");
    expect(s.lines).toContainEqual(expect.objectContaining({ kind: "room_lease_failed" }));
  });
});

/** Leases short enough for a test to wait one out. */
const SHORT: OwnershipConfig = { leaseMs: 600, renewBeforeMs: 300, skewMs: 50 };
