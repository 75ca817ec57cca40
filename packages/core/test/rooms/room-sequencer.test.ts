import { describe, expect, it } from "vitest";
import { WeftError } from "../../src/errors.js";
import type { Principal } from "../../src/ingest/ingest-change.js";
import type { LogStore } from "../../src/ports/log-store.js";
import type { LogBatch } from "../../src/ports/records.js";
import { ROOM_COMMIT_DELAY } from "../../src/rooms/room-sequencer.js";
import { allEntries, ann, body, newDoc, stores } from "./room-fixtures.js";

describe("RoomSequencer", () => {
  it("commits concurrent submits to one document together: fewer log writes than changes, every op once, delivered before the answer", async () => {
    const s = stores();
    const { room, delivered } = s.task();
    const doc = newDoc();
    await room.submit(ann, doc, body("c0", 1, 0));
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        room.submit(ann, doc, body(`c${i + 1}`, 1, 2)).then((r) => ({ r, deliveredAtAnswer: delivered.flatMap((b) => b.entries.map((e) => e.id)) })),
      ),
    );
    for (const [i, a] of answers.entries()) {
      expect(a.r).toEqual([{ id: `c${i + 1}-1`, status: "accepted" }]);
      expect(a.deliveredAtAnswer).toContain(`c${i + 1}-1`);
    }
    const entries = await allEntries(s.log, doc);
    expect(entries.map((e) => e.seq)).toEqual(Array.from({ length: 14 }, (_, i) => i + 1));
    expect(new Set(entries.map((e) => e.id)).size).toBe(14);
    const batches = await s.log.batchesAfter(doc, 0);
    expect(batches.length).toBeLessThanOrEqual(3); // the owner entry + c0, then the 12 in one or two runs
    expect(batches.every((b) => b.deliveredLive === true)).toBe(true);
    expect(delivered.map((b) => b.seqStart)).toEqual(batches.map((b) => b.seqStart));
    expect(room.pendingChanges).toBe(0);
    expect(room.activeDocuments).toBe(0);
  });

  it("answers a repeat of a decided change duplicate and commits nothing twice", async () => {
    const s = stores();
    const { room } = s.task();
    const doc = newDoc();
    expect(await room.submit(ann, doc, body("c", 1, 0, "x", 3))).toEqual(["c-1", "c-2", "c-3"].map((id) => ({ id, status: "accepted" })));
    const again = await room.submit(ann, doc, body("c", 1, 0, "x", 3));
    expect(again.every((r) => r.status === "duplicate" || r.status === "accepted")).toBe(true);
    expect((await allEntries(s.log, doc)).map((e) => e.id)).toEqual(["~owner", "c-1", "c-2", "c-3"]);
  });

  it("refuses a bad change as POST /ops does (invalid_request, quarantined) and keeps nothing in memory", async () => {
    const s = stores();
    const { room } = s.task();
    const doc = newDoc();
    const bad = JSON.stringify({ clientId: "c", base: 0, ops: [{ id: "c-1", seq: 1, type: "insert", pos: -4, text: "a" }] });
    const err = await room.submit(ann, doc, bad).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WeftError);
    expect((err as WeftError).code).toBe("invalid_request");
    expect(room.pendingChanges).toBe(0);
    expect(await s.log.head(doc)).toEqual({ seq: 0, len: 0 });
    const quarantined = await s.quarantine.list("t", 10);
    expect(quarantined.records.some((q) => q.docId === doc.docId && q.reason === "invalid_request")).toBe(true);
  });

  it("a failed run rejects its submits and forgets their changes, so the resend is taken and committed once", async () => {
    const s = stores();
    let failNext = true;
    const flaky: LogStore = {
      append: (b) => (failNext ? ((failNext = false), Promise.reject(new Error("throttled"))) : s.log.append(b)),
      tail: (d) => s.log.tail(d),
      head: (d) => s.log.head(d),
      entries: (d, a, l) => s.log.entries(d, a, l),
      batchesAfter: (d, a) => s.log.batchesAfter(d, a),
      findOp: (d, id) => s.log.findOp(d, id),
    };
    const { room } = s.task({ log: flaky });
    const doc = newDoc();
    await expect(room.submit(ann, doc, body("c", 1, 0))).rejects.toThrow(/throttled/);
    expect(room.pendingChanges).toBe(0);
    expect(await room.submit(ann, doc, body("c", 1, 0))).toEqual([{ id: "c-1", status: "accepted" }]);
    expect((await allEntries(s.log, doc)).map((e) => e.id)).toEqual(["~owner", "c-1"]);
  });

  it("a run that fails after committing (its state save throws) still delivers what it committed, and its submit is refused", async () => {
    const s = stores();
    const delivered: LogBatch[] = [];
    const save = s.state.save.bind(s.state);
    let failSaves = true;
    s.state.save = (...args: Parameters<typeof save>) => (failSaves ? Promise.reject(new Error("state write failed")) : save(...args));
    const { room } = s.task({ deliver: async (_doc, batches) => void delivered.push(...batches) });
    const doc = newDoc();
    // A document's first change sets its ACL, which the sequencer saves at once, after the log append.
    await expect(room.submit(ann, doc, body("c", 1, 0))).rejects.toThrow(/state write failed/);
    expect(delivered.flatMap((b) => b.entries.map((e) => e.id))).toEqual(["~owner", "c-1"]);
    expect(room.pendingChanges).toBe(0);
    failSaves = false;
    // The resend is judged from the log: nothing is committed twice.
    await room.submit(ann, doc, body("c", 1, 0));
    expect((await allEntries(s.log, doc)).map((e) => e.id)).toEqual(["~owner", "c-1"]);
  });

  it("a failed delivery is logged and the submit still succeeds (the ops are committed)", async () => {
    const s = stores();
    const { room } = s.task({ deliver: async () => Promise.reject(new Error("socket gone")) });
    const doc = newDoc();
    expect(await room.submit(ann, doc, body("c", 1, 0))).toEqual([{ id: "c-1", status: "accepted" }]);
    expect(s.lines).toContainEqual(expect.objectContaining({ kind: "room_deliver_failed", docId: doc.docId, message: "socket gone" }));
    expect((await s.log.head(doc)).seq).toBe(2);
  });

  it("two tasks sequencing one document at once stay gap-free and exactly once (the log's key fence)", async () => {
    const s = stores();
    const a = s.task();
    const b = s.task();
    const doc = newDoc();
    await a.room.submit(ann, doc, body("seed", 1, 0));
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? a.room : b.room).submit(ann, doc, body(`k${i}`, 1, 2, "z", 2))),
    );
    const entries = await allEntries(s.log, doc);
    expect(entries.map((e) => e.seq)).toEqual(Array.from({ length: 42 }, (_, i) => i + 1));
    expect(new Set(entries.map((e) => e.id)).size).toBe(42);
    // Each task delivered exactly what it appended; together, every batch once.
    const seqStarts = [...a.delivered, ...b.delivered].map((x) => x.seqStart).sort((x, y) => x - y);
    expect(seqStarts).toEqual((await s.log.batchesAfter(doc, 0)).map((x) => x.seqStart));
  });

  it("refuses a stranger on an existing document (forbidden) before anything is kept", async () => {
    const s = stores();
    const { room } = s.task();
    const doc = newDoc();
    await room.submit(ann, doc, body("c", 1, 0));
    const bob: Principal = { tenant: "t", userId: "bob", admin: false };
    const err = await room.submit(bob, doc, body("b", 1, 2)).catch((e: unknown) => e);
    expect((err as WeftError).code).toBe("forbidden");
    expect(room.pendingChanges).toBe(0);
    expect((await s.log.head(doc)).seq).toBe(2);
  });

  it("publishes what each run committed to the committed stream after delivering it, without waiting for the put; a failed put is logged and the submits stand", async () => {
    const s = stores();
    const published: LogBatch[] = [];
    const puts: Array<() => void> = [];
    // A put that never settles on its own: the submit must not wait for it.
    const { room, delivered } = s.task({ publish: (batches) => new Promise<void>((resolve) => { published.push(...batches); puts.push(resolve); }) });
    const doc = newDoc();
    expect(await room.submit(ann, doc, body("c", 1, 0))).toEqual([{ id: "c-1", status: "accepted" }]);
    expect(await room.submit(ann, doc, body("c", 2, 2))).toEqual([{ id: "c-2", status: "accepted" }]);
    expect(published.map((b) => [b.seqStart, b.seqEnd])).toEqual(delivered.map((b) => [b.seqStart, b.seqEnd]));
    expect(published.every((b) => b.deliveredLive)).toBe(true);
    expect(published.flatMap((b) => b.entries.map((e) => e.id))).toEqual((await allEntries(s.log, doc)).map((e) => e.id));
    puts.forEach((resolve) => resolve());

    const failing = s.task({ publish: async () => Promise.reject(new Error("throttled")) });
    const other = newDoc();
    expect(await failing.room.submit(ann, other, body("d", 1, 0))).toEqual([{ id: "d-1", status: "accepted" }]);
    await new Promise((r) => setTimeout(r, 0));
    expect(s.lines).toContainEqual(expect.objectContaining({ kind: "room_publish_failed", docId: other.docId, message: "throttled" }));
    expect((await allEntries(s.log, other)).map((e) => e.id)).toContain("d-1");
  });

  describe("commit delay (a busy document's run waits for more changes)", () => {
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

    it("a document that ran within busyMs waits delayMs, and the changes sent meanwhile share one run", async () => {
      const s = stores();
      const { room } = s.task({ commitDelay: { delayMs: 80, busyMs: 10_000 } });
      const doc = newDoc();
      await room.submit(ann, doc, body("c0", 1, 0));
      const before = (await s.log.batchesAfter(doc, 0)).length;
      const started = performance.now();
      // Five changes 10 ms apart: all inside the first one's delay.
      const answers: Array<Promise<unknown>> = [];
      for (let i = 1; i <= 5; i++) {
        answers.push(room.submit(ann, doc, body(`c${i}`, 1, 2)));
        await sleep(10);
      }
      await Promise.all(answers);
      expect(performance.now() - started).toBeGreaterThanOrEqual(75);
      const batches = await s.log.batchesAfter(doc, 0);
      expect(batches.length - before).toBe(1);
      expect((await allEntries(s.log, doc)).map((e) => e.id).slice(-5).sort()).toEqual(["c1-1", "c2-1", "c3-1", "c4-1", "c5-1"]);
    });

    it("a quiet document (no run within busyMs) runs at once, so a lone change is never delayed", async () => {
      const s = stores();
      let now = 0;
      const { room } = s.task({ commitDelay: { delayMs: 60_000, busyMs: 1_000 }, now: () => now });
      const doc = newDoc();
      await room.submit(ann, doc, body("c0", 1, 0)); // first run: never seen, at once
      now += 1_001;
      const started = performance.now();
      expect(await room.submit(ann, doc, body("c1", 1, 2))).toEqual([{ id: "c1-1", status: "accepted" }]);
      expect(performance.now() - started).toBeLessThan(20_000); // the delay would be 60 s
      expect((await allEntries(s.log, doc)).map((e) => e.id)).toEqual(["~owner", "c0-1", "c1-1"]);
    });

    it("delayMs 0 turns it off: each change sent after the last answer is its own run", async () => {
      const s = stores();
      const { room } = s.task({ commitDelay: { delayMs: 0, busyMs: 10_000 } });
      const doc = newDoc();
      for (let i = 0; i < 4; i++) await room.submit(ann, doc, body(`c${i}`, 1, i === 0 ? 0 : i + 1));
      expect((await s.log.batchesAfter(doc, 0)).flatMap((b) => b.entries.map((e) => e.id))).toEqual(["~owner", "c0-1", "c1-1", "c2-1", "c3-1"]);
      expect(await s.log.batchesAfter(doc, 0)).toHaveLength(4);
    });

    it("defaults to 100 ms within a second of the last run", () => {
      expect(ROOM_COMMIT_DELAY).toEqual({ delayMs: 100, busyMs: 1000 });
    });
  });
});

describe("RoomSequencer: a change that arrives ahead of its client's earlier seqs", () => {
  it("is held, answered accepted and kept in the durable inbox, and committed in order once the earlier change arrives", async () => {
    const s = stores();
    const { room, delivered } = s.task();
    const doc = newDoc();
    await room.submit(ann, doc, body("seed", 1, 0));
    // seqs 3-4 before 1-2: held (the run's memory forgets it once decided; the durable inbox keeps it).
    expect(await room.submit(ann, doc, body("c", 3, 1, "b", 2))).toEqual([
      { id: "c-3", status: "accepted" },
      { id: "c-4", status: "accepted" },
    ]);
    expect((await s.durableInbox.get(doc, "c", 3))?.ops.map((op) => op.id)).toEqual(["c-3", "c-4"]);
    expect(await room.submit(ann, doc, body("c", 1, 1, "a", 2))).toEqual([
      { id: "c-1", status: "accepted" },
      { id: "c-2", status: "accepted" },
    ]);
    const ids = (await allEntries(s.log, doc)).filter((e) => e.type !== "acl").map((e) => e.id);
    expect(ids).toEqual(["seed-1", "c-1", "c-2", "c-3", "c-4"]);
    expect(delivered.flatMap((b) => b.entries.map((e) => e.id))).toEqual(expect.arrayContaining(["c-1", "c-2", "c-3", "c-4"]));
    expect(s.lines.filter((l) => l.finding === "held_change_missing")).toEqual([]);
  });

  it("keeps a large held change with its continuation parts, and commits it whole", async () => {
    const s = stores();
    const { room } = s.task();
    const doc = newDoc();
    await room.submit(ann, doc, body("seed", 1, 0));
    // 25 ops of 15 KB (~375 KB): stored as a primary and continuation parts of at most 300 KB.
    const big = body("c", 2, 1, "x".repeat(15_000), 25);
    expect((await room.submit(ann, doc, big)).every((r) => r.status === "accepted")).toBe(true);
    expect((await s.durableInbox.get(doc, "c", 2))?.parts?.length).toBeGreaterThan(0);
    await room.submit(ann, doc, body("c", 1, 1, "a"));
    const ids = (await allEntries(s.log, doc)).filter((e) => e.type !== "acl").map((e) => e.id);
    expect(ids).toEqual(["seed-1", ...Array.from({ length: 26 }, (_, i) => `c-${i + 1}`)]);
  });

  it("is released by the sequencer function at the hold window's end when the earlier change never comes", async () => {
    const s = stores();
    const { room } = s.task();
    const doc = newDoc();
    await room.submit(ann, doc, body("seed", 1, 0));
    await room.submit(ann, doc, body("c", 3, 1, "b", 2));
    expect((await allEntries(s.log, doc)).map((e) => e.id)).not.toContain("c-3");
    // The window's wake goes to the sequencer function, which reads the held change from the durable inbox.
    s.clock.advance(2_500);
    await s.sequencerFunction().process(doc, [{ kind: "wake", wake: { doc, dueAt: s.clock.now() } }]);
    const ids = (await allEntries(s.log, doc)).filter((e) => e.type !== "acl").map((e) => e.id);
    expect(ids).toEqual(["seed-1", "c-3", "c-4"]);
    expect(s.lines.filter((l) => l.finding === "client_seq_gap")).toMatchObject([{ clientId: "c", from: 1, to: 2 }]);
  });
});
