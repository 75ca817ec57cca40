import { describe, expect, it } from "vitest";
import { WeftError } from "../../src/errors.js";
import { MemoryDocLeaseStore } from "../../src/ports/memory/doc-lease-store.js";
import type { LogBatch } from "../../src/ports/records.js";
import { ABANDONED_OWNER, DocOwnership, OWNERSHIP } from "../../src/rooms/doc-ownership.js";
import { type ChangeForwarder } from "../../src/rooms/room-sequencer.js";
import { LEASE_MARGIN_MS } from "../../src/rooms/stream-commit.js";
import { DocLogWriter, LOG_WRITER_SKEW_MS, packItems, type StreamedBatch } from "../../src/log/log-writer.js";
import { allEntries, ann, body, newDoc, stores } from "./room-fixtures.js";

/**
 * A holder committing through the committed stream (docs/durable-order.md, step 3: RoomSequencer
 * `streamCommit`, stream-commit.ts): a run's batches are committed by their put, stamped with
 * the lease, and the log is not written; a put that returns past the holder's deadline, or
 * fails, leaves its changes "not known" (`unavailable`: their clients resend) and the task
 * abandons the document until its lease expires, then takes it again under a new epoch.
 */
const T0 = 1_760_000_000_000;
const noForwards: ChangeForwarder = { forward: async () => Promise.reject(new Error("no other task in this test")) };

function streamHolder() {
  const s = stores();
  const lease = { now: T0 };
  const leases = new MemoryDocLeaseStore();
  const ownership = new DocOwnership({ leases, self: { owner: "a", address: "a:1" }, now: () => lease.now });
  const stream: LogBatch[] = [];
  /** What the committed stream took, with its arrival time (the lease clock stands in for the stream's). */
  const arrivals: StreamedBatch[] = [];
  const published: LogBatch[] = [];
  /** What the next commit does before it resolves (the test moves the clock, or fails it). */
  const next: { before?: () => void } = {};
  const t = s.task({
    ownership: { ownership, forwarder: noForwards, maxWaitMs: 0, quietMs: 0 },
    commitDelay: { delayMs: 0, busyMs: 0 },
    publish: async (b) => void published.push(...b),
    streamCommit: async (b) => {
      const before = next.before;
      next.before = undefined;
      before?.();
      stream.push(...b);
      for (const x of b) arrivals.push({ batch: x, epoch: x.lease!.epoch, deadline: x.lease!.deadline, arrivedAt: lease.now });
    },
  });
  /** The log writer over everything the stream took: what it keeps, appended to the log (what a taker's settled read sees). */
  const writeLog = async (doc: { tenant: string; docId: string }) => {
    const w = new DocLogWriter({ head: (await s.log.head(doc)).seq, headEpoch: 0, loaded: true }, LOG_WRITER_SKEW_MS);
    for (const a of arrivals) if (a.batch.doc.docId === doc.docId) w.offer(a);
    for (const item of packItems(w.takeBatches(), 300_000)) await s.log.append(item);
  };
  return { s, lease, leases, ownership, stream, published, next, writeLog, ...t };
}

describe("stream commit", () => {
  it("commits a held document's runs by their put, with the lease, and writes no log; delivers them; publishes nothing twice", async () => {
    const h = streamHolder();
    const doc = newDoc();
    expect(await h.room.submit(ann, doc, body("c", 1, 0))).toEqual([{ id: "c-1", status: "accepted" }]);
    expect(await h.room.submit(ann, doc, body("c", 2, 2))).toEqual([{ id: "c-2", status: "accepted" }]);
    const lease = (await h.leases.get(doc))!;
    expect(h.stream.map((b) => [b.seqStart, b.seqEnd, b.lease, b.deliveredLive])).toEqual([
      [1, 2, { epoch: lease.epoch, deadline: lease.expiresAt - LEASE_MARGIN_MS }, true],
      [3, 3, { epoch: lease.epoch, deadline: lease.expiresAt - LEASE_MARGIN_MS }, true],
    ]);
    expect(await allEntries(h.s.log, doc)).toEqual([]);
    expect(h.delivered.map((b) => b.seqEnd)).toEqual([2, 3]);
    expect(h.published).toEqual([]);
    // A resend is answered from the holder's own state: duplicate, nothing put again.
    expect(await h.room.submit(ann, doc, body("c", 2, 2))).toEqual([{ id: "c-2", status: "duplicate" }]);
    expect(h.stream).toHaveLength(2);
  });

  for (const [what, before, kept] of [
    // Past the holder's deadline, yet in time for the writer (within the skew): kept, so the resend commits nothing new.
    ["returns past the holder's deadline", (h: ReturnType<typeof streamHolder>) => () => void (h.lease.now += OWNERSHIP.leaseMs - LEASE_MARGIN_MS), true],
    ["fails", () => () => { throw new Error("kinesis refused 1 of 1 committed records after 5 tries (ProvisionedThroughputExceededException)"); }, false],
  ] as const) {
    it(`a commit that ${what}: the change is not known (unavailable), nothing delivered, the document abandoned until its lease expires, then taken under a new epoch`, async () => {
      const h = streamHolder();
      const doc = newDoc();
      await h.room.submit(ann, doc, body("c", 1, 0));
      const held = (await h.leases.get(doc))!;
      h.next.before = before(h);
      const failed = await h.room.submit(ann, doc, body("c", 2, 2)).catch((e: unknown) => e);
      expect(failed).toBeInstanceOf(WeftError);
      expect((failed as WeftError).code).toBe("unavailable");
      expect((failed as WeftError).message).toMatch(/not known/);
      expect(h.delivered.map((b) => b.seqEnd)).toEqual([2]);
      expect(h.ownership.writable(doc)).toBe(false);
      expect(await h.ownership.route(doc)).toMatchObject({ here: false, owner: ABANDONED_OWNER, expiresAt: held.expiresAt });
      // Nothing renewed meanwhile, and a change waits (here: maxWaitMs 0, so unavailable at once).
      await expect(h.room.submit(ann, doc, body("c", 2, 2))).rejects.toMatchObject({ code: "unavailable" });
      expect((await h.leases.get(doc))!.epoch).toBe(held.epoch);
      // Past the expiry, once the log writer has written what the stream holds: taken again under
      // a new epoch, from the settled head; the client's resend is decided from it.
      h.lease.now = held.expiresAt + 1;
      await h.writeLog(doc);
      expect(await h.ownership.route(doc)).toEqual({ here: true });
      const retaken = (await h.leases.get(doc))!;
      expect(retaken.epoch).toBeGreaterThan(held.epoch);
      const streamed = h.stream.length;
      // Accepted (the ingest's progress predates the batch) or duplicate: decided once either way.
      expect((await h.room.submit(ann, doc, body("c", 2, 2)))[0].status).toMatch(/^(accepted|duplicate)$/);
      expect(h.stream.length - streamed).toBe(kept ? 0 : 1);
      await h.room.submit(ann, doc, body("c", 3, 3));
      expect(h.stream.at(-1)!.lease!.epoch).toBe(retaken.epoch);
      await h.writeLog(doc);
      const entries = await allEntries(h.s.log, doc);
      expect(entries.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
      expect(entries.filter((e) => e.type !== "acl").map((e) => e.id)).toEqual(["c-1", "c-2", "c-3"]);
    });
  }

  it("a stopping task releases its leases but an abandoned document's: that one runs out", async () => {
    const h = streamHolder();
    const [kept, abandoned] = [newDoc(), newDoc()];
    await h.room.submit(ann, kept, body("c", 1, 0));
    await h.room.submit(ann, abandoned, body("c", 1, 0));
    const live = (await h.leases.get(abandoned))!;
    h.ownership.abandon(abandoned);
    await h.ownership.releaseAll();
    expect((await h.leases.get(kept))!.expiresAt).toBe(0);
    expect(await h.leases.get(abandoned)).toEqual(live);
  });

  it("needs ownership: the lease is the fence of a stream commit", () => {
    const s = stores();
    expect(() => s.task({ streamCommit: async () => undefined })).toThrow(/needs ownership/);
  });
});
