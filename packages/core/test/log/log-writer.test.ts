import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DocLogWriter, mergeBatches, packItems, type StreamedBatch } from "../../src/log/log-writer.js";
import type { LogBatch } from "../../src/ports/records.js";
import { prng } from "../../src/prng.js";

const doc = { tenant: "t", docId: "d" };
const SKEW = 1_000;

function batch(seqStart: number, n: number, tag: string, o: Partial<LogBatch> = {}): LogBatch {
  const entries = Array.from({ length: n }, (_, k) => ({ seq: seqStart + k, id: `${tag}-${seqStart + k}`, clientId: tag, clientSeq: seqStart + k, userId: "u", type: "insert", pos: 0, text: "x", serverTs: 0 }) as never);
  return { doc, seqStart, seqEnd: seqStart + n - 1, entries, lenAfter: seqStart + n - 1, clients: [{ clientId: tag, next: seqStart + n }], committedAt: seqStart, ...o };
}
const rec = (b: LogBatch, epoch: number, deadline: number, arrivedAt: number): StreamedBatch => ({ batch: b, epoch, deadline, arrivedAt });

describe("DocLogWriter", () => {
  it("keeps the next batch in time, recognises repeats, drops a late batch with the rest of its epoch, and takes the kept batches as one item", () => {
    const w = new DocLogWriter({ head: 0, headEpoch: 0 }, SKEW);
    expect(w.offer(rec(batch(1, 2, "a"), 1, 10_000, 100))).toEqual({ kind: "kept" });
    expect(w.offer(rec(batch(1, 2, "a"), 1, 10_000, 12_000))).toEqual({ kind: "repeat" }); // a retried put that had landed, even late
    expect(w.offer(rec(batch(3, 1, "a"), 1, 10_000, 10_999))).toEqual({ kind: "kept" }); // within the skew
    expect(w.offer(rec(batch(4, 1, "a"), 1, 10_000, 11_001))).toEqual({ kind: "late" });
    expect(w.offer(rec(batch(5, 1, "a"), 1, 10_000, 9_000))).toEqual({ kind: "after_late" });
    expect(w.kept).toEqual({ head: 3, headEpoch: 1 });
    // The next holder starts from the settled head 3.
    expect(w.offer(rec(batch(4, 2, "b"), 2, 40_000, 31_000))).toEqual({ kind: "kept" });
    const item = mergeBatches(w.takeBatches());
    expect([item.seqStart, item.seqEnd]).toEqual([1, 5]);
    expect(item.entries.map((e) => e.id)).toEqual(["a-1", "a-2", "a-3", "b-4", "b-5"]);
    expect(w.takeBatches()).toEqual([]);
  });

  it("stops on a record no correct holder sends: a gap, a seq kept under another epoch, an older epoch after a newer one", () => {
    const gap = new DocLogWriter({ head: 5, headEpoch: 1 }, SKEW);
    expect(gap.offer(rec(batch(7, 1, "a"), 1, 10_000, 0))).toMatchObject({ kind: "conflict", reason: expect.stringMatching(/gap/), gap: true });
    expect(gap.offer(rec(batch(6, 1, "a"), 1, 10_000, 0))).toMatchObject({ kind: "conflict", reason: expect.stringMatching(/stopped/) });
    const twice = new DocLogWriter({ head: 0, headEpoch: 0 }, SKEW);
    twice.offer(rec(batch(1, 1, "a"), 1, 10_000, 0));
    expect(twice.offer(rec(batch(1, 1, "b"), 2, 40_000, 31_000))).toEqual({ kind: "conflict", reason: expect.stringMatching(/already kept/) });
    const older = new DocLogWriter({ head: 4, headEpoch: 3 }, SKEW);
    expect(older.offer(rec(batch(5, 1, "a"), 2, 10_000, 0))).toMatchObject({ kind: "conflict", reason: expect.stringMatching(/epoch 2 in time after epoch 3/) });
    expect(older.stoppedBecause).toMatch(/epoch 2/);
  });

  it("mergeBatches: entries in order, each client's last progress, the ACL before the first acl entry; refuses batches that do not follow", () => {
    const acl = { owners: ["u"] } as never;
    const a = batch(1, 2, "a");
    const b = { ...batch(3, 1, "b"), entries: [{ ...batch(3, 1, "b").entries[0], type: "acl" }] as never, aclBefore: acl };
    const c = { ...batch(4, 1, "a"), clients: [{ clientId: "a", next: 9 }] };
    const m = mergeBatches([a, b, c]);
    expect(m).toMatchObject({ seqStart: 1, seqEnd: 4, lenAfter: 4, committedAt: 4, aclBefore: acl });
    expect(m.clients).toEqual([
      { clientId: "a", next: 9 },
      { clientId: "b", next: 4 },
    ]);
    expect(mergeBatches([a])).toBe(a);
    expect(() => mergeBatches([a, c])).toThrow(/does not follow/);
    expect(() => mergeBatches([])).toThrow(/no batches/);
  });

  it("a writer started from items an earlier run wrote (loaded) takes the stream's records again up to that head as repeats, then keeps on", () => {
    const w = new DocLogWriter({ head: 3, headEpoch: 0, loaded: true }, SKEW);
    expect(w.offer(rec(batch(1, 2, "a"), 1, 10_000, 100))).toEqual({ kind: "repeat" });
    expect(w.offer(rec(batch(3, 1, "a"), 1, 10_000, 200))).toEqual({ kind: "repeat" });
    expect(w.offer(rec(batch(4, 2, "a"), 1, 10_000, 300))).toEqual({ kind: "kept" });
    expect(w.takeBatches().map((b) => [b.seqStart, b.seqEnd])).toEqual([[4, 5]]);
    expect(w.takeBatches()).toEqual([]);
    // A record straddling the loaded head is no repeat: no correct writer kept half of a batch.
    const half = new DocLogWriter({ head: 3, headEpoch: 0, loaded: true }, SKEW);
    expect(half.offer(rec(batch(3, 2, "a"), 1, 10_000, 0))).toMatchObject({ kind: "conflict", reason: expect.stringMatching(/already kept/) });
    // Without `loaded` the same record is a conflict: the writer's own memory says what it kept.
    expect(new DocLogWriter({ head: 3, headEpoch: 0 }, SKEW).offer(rec(batch(1, 2, "a"), 1, 10_000, 0))).toMatchObject({ kind: "conflict" });
  });

  it("packItems: consecutive batches merged while their entries fit the size, a batch over it alone, nothing lost or reordered", () => {
    const batches = [batch(1, 3, "a"), batch(4, 3, "a"), batch(7, 40, "a"), batch(47, 1, "b"), batch(48, 2, "b")];
    const size = (b: LogBatch) => JSON.stringify(b.entries).length;
    const max = size(batches[0]) + size(batches[1]);
    const items = packItems(batches, max);
    expect(items.map((b) => [b.seqStart, b.seqEnd])).toEqual([[1, 6], [7, 46], [47, 49]]);
    expect(items.flatMap((b) => b.entries.map((e) => e.seq))).toEqual(Array.from({ length: 49 }, (_, i) => i + 1));
    expect(packItems([], max)).toEqual([]);
    expect(packItems(batches, 10 ** 9)).toHaveLength(1);
  });

  it("property: holders with skewed clocks, renewals (each a new epoch), slow and lost puts, retries, pauses and takeovers: every acknowledged batch kept, each seq once, no conflict", () => {
    const seen: Record<string, number> = {};
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 30 }), fc.integer({ min: 1, max: 4 }), fc.boolean(), (seed, holders, renew) => {
        const out = simulate(seed, holders, renew);
        expect(out.conflicts).toEqual([]);
        expect(out.kept.map((e) => e.seq)).toEqual(Array.from({ length: out.kept.length }, (_, i) => i + 1));
        const keptIds = new Map(out.kept.map((e) => [e.seq, e.id]));
        for (const b of out.acked) for (const e of b.entries) expect(keptIds.get(e.seq), `seed ${seed}: acked ${e.id}`).toBe(e.id);
        for (const [k, n] of Object.entries(out.verdicts)) seen[k] = (seen[k] ?? 0) + n;
        seen.takeovers = (seen.takeovers ?? 0) + holders - 1;
        seen.renewals = (seen.renewals ?? 0) + out.renewals;
      }),
      { numRuns: 300 },
    );
    // The runs met every case the rules are for.
    for (const k of ["kept", "repeat", "late", "takeovers", "renewals"]) expect(seen[k], k).toBeGreaterThan(10);
    expect(seen.after_late).toBeGreaterThan(0);
  });
});

const LEASE_MS = 20_000;
const MARGIN_MS = 3_000;
const PUT_TIMEOUT_MS = 1_000;
const RENEW_BEFORE_MS = 10_000;

/**
 * One document through `holders` successive holders, each with a clock off by up to half the
 * skew: it sequences batches one after another until its deadline (its lease's expiry less the
 * margin), puts each (slow puts time out and are retried, the same record; a put may land late,
 * twice, or never) and counts it acknowledged only if a put returned before its deadline by its
 * clock; a pause can carry it past that. With `renew`, as DocLeaseStore does, every acquire
 * raises the epoch, renewals too: once less than RENEW_BEFORE_MS is left, the holder renews (a renewal may fail:
 * it keeps its lease and deadline), and its later batches carry the new epoch and deadline. The
 * next holder takes the lease when it has expired by its own clock and reads the head the writer
 * has kept by then (past the old deadline plus the skew: settled). Then the writer runs over
 * every record in arrival order.
 */
function simulate(seed: number, holders: number, renew: boolean) {
  const rng = prng(seed);
  const arrivals: Array<{ r: StreamedBatch; order: number }> = [];
  const acked: LogBatch[] = [];
  let order = 0;
  let start = 0; // true time
  let head = 0;
  let epoch = 0;
  let renewals = 0;
  for (let h = 1; h <= holders; h++) {
    const offset = rng.int(SKEW + 1) - SKEW / 2; // holder clock = true time + offset
    epoch++;
    let expiresAt = start + offset + LEASE_MS;
    let deadline = expiresAt - MARGIN_MS;
    let t = start;
    let next = head + 1;
    for (;;) {
      t += rng.int(10) === 0 ? rng.int(12_000) : 20 + rng.int(400); // a pause now and then
      if (t + offset >= deadline) break;
      if (renew && expiresAt - (t + offset) < RENEW_BEFORE_MS && rng.int(4) !== 0) {
        // A renewal (one in four fails: the lease runs on to its expiry).
        epoch++;
        renewals++;
        expiresAt = t + offset + LEASE_MS;
        deadline = expiresAt - MARGIN_MS;
      }
      const b = batch(next, 1 + rng.int(3), `h${h}`);
      const [putEpoch, putDeadline] = [epoch, deadline];
      let ok = false;
      for (let sent = t; sent + offset < putDeadline; ) {
        const lost = rng.int(20) === 0;
        const d1 = rng.int(8) === 0 ? 100 + rng.int(8_000) : 1 + rng.int(50);
        const d2 = 1 + rng.int(50);
        if (!lost) arrivals.push({ r: { batch: b, epoch: putEpoch, deadline: putDeadline, arrivedAt: sent + d1 }, order: order++ });
        if (!lost && d1 + d2 <= PUT_TIMEOUT_MS) {
          t = sent + d1 + d2;
          ok = t + offset < putDeadline;
          break;
        }
        sent += PUT_TIMEOUT_MS; // timed out: the same record again
        t = sent;
      }
      if (!ok) break; // not known: its clients resend to the next holder; this holder stops
      acked.push(b);
      next = b.seqEnd + 1;
    }
    // The next holder: the lease expired by its clock, and the writer has applied everything up to then.
    const nextOffset = rng.int(SKEW + 1) - SKEW / 2;
    start = expiresAt - nextOffset + 1;
    head = replay(arrivals.filter((a) => a.r.arrivedAt <= start)).head;
  }
  const all = replay(arrivals);
  return { ...all, acked, renewals };
}

function replay(arrivals: Array<{ r: StreamedBatch; order: number }>) {
  const w = new DocLogWriter({ head: 0, headEpoch: 0 }, SKEW);
  const conflicts: string[] = [];
  const verdicts: Record<string, number> = {};
  const sorted = [...arrivals].sort((a, b) => a.r.arrivedAt - b.r.arrivedAt || a.order - b.order);
  for (const { r } of sorted) {
    const v = w.offer(r);
    verdicts[v.kind] = (verdicts[v.kind] ?? 0) + 1;
    if (v.kind === "conflict") conflicts.push(v.reason);
  }
  return { head: w.kept.head, kept: w.takeBatches().flatMap((b) => b.entries), conflicts, verdicts };
}
