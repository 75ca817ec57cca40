import { describe, expect, it } from "vitest";
import type { DocRef } from "../../src/doc-ref.js";
import { MetricsRecorder } from "../../src/metrics/recorder.js";
import { ManualClock } from "../../src/ports/clock.js";
import { MemoryInboxStore } from "../../src/ports/memory/inbox-store.js";
import { MemoryLogStore } from "../../src/ports/memory/log-store.js";
import { MemoryMetricsStore } from "../../src/ports/memory/metrics-store.js";
import { MemoryQuarantineStore } from "../../src/ports/memory/quarantine-store.js";
import { MemorySequencerStateStore } from "../../src/ports/memory/sequencer-state-store.js";
import { MemoryTimerStore } from "../../src/ports/memory/timer-store.js";
import type { Rejection } from "../../src/ports/records.js";
import { DEFAULT_SEQUENCER_CONFIG, Sequencer, type RejectionNotices } from "../../src/sequencer/sequencer.js";
import { changeOf, newDoc } from "../conformance/fixtures.js";

function setup(notices?: RejectionNotices) {
  const lines: Record<string, unknown>[] = [];
  const state = new MemorySequencerStateStore();
  const log = new MemoryLogStore();
  const sequencer = new Sequencer({
    inbox: new MemoryInboxStore(),
    log,
    state,
    timers: new MemoryTimerStore(),
    quarantine: new MemoryQuarantineStore(),
    clock: new ManualClock(1_760_000_000_000),
    metrics: new MetricsRecorder(new MemoryMetricsStore(), () => {}),
    logSink: (l) => lines.push(l),
    config: DEFAULT_SEQUENCER_CONFIG,
    notices,
  });
  return { sequencer, state, log, lines };
}

describe("rejection notices", () => {
  it("are given each rejected op with its submitter, once per run, after the rejections are stored", async () => {
    const calls: Array<{ doc: DocRef; rejections: Rejection[]; stored: boolean }> = [];
    const h = setup({
      async rejected(doc, rejections) {
        calls.push({ doc, rejections, stored: (await h.state.getRejection(doc, rejections[0].opId)) !== undefined });
      },
    });
    const doc = newDoc();
    const ok = changeOf(doc, { clientId: "good", userId: "ann" });
    const ahead = changeOf(doc, { clientId: "bad", userId: "bob", base: 99 });
    await h.sequencer.process(doc, [{ kind: "change", change: ok }, { kind: "change", change: ahead }]);
    expect(calls).toHaveLength(1);
    expect(calls[0].doc).toEqual(doc);
    expect(calls[0].stored).toBe(true);
    expect(calls[0].rejections.map((r) => [r.opId, r.userId, r.reason])).toEqual(
      ahead.ops.map((op) => [op.id, "bob", "base_ahead_of_head"]),
    );
    // ann's change created the document: its owner entry (seq 1), then her ops.
    expect((await h.log.head(doc)).seq).toBe(1 + ok.ops.length);
    expect((await h.log.entries(doc, 0, 1))[0]).toMatchObject({ seq: 1, id: "~owner", clientId: "good", clientSeq: 0, userId: "ann", type: "acl", targetUserId: "ann", role: "owner" });
    // A run without rejections tells nobody (ann owns the document).
    await h.sequencer.process(doc, [{ kind: "change", change: changeOf(doc, { clientId: "good2", userId: "ann" }) }]);
    expect(calls).toHaveLength(1);
  });

  it("are given the access gate's rejections too (forbidden), with the submitter who lacked the role", async () => {
    const calls: Rejection[][] = [];
    const h = setup({ rejected: async (_doc, rejections) => void calls.push(rejections) });
    const doc = newDoc();
    await h.sequencer.process(doc, [{ kind: "change", change: changeOf(doc, { clientId: "ann-c", userId: "ann" }) }]);
    const stranger = changeOf(doc, { clientId: "bob-c", userId: "bob", base: 4 });
    await h.sequencer.process(doc, [{ kind: "change", change: stranger }]);
    expect(calls).toHaveLength(1);
    expect(calls[0].map((r) => [r.opId, r.userId, r.reason])).toEqual(stranger.ops.map((op) => [op.id, "bob", "forbidden"]));
    expect((await h.log.head(doc)).seq).toBe(4); // ann's owner entry and her 3 ops only
  });

  it("a failing notice is logged and never fails the run", async () => {
    const h = setup({ rejected: async () => Promise.reject(new Error("gateway down")) });
    const doc = newDoc();
    const ahead = changeOf(doc, { userId: "bob", base: 5 });
    await h.sequencer.process(doc, [{ kind: "change", change: ahead }]);
    expect(await h.state.getRejection(doc, ahead.ops[0].id)).toMatchObject({ userId: "bob", reason: "base_ahead_of_head" });
    expect(h.lines).toContainEqual(
      expect.objectContaining({ kind: "rejection_notice_failed", docId: doc.docId, ops: ahead.ops.length, message: "gateway down" }),
    );
  });
});
