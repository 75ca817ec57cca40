import { expect } from "vitest";
import {
  DEFAULT_SEQUENCER_CONFIG,
  ManualClock,
  MetricsRecorder,
  Sequencer,
  applyText,
  checkApplicable,
  type CanonicalOp,
  type DocRef,
  type InboxChange,
  type LogEntry,
  type LogStore,
  type Op,
  type QuarantineStore,
  type SequencerConfig,
  type SequencerHeads,
  type SequencerStateStore,
  type TimerStore,
} from "../../src/index.js";
import type { AccessPolicy } from "../../src/access/access-policy.js";
import { CREATION_EVERYONE_ID, CREATION_OWNER_ID } from "../../src/access/access-gate.js";
import { canonicalOfEntry } from "../../src/sequencer/canonical.js";
import { MemoryInboxStore, MemoryMetricsStore } from "../../src/ports/memory/index.js";
import { faulty, type FaultPlan } from "./faulty.js";
import { prng } from "../../src/prng.js";

/**
 * A seeded, replayable simulation of the sequencing pipeline (ingest -> inbox stream ->
 * sequencer, timers -> wake-ups) over any storage adapters, with optional injected crashes.
 * The property test runs it on the memory adapters; the DynamoDB suite on DynamoDB Local.
 */
export interface SequencerPorts {
  log: LogStore;
  state: SequencerStateStore;
  timers: TimerStore;
  quarantine: QuarantineStore;
  /**
   * The run's first reads, one per simulated process: with several, each stream delivery goes
   * to one of them at random (a room task with its caches and the sequencer function, say).
   * Absent: one process reading `state` and `log` (composedHeads).
   */
  heads?: SequencerHeads[];
}

/**
 * The simulated tenant's access policy: every member edits new documents. Many users write to
 * one document here, and what is under test is ordering, not roles (access-gate.test.ts is).
 * The document's first committed change therefore commits two creation entries first: its
 * author's owner entry (seq 1) and the everyone-editor entry (seq 2).
 */
export const SIMULATED_POLICY: AccessPolicy = { newDocumentEveryone: "editor", editorsCanShare: false };

/** Every client's changes, made up front: inserts and deletes near the start, and tasks. */
export function makeChanges(seed: number, doc: DocRef): InboxChange[] {
  const r = prng(seed);
  const out: InboxChange[] = [];
  const clients = 2 + r.int(3);
  for (let c = 0; c < clients; c++) {
    let seq = 0;
    for (let k = 0, n = 2 + r.int(5); k < n; k++) {
      const ops: Op[] = [];
      for (let i = 0, m = 1 + r.int(3); i < m; i++) {
        const id = `c${c}-${++seq}`;
        const roll = r.next();
        if (roll < 0.65) ops.push({ id, seq, type: "insert", pos: r.int(3), text: r.pick(["a", "bc", "🌍", "xyz"]) });
        else if (roll < 0.9) ops.push({ id, seq, type: "delete", pos: r.int(3), len: 1 + r.int(2) });
        else ops.push({ id, seq, type: "task", taskId: `t${c}`, assignee: "u", title: `task ${seq}` });
      }
      out.push({
        doc,
        clientId: `c${c}`,
        userId: `u${c}`,
        base: r.int(3) === 0 ? 0 : k,
        firstSeq: ops[0].seq,
        lastSeq: ops[ops.length - 1].seq,
        ops,
        acceptedAt: 0,
        skewed: 0,
      });
    }
  }
  return out;
}

/** Arrival order: shuffled, with some changes sent twice and (when allowed) some never sent. */
export function arrivals(seed: number, changes: InboxChange[], dropSome: boolean): InboxChange[] {
  const r = prng(seed ^ 0x5eed);
  const out: InboxChange[] = [];
  for (const ch of changes) {
    if (dropSome && r.next() < 0.08) continue;
    out.push(ch);
    if (r.next() < 0.25) out.push(ch);
  }
  for (let i = out.length - 1; i > 0; i--) {
    const j = r.int(i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

export interface Outcome {
  log: LogEntry[];
  rejected: Map<string, string>;
}

/** What the runs went through, so the property cannot pass vacuously. */
export const seen = { crashes: 0, gapRejections: 0, transformed: 0, outOfRange: 0 };

/** Runs the pipeline (ingest -> inbox stream -> sequencer, timers -> wake-ups) in process. */
export async function simulate(
  seed: number,
  order: InboxChange[],
  faults: FaultPlan | undefined,
  real: SequencerPorts,
  config: SequencerConfig = DEFAULT_SEQUENCER_CONFIG,
): Promise<Outcome> {
  const r = prng(seed ^ 0xfa17);
  const doc = order[0].doc;
  const clock = new ManualClock(1_000_000);
  const inbox = new MemoryInboxStore();
  const ports = faults ? faulty(real, faults) : real;
  const { heads: variants, ...stores } = ports;
  const sequencers = (variants ?? [undefined]).map(
    (heads) =>
      new Sequencer({
        inbox,
        ...stores,
        ...(heads ? { heads } : {}),
        clock,
        metrics: new MetricsRecorder(new MemoryMetricsStore(), () => {}),
        logSink: () => {},
        config,
        accessPolicy: async () => SIMULATED_POLICY,
      }),
  );
  // Its own random source, so that which process runs changes nothing else of the simulation.
  const processes = prng(seed ^ 0x9e37);
  const pick = () => (sequencers.length === 1 ? sequencers[0] : sequencers[processes.int(sequencers.length)]);
  // Lambda semantics: a failed batch is delivered again, in full, until it succeeds.
  const deliver = async () => {
    const records = inbox.drain();
    for (let i = 0; i < records.length; ) {
      const batch = records.slice(i, (i += 1 + r.int(4)));
      const deliveries = r.next() < 0.1 ? 2 : 1; // sometimes the stream delivers a batch twice
      for (let d = 0; d < deliveries; d++) {
        for (let attempt = 0; ; attempt++) {
          try {
            await pick().process(doc, batch);
            break;
          } catch (err) {
            if (!faults || attempt > 200) throw err;
            seen.crashes++;
          }
        }
      }
    }
  };
  const tick = async () => {
    for (const t of await real.timers.due(clock.now(), 100)) {
      await inbox.wake(t.doc, t.dueAt);
      await real.timers.remove(t.doc, t.dueAt);
    }
    await deliver();
  };
  for (const ch of order) {
    await inbox.put({ ...ch, acceptedAt: clock.now() });
    if (r.next() < 0.5) await deliver();
    clock.advance(r.int(700));
    await tick();
  }
  await deliver();
  clock.advance(DEFAULT_SEQUENCER_CONFIG.holdWindowMs + 1);
  await tick();
  const log = await real.log.entries(doc, 0, 1_000_000);
  const rejected = new Map<string, string>();
  for (const ch of order) {
    for (const op of ch.ops) {
      const rej = await real.state.getRejection(doc, op.id);
      if (rej) rejected.set(op.id, rej.reason);
    }
  }
  for (const reason of rejected.values()) {
    if (reason === "client_seq_gap_expired") seen.gapRejections++;
    if (reason === "position_out_of_range") seen.outOfRange++;
  }
  const sent = new Map(order.flatMap((ch) => ch.ops.map((op) => [op.id, op] as const)));
  for (const e of log) if ("pos" in e && (sent.get(e.id) as { pos?: number } | undefined)?.pos !== e.pos) seen.transformed++;
  return { log, rejected };
}

export function checkInvariants(order: InboxChange[], out: Outcome) {
  const { log, rejected } = out;
  // Per-document order: 1..N, no gap, no repeat.
  expect(log.map((e) => e.seq)).toEqual(log.map((_, i) => i + 1));
  // Exactly once.
  expect(new Set(log.map((e) => e.id)).size).toBe(log.length);
  // Creation: the first committed change made the document, so the log starts with its
  // author's owner entry and the everyone entry (clientSeq 0, the change's client and time),
  // then that change's first op. No other acl entry (no client sends one).
  const creation = log.length > 0 ? 2 : 0;
  if (log.length > 0) {
    expect(log.length).toBeGreaterThan(creation);
    const first = log[creation];
    const envelope = { clientId: first.clientId, clientSeq: 0, userId: first.userId, serverTs: first.serverTs, type: "acl" };
    expect(log[0]).toEqual({ ...envelope, seq: 1, id: CREATION_OWNER_ID, role: "owner", targetUserId: first.userId });
    expect(log[1]).toEqual({ ...envelope, seq: 2, id: CREATION_EVERYONE_ID, role: SIMULATED_POLICY.newDocumentEveryone, everyone: true });
  }
  expect(log.slice(creation).filter((e) => e.type === "acl")).toEqual([]);
  // Per-client order (of the clients' own ops).
  const perClient = new Map<string, number>();
  for (const e of log.slice(creation)) {
    expect(e.clientSeq).toBeGreaterThan(perClient.get(e.clientId) ?? 0);
    perClient.set(e.clientId, e.clientSeq);
  }
  // Every committed op applies cleanly in seq order.
  let text = "";
  for (const e of log) {
    const op: CanonicalOp = canonicalOfEntry(e);
    expect(checkApplicable(op, [...text].length)).toBeNull();
    text = applyText(text, op);
  }
  // Nothing made up: every committed op past the creation entries is one that was sent.
  const sent = new Set(order.flatMap((ch) => ch.ops.map((op) => op.id)));
  for (const e of log.slice(creation)) expect(sent.has(e.id), `op ${e.id}`).toBe(true);
  // Nothing lost: every sent op is committed or rejected with a reason (never both).
  const committed = new Set(log.map((e) => e.id));
  for (const ch of order) {
    for (const op of ch.ops) {
      expect(committed.has(op.id) !== rejected.has(op.id), `op ${op.id}`).toBe(true);
    }
  }
  // Never an access rejection (`forbidden`): everyone edits (SIMULATED_POLICY).
  const known = ["base_ahead_of_head", "position_out_of_range", "client_seq_gap_expired"];
  for (const reason of rejected.values()) expect(known).toContain(reason);
}
