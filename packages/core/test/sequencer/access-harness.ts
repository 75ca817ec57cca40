import { logRange } from "../../src/materialize/log-range.js";
import { DocStates } from "../../src/materialize/doc-states.js";
import { materialize, type DocState } from "../../src/materialize/state.js";
import { MetricsRecorder } from "../../src/metrics/recorder.js";
import type { LogEntry, Op } from "../../src/ops/types.js";
import { ManualClock } from "../../src/ports/clock.js";
import { MemoryDocStateStore } from "../../src/ports/memory/doc-state-store.js";
import { MemoryInboxStore } from "../../src/ports/memory/inbox-store.js";
import { MemoryLogStore } from "../../src/ports/memory/log-store.js";
import { MemoryMetricsStore } from "../../src/ports/memory/metrics-store.js";
import { MemoryQuarantineStore } from "../../src/ports/memory/quarantine-store.js";
import { MemorySequencerStateStore } from "../../src/ports/memory/sequencer-state-store.js";
import { MemoryTimerStore } from "../../src/ports/memory/timer-store.js";
import type { InboxChange, Rejection } from "../../src/ports/records.js";
import { DEFAULT_SEQUENCER_CONFIG, Sequencer, type SequencerDeps } from "../../src/sequencer/sequencer.js";
import { DEFAULT_ACCESS_POLICY, type AccessPolicy } from "../../src/access/access-policy.js";
import { changeOf, newDoc } from "../conformance/fixtures.js";
import { faulty, InjectedCrash } from "./faulty.js";

export type OpBody = Record<string, unknown> & { type: Op["type"] };

/** Who sends a change: a user, their token's groups, tenant admin or not. */
export interface Sender {
  userId: string;
  groups?: string[];
  admin?: boolean;
}

/**
 * A sequencer on memory stores for one document, with the rejection notices it sends. With
 * `states` the sequencer reads materialized states (kept only as current as `catchUp` makes
 * them, so they may lag the log); without, it replays the log when it needs an ACL the state
 * store does not hold. `crashRate` > 0 makes writes fail (before or after they happen) and each
 * run is retried until it goes through, as the stream would. `policy` is the tenant's;
 * `accessAudit` is the sequencer's access audit hook. `logs` collects the sequencer's log lines.
 */
export function accessRig(opts: {
  states: boolean;
  maxBatchEntries?: number;
  crashRate?: number;
  seed?: number;
  policy?: AccessPolicy;
  accessAudit?: SequencerDeps["accessAudit"];
}) {
  const log = new MemoryLogStore();
  const clock = new ManualClock(1_760_000_000_000);
  const docStates = new DocStates({ log, store: new MemoryDocStateStore(), clock });
  const notices: Rejection[] = [];
  const logs: Record<string, unknown>[] = [];
  const state = new MemorySequencerStateStore();
  const ports = { inbox: new MemoryInboxStore(), log, state, timers: new MemoryTimerStore(), quarantine: new MemoryQuarantineStore() };
  const io = opts.crashRate ? faulty(ports, { seed: opts.seed ?? 1, rate: opts.crashRate }) : ports;
  let policy = opts.policy ?? DEFAULT_ACCESS_POLICY;
  const sequencer = new Sequencer({
    ...io,
    clock,
    metrics: new MetricsRecorder(new MemoryMetricsStore(), () => {}),
    logSink: (line) => void logs.push(line),
    config: { ...DEFAULT_SEQUENCER_CONFIG, maxBatchEntries: opts.maxBatchEntries ?? DEFAULT_SEQUENCER_CONFIG.maxBatchEntries },
    notices: { rejected: async (_doc, r) => void notices.push(...r) },
    accessPolicy: async () => policy,
    ...(opts.states ? { states: docStates } : {}),
    ...(opts.accessAudit ? { accessAudit: opts.accessAudit } : {}),
  });
  const doc = newDoc();
  const seqs = new Map<string, number>();
  return {
    doc,
    log,
    /** The sequencer's state store (rejections, the stored ACL). */
    store: state,
    notices,
    logs,
    setPolicy(p: AccessPolicy): void {
      policy = p;
    },
    /** `who`'s next change (client `<userId>-c`, op ids `<userId>-<seq>`), based on the head now. */
    async change(who: string | Sender, bodies: OpBody[]): Promise<InboxChange> {
      const s: Sender = typeof who === "string" ? { userId: who } : who;
      const userId = s.userId;
      const firstSeq = (seqs.get(userId) ?? 0) + 1;
      seqs.set(userId, firstSeq + bodies.length - 1);
      const ops = bodies.map((b, k) => ({ id: `${userId}-${firstSeq + k}`, seq: firstSeq + k, ...b }) as Op);
      return changeOf(doc, {
        clientId: `${userId}-c`,
        userId,
        ...(s.groups?.length ? { groups: s.groups } : {}),
        ...(s.admin ? { admin: true } : {}),
        base: (await log.head(doc)).seq,
        firstSeq,
        ops,
      });
    },
    /** One sequencing run over `changes`, in order (retried after injected crashes, as the stream retries). */
    async run(...changes: InboxChange[]): Promise<void> {
      clock.advance(1000);
      for (let attempt = 0; ; attempt++) {
        try {
          await sequencer.process(doc, changes.map((change) => ({ kind: "change" as const, change })));
          return;
        } catch (err) {
          if (!(err instanceof InjectedCrash) || attempt > 50) throw err;
        }
      }
    },
    async entries(): Promise<LogEntry[]> {
      return logRange(log, doc, 0, Number.MAX_SAFE_INTEGER);
    },
    async state(): Promise<DocState> {
      return materialize(await logRange(log, doc, 0, Number.MAX_SAFE_INTEGER));
    },
    /** Materializes everything committed so far. */
    async catchUp(): Promise<void> {
      await docStates.apply(doc, await log.batchesAfter(doc, 0));
    },
  };
}

export const comment = (threadId = "t1", body = "hi"): OpBody => ({ type: "comment", threadId, body });
export const uncomment = (commentId: string, threadId = "t1"): OpBody => ({ type: "uncomment", threadId, commentId });
export const acl = (userId: string, role: string): OpBody => ({ type: "acl", userId, role });
export const groupAcl = (groupId: string, role: string): OpBody => ({ type: "acl", groupId, role });
export const everyoneAcl = (role: string): OpBody => ({ type: "acl", everyone: true, role });
export const reaction = (commentId: string, threadId = "t1", emoji = "👍"): OpBody => ({ type: "reaction", threadId, commentId, emoji });
export const task = (taskId = "k1"): OpBody => ({ type: "task", taskId, assignee: "bob", title: "Do it" });
export const insert = (text = "x"): OpBody => ({ type: "insert", pos: 0, text });
