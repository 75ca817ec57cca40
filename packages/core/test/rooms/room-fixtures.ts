/** Room tasks over shared in-memory stores, for the room tier's core tests. */
import { AclReader } from "../../src/access/acl-reader.js";
import { DEFAULT_ACCESS_POLICY } from "../../src/access/access-policy.js";
import type { DocRef } from "../../src/doc-ref.js";
import type { Principal } from "../../src/ingest/ingest-change.js";
import { MetricsRecorder } from "../../src/metrics/recorder.js";
import { ManualClock } from "../../src/ports/clock.js";
import { MemoryInboxStore } from "../../src/ports/memory/inbox-store.js";
import { MemoryLogStore } from "../../src/ports/memory/log-store.js";
import { MemoryMetricsStore } from "../../src/ports/memory/metrics-store.js";
import { MemoryQuarantineStore } from "../../src/ports/memory/quarantine-store.js";
import { MemorySequencerStateStore } from "../../src/ports/memory/sequencer-state-store.js";
import { MemoryTimerStore } from "../../src/ports/memory/timer-store.js";
import type { LogStore } from "../../src/ports/log-store.js";
import type { LogBatch } from "../../src/ports/records.js";
import { RoomSequencer, type CommitDelay, type RoomSequencerDeps } from "../../src/rooms/room-sequencer.js";
import { DEFAULT_SEQUENCER_CONFIG, Sequencer } from "../../src/sequencer/sequencer.js";

/** Shared stores (one DynamoDB on AWS); each `task` is a RoomSequencer of its own, as on its own container. */
export function stores() {
  const clock = new ManualClock(1_760_000_000_000);
  const log = new MemoryLogStore();
  const state = new MemorySequencerStateStore();
  const quarantine = new MemoryQuarantineStore();
  const durableInbox = new MemoryInboxStore();
  const metrics = new MetricsRecorder(new MemoryMetricsStore(), () => {});
  const lines: Record<string, unknown>[] = [];
  const task = (
    o: { log?: LogStore; deliver?: (doc: DocRef, batches: LogBatch[]) => Promise<void>; publish?: (batches: LogBatch[]) => Promise<void>; commitDelay?: CommitDelay; now?: () => number; ownership?: RoomSequencerDeps["ownership"]; streamCommit?: (batches: LogBatch[]) => Promise<void> } = {},
  ) => {
    const delivered: LogBatch[] = [];
    const used = o.log ?? log;
    const room = new RoomSequencer({
      sequencer: {
        log: used,
        state,
        timers: new MemoryTimerStore(),
        quarantine,
        clock,
        metrics,
        logSink: (l) => lines.push(l),
        config: DEFAULT_SEQUENCER_CONFIG,
      },
      ingest: { state, quarantine, clock, metrics, acls: new AclReader({ state, log: used }), accessPolicy: async () => DEFAULT_ACCESS_POLICY },
      durableInbox,
      deliver: o.deliver ?? (async (_doc, batches) => void delivered.push(...batches)),
      ...(o.publish ? { publish: o.publish } : {}),
      ...(o.commitDelay ? { commitDelay: o.commitDelay } : {}),
      ...(o.now ? { now: o.now } : {}),
      ...(o.ownership ? { ownership: o.ownership } : {}),
      ...(o.streamCommit ? { streamCommit: o.streamCommit } : {}),
      logSink: (l) => lines.push(l),
    });
    return { room, delivered };
  };
  /** The sequencer function as the functions run it: over the durable inbox and the same stores. */
  const sequencerFunction = () =>
    new Sequencer({ inbox: durableInbox, log, state, timers: new MemoryTimerStore(), quarantine, clock, metrics, logSink: (l) => lines.push(l), config: DEFAULT_SEQUENCER_CONFIG });
  return { log, state, quarantine, lines, task, durableInbox, clock, sequencerFunction };
}

export const ann: Principal = { tenant: "t", userId: "ann", admin: false };
let docs = 0;
export const newDoc = (): DocRef => ({ tenant: "t", docId: `room-${Date.now().toString(36)}-${docs++}` });
export const body = (clientId: string, seq: number, base: number, text = "a", n = 1) =>
  JSON.stringify({ clientId, base, ops: Array.from({ length: n }, (_, k) => ({ id: `${clientId}-${seq + k}`, seq: seq + k, type: "insert", pos: 0, text })) });

export async function allEntries(log: LogStore, doc: DocRef) {
  return log.entries(doc, 0, 10_000);
}

