import { describe, expect, it } from "vitest";
import type { DocRef } from "../../src/doc-ref.js";
import { MemoryDocLeaseStore } from "../../src/ports/memory/doc-lease-store.js";
import { prng } from "../../src/prng.js";
import { DocOwnership, OWNERSHIP } from "../../src/rooms/doc-ownership.js";
import { HOLDER_QUIET_MS } from "../../src/rooms/holder-heads.js";
import { type ChangeForwarder } from "../../src/rooms/room-sequencer.js";
import { LEASE_MARGIN_MS, LeaseLapsed } from "../../src/rooms/stream-commit.js";
import type { LogBatch } from "../../src/ports/records.js";
import { DEFAULT_SEQUENCER_CONFIG } from "../../src/sequencer/sequencer.js";
import { REJECT_REASONS } from "../../src/errors.js";
import { allEntries, ann, body, newDoc, stores } from "./room-fixtures.js";

const T0 = 1_760_000_000_000;
const noForwards: ChangeForwarder = { forward: async () => Promise.reject(new Error("no other task in this test")) };

/** One room task holding documents by a lease store of its own, on a lease clock the test moves. */
function holder(o: { delayMs?: number } = {}) {
  const s = stores();
  const lease = { now: T0 };
  const leases = new MemoryDocLeaseStore();
  const ownership = new DocOwnership({ leases, self: { owner: "a", address: "a:1" }, now: () => lease.now });
  const published: LogBatch[] = [];
  const t = s.task({ ownership: { ownership, forwarder: noForwards }, commitDelay: { delayMs: o.delayMs ?? 0, busyMs: 60_000 }, publish: async (b) => void published.push(...b) });
  return { s, lease, leases, ownership, published, ...t, heads: t.room.holderHeads! };
}

/** A held document with three ops, the third run from a kept head (reads: 2, kept: 1). */
async function keptAfterThreeOps() {
  const h = holder();
  const doc = newDoc();
  await h.room.submit(ann, doc, body("c", 1, 0));
  h.lease.now += HOLDER_QUIET_MS + 1;
  await h.room.submit(ann, doc, body("c", 2, 2));
  await h.room.submit(ann, doc, body("c", 3, 3));
  return { h, doc };
}

describe("HolderHeads: a held document's runs from the head the previous run left", () => {
  it("reads the head until the quiet time has passed since the holding began, then reads nothing per run", async () => {
    const h = holder();
    const doc = newDoc();
    // The document's creation commits its owner entry at seq 1: op k lands at seq k + 1.
    await h.room.submit(ann, doc, body("c", 1, 0));
    await h.room.submit(ann, doc, body("c", 2, 2));
    expect(h.heads.counts).toEqual({ kept: 0, read: 2 });
    h.lease.now += HOLDER_QUIET_MS + 1; // renewed by the next route: the same holding
    await h.room.submit(ann, doc, body("c", 3, 3));
    expect(h.heads.counts).toEqual({ kept: 0, read: 3 });
    for (let k = 4; k < 60; k++) expect(await h.room.submit(ann, doc, body("c", k, k))).toEqual([{ id: `c-${k}`, status: "accepted" }]);
    expect(h.heads.counts).toEqual({ kept: 56, read: 3 });
    const entries = await allEntries(h.s.log, doc);
    expect(entries.map((e) => e.seq)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    expect(entries.filter((e) => e.type !== "acl").map((e) => e.clientSeq)).toEqual(Array.from({ length: 59 }, (_, i) => i + 1));
    // The lazy checkpoint was saved on the way (every 48 entries), from a kept head: a resend is still a duplicate.
    expect((await h.s.state.load(doc, [])).checkpoint).toBeGreaterThan(0);
    expect(await h.room.submit(ann, doc, body("c", 59, 59))).toEqual([{ id: "c-59", status: "duplicate" }]);
  });

  it("each committed record carries the lease its batch was sequenced under (epoch, deadline = expiry - LEASE_MARGIN_MS); the log does not", async () => {
    const h = holder();
    const doc = newDoc();
    await h.room.submit(ann, doc, body("c", 1, 0));
    const first = (await h.leases.get(doc))!;
    h.lease.now += 11_000; // the next route renews: a new epoch, a later expiry
    await h.room.submit(ann, doc, body("c", 2, 2));
    const second = (await h.leases.get(doc))!;
    expect(second.epoch).toBeGreaterThan(first.epoch);
    expect(h.published.map((b) => [b.seqEnd, b.lease])).toEqual([
      [2, { epoch: first.epoch, deadline: first.expiresAt - LEASE_MARGIN_MS }],
      [3, { epoch: second.epoch, deadline: second.expiresAt - LEASE_MARGIN_MS }],
    ]);
    expect((await h.s.log.batchesAfter(doc, 0)).every((b) => b.lease === undefined)).toBe(true);
    // Without ownership, no lease.
    const plain = stores();
    const published: LogBatch[] = [];
    const t = plain.task({ publish: async (b) => void published.push(...b) });
    await t.room.submit(ann, doc, body("c", 1, 0));
    expect(published.length).toBeGreaterThan(0);
    expect(published.every((b) => b.lease === undefined)).toBe(true);
  });

  it("another writer's append (a rule broken) makes the next run conflict at the key fence, read again and lose nothing", async () => {
    const { h, doc } = await keptAfterThreeOps();
    const before = { ...h.heads.counts };
    expect(before.kept).toBe(1);
    // The sequencer function commits a change of another client behind the holder's back.
    const change = { doc, clientId: "f", userId: "ann", groups: [], admin: false, base: 4, firstSeq: 1, lastSeq: 1, acceptedAt: h.s.clock.now(), skewed: 0, ops: [{ id: "f-1", seq: 1, type: "insert" as const, pos: 0, text: "f" }] };
    await h.s.durableInbox.put(change as never);
    await h.s.sequencerFunction().process(doc, [{ kind: "change", change: change as never }]);
    expect(await h.room.submit(ann, doc, body("c", 4, 4))).toEqual([{ id: "c-4", status: "accepted" }]);
    // Its first attempt ran from the kept head and conflicted; the retry read.
    expect(h.heads.counts).toEqual({ kept: before.kept + 1, read: before.read + 1 });
    const entries = await allEntries(h.s.log, doc);
    expect(entries.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(entries.filter((e) => e.type !== "acl").map((e) => e.id).sort()).toEqual(["c-1", "c-2", "c-3", "c-4", "f-1"]);
    // Kept again from that read on.
    await h.room.submit(ann, doc, body("c", 5, 6));
    expect(h.heads.counts).toEqual({ kept: before.kept + 2, read: before.read + 1 });
  });

  it("a lease that lapsed starts a new holding: runs read again until its quiet time has passed", async () => {
    const { h, doc } = await keptAfterThreeOps();
    expect(h.heads.counts).toEqual({ kept: 1, read: 2 });
    h.lease.now += OWNERSHIP.leaseMs; // not renewed in time
    await h.room.submit(ann, doc, body("c", 4, 4));
    await h.room.submit(ann, doc, body("c", 5, 5));
    expect(h.heads.counts).toEqual({ kept: 1, read: 4 });
    h.lease.now += HOLDER_QUIET_MS + 1;
    await h.room.submit(ann, doc, body("c", 6, 6));
    await h.room.submit(ann, doc, body("c", 7, 7));
    expect(h.heads.counts).toEqual({ kept: 2, read: 5 });
    expect((await allEntries(h.s.log, doc)).filter((e) => e.type !== "acl").map((e) => e.id)).toEqual(["c-1", "c-2", "c-3", "c-4", "c-5", "c-6", "c-7"]);
  });

  it("a run whose lease is no longer safely live writes nothing (LeaseLapsed), and its client's resend commits once", async () => {
    const h = holder({ delayMs: 80 });
    const doc = newDoc();
    await h.room.submit(ann, doc, body("c", 1, 0));
    // The next run waits for the commit delay; meanwhile the lease runs out (the route renewed nothing: it had time left).
    const pending = h.room.submit(ann, doc, body("c", 2, 2)).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 10));
    h.lease.now += OWNERSHIP.leaseMs - OWNERSHIP.skewMs;
    expect(await pending).toBeInstanceOf(LeaseLapsed);
    expect((await h.s.log.head(doc)).seq).toBe(2);
    expect(await h.room.submit(ann, doc, body("c", 2, 2))).toEqual([{ id: "c-2", status: "accepted" }]);
    expect((await allEntries(h.s.log, doc)).filter((e) => e.type !== "acl").map((e) => e.id)).toEqual(["c-1", "c-2"]);
  });

  it("runRecords: a sequencer function's records (a change posted over HTTP, a hold window's wake) run on the holder, and one it gave up on is rejected there", async () => {
    const h = holder();
    const doc = newDoc();
    await h.room.submit(ann, doc, body("c", 1, 0));
    // Posted over HTTP: in the inbox table, handed here by the function.
    const change = { doc, clientId: "http", userId: "ann", groups: [], admin: false, base: 2, firstSeq: 1, lastSeq: 1, acceptedAt: h.s.clock.now(), skewed: 0, ops: [{ id: "http-1", seq: 1, type: "insert" as const, pos: 0, text: "h" }] };
    await h.s.durableInbox.put(change as never);
    await h.room.runRecords(doc, [{ kind: "change", change: change as never }]);
    // A change ahead of its client's seq 2: held, released by the wake at its window's end.
    expect(await h.room.submit(ann, doc, body("c", 3, 3))).toEqual([{ id: "c-3", status: "accepted" }]);
    expect((await h.s.state.load(doc, [])).holding).toEqual(["c"]);
    h.s.clock.advance(DEFAULT_SEQUENCER_CONFIG.holdWindowMs + 1);
    await h.room.runRecords(doc, [{ kind: "wake", wake: { doc, dueAt: h.s.clock.now() } }]);
    expect((await allEntries(h.s.log, doc)).filter((e) => e.type !== "acl").map((e) => e.id)).toEqual(["c-1", "http-1", "c-3"]);
    expect((await h.s.state.load(doc, [])).holding).toEqual([]);
    expect(h.room.forwards.handedOff).toBe(2);
    expect(h.s.lines).toContainEqual(expect.objectContaining({ finding: "client_seq_gap", clientId: "c", from: 2, to: 2 }));
    // A change the function gave up on (its stream's salvage): rejected by the holder, not run; its client moves past it.
    const poison = { ...change, clientId: "p", ops: [{ id: "p-1", seq: 1, type: "insert" as const, pos: 0, text: "p" }] };
    await h.s.durableInbox.put(poison as never);
    await h.room.runRecords(doc, [{ kind: "change", change: poison as never }], { reason: REJECT_REASONS.streamRetriesExhausted, message: "sequencing failed after 4 attempts" });
    expect(await h.s.state.getRejection(doc, "p-1")).toMatchObject({ reason: "stream_retries_exhausted", clientId: "p" });
    expect((await h.s.state.load(doc, ["p"])).clients.get("p")?.next).toBe(2);
    expect((await allEntries(h.s.log, doc)).map((e) => e.id)).not.toContain("p-1");
    expect(h.room.forwards.handedOff).toBe(3);
  });

  it("seeded: holds, gaps given up, duplicates and rejections decided the same from kept heads as from read ones", async () => {
    let rejected = 0;
    let gaps = 0;
    for (const seed of [1, 2, 3, 4, 5]) {
      const rng = prng(seed);
      const doc: DocRef = { tenant: "t", docId: `fuzz-${seed}-${Date.now().toString(36)}` };
      const kept = holder();
      const plain = stores();
      const reading = plain.task({ commitDelay: { delayMs: 0, busyMs: 0 } });
      const worlds = [
        { s: kept.s, room: kept.room },
        { s: plain, room: reading.room },
      ];
      const next = new Map<string, number>();
      const seen = new Set<string>();
      const skipped = new Map<string, number>();
      let last: string | undefined;
      for (let step = 0; step < 80; step++) {
        if (step === 5) kept.lease.now += HOLDER_QUIET_MS + 1;
        kept.lease.now += 500;
        const head = (await plain.log.head(doc)).seq;
        const c = rng.pick(["c1", "c2", "c3"]);
        const n = next.get(c) ?? 1;
        const roll = rng.int(10);
        let sent: string;
        if (roll === 0 && last) sent = last; // a resend
        else if (roll === 1) sent = body(c, n, head + 3, "x"); // base ahead of the head: rejected by the run
        else if (roll === 2 && !skipped.has(c)) {
          sent = body(c, n + 1, rng.int(head + 1), "h"); // ahead of its client's next seq: held
          skipped.set(c, n);
          next.set(c, n + 2);
        } else if (roll === 3) {
          for (const w of worlds) w.s.clock.advance(3_000); // hold windows end at the next run
          sent = body(c, n, rng.int(head + 1), "t");
          next.set(c, n + 1);
        } else {
          const gap = skipped.get(c);
          if (gap !== undefined && rng.int(2) === 0) {
            sent = body(c, gap, rng.int(head + 1), "g"); // the gap filled (or late: rejected once given up)
            skipped.delete(c);
          } else {
            sent = body(c, n, rng.int(head + 1), "a");
            next.set(c, n + 1);
          }
        }
        if (roll !== 0) last = sent;
        const answers = [];
        for (const w of worlds) answers.push(await w.room.submit(ann, doc, sent).catch((e: unknown) => String(e)));
        expect(answers[0], `seed ${seed} step ${step}`).toEqual(answers[1]);
        for (const r of answers[0] as Array<{ status: string }>) seen.add(r.status);
      }
      expect(kept.heads.counts.kept, `seed ${seed}`).toBeGreaterThan(40);
      const [a, b] = worlds;
      expect([...seen].sort()).toEqual(["accepted", "duplicate"]);
      // Rejections (bases ahead of the head, late gap fills) stored alike.
      const ids = new Set<string>();
      for (const c of ["c1", "c2", "c3"]) for (let k = 1; k <= (next.get(c) ?? 1); k++) ids.add(`${c}-${k}`);
      for (const id of ids) {
        const [ra, rb] = [await a.s.state.getRejection(doc, id), await b.s.state.getRejection(doc, id)];
        expect(ra, id).toEqual(rb);
        if (ra) rejected++;
      }
      gaps += plain.lines.filter((l) => l.finding === "client_seq_gap").length;
      expect(await allEntries(a.s.log, doc)).toEqual(await allEntries(b.s.log, doc));
      const clients = ["c1", "c2", "c3"];
      expect(await a.s.state.load(doc, clients)).toEqual(await b.s.state.load(doc, clients));
    }
    expect(rejected).toBeGreaterThan(5);
    expect(gaps).toBeGreaterThan(3);
  });
});
