import type { DocRef } from "../doc-ref.js";
import type { LogSink, MetricsRecorder } from "../metrics/recorder.js";
import type { Clock } from "../ports/clock.js";
import type { InboxStore } from "../ports/inbox-store.js";
import type { LogStore } from "../ports/log-store.js";
import type { QuarantineStore } from "../ports/quarantine-store.js";
import type { RejectReason } from "../errors.js";
import type { InboxChange, InboxRecord, Rejection } from "../ports/records.js";
import type { SequencerStateStore } from "../ports/sequencer-state-store.js";
import type { SequencerHead, SequencerHeads } from "../ports/sequencer-heads.js";
import type { TimerStore } from "../ports/timer-store.js";
import { DocRun, LogConflict } from "./doc-run.js";
import type { StateReader } from "../access/acl-at.js";
import type { AccessPolicy } from "../access/access-policy.js";
import type { AccessEvent } from "../audit/access-events.js";

export interface SequencerConfig {
  /** How long a change that arrived ahead of a gap in its client's seqs waits (default 2 s). */
  holdWindowMs: number;
  /** Upper bound of one log batch's entries as JSON (keeps the stored item < 400 KB). */
  maxBatchBytes: number;
  maxBatchEntries: number;
  /**
   * How far (in entries) the stored checkpoint may trail the log head before a run saves the
   * state although the log alone could rebuild it (default LAZY_CHECKPOINT_ENTRIES, 16). A room
   * task, which keeps the batches it wrote, takes ROOM_LAZY_CHECKPOINT_ENTRIES.
   */
  lazyCheckpointEntries?: number;
}

export const DEFAULT_SEQUENCER_CONFIG: SequencerConfig = {
  holdWindowMs: 2000,
  maxBatchBytes: 256 * 1024,
  maxBatchEntries: 2000,
};

/**
 * Tells submitters about their rejected ops (on AWS: over their WebSocket connections). Called
 * once per run that rejected something, after the run is fully persisted (so the rejections
 * are durable and a LogConflict retry does not tell twice); best effort: a failure is logged
 * and never fails the run (the receipt API stays the authority).
 */
export interface RejectionNotices {
  rejected(doc: DocRef, rejections: Rejection[]): Promise<void>;
}

export interface SequencerDeps {
  inbox: InboxStore;
  log: LogStore;
  state: SequencerStateStore;
  /**
   * The run's first reads (the checkpoint with the log's tail, then the clients): on DynamoDB
   * one Query and a BatchGetItem, and on a room task the clients from memory while the
   * document's saves have not moved. Absent: `state.load` and `log.tail` (composedHeads).
   */
  heads?: SequencerHeads;
  timers: TimerStore;
  quarantine: QuarantineStore;
  clock: Clock;
  metrics: MetricsRecorder;
  logSink: LogSink;
  config: SequencerConfig;
  notices?: RejectionNotices;
  /**
   * Materialized states (DocStates), read only for a document whose log predates access
   * control and whose ACL is therefore not stored with the checkpoint (once). Optional:
   * without it that replays the acl entries of the whole log (correct, slower on long logs).
   */
  states?: StateReader;
  /** The tenant's access policy (cached by the caller for a few seconds); the default policy when absent. */
  accessPolicy?: (tenant: string) => Promise<AccessPolicy>;
  /**
   * Records access events in the audit trail (on AWS: AuditStore.putAccessEvents): one per
   * change a run rejected `forbidden`, `last_owner` or `acl_too_large` (audit/access-events.ts
   * rejectionAccessEvents; ids and times are deterministic, so a retried run writes the same
   * events). Called once per run that has any, right after the rejections are stored (so the
   * trail holds every rejection the receipts hold); best effort like `notices`: a failure is
   * logged (`access_audit_failed`) and never fails the run.
   */
  accessAudit?: (doc: DocRef, events: AccessEvent[]) => Promise<void>;
  /**
   * Called (awaited) with each change a run holds for an earlier client seq, or finds held
   * already, before the run writes anything: the released change is read from `inbox` later (by
   * a later run, or by the sequencer function at the hold window's end), so an inbox that does
   * not keep changes durably keeps these (a room task's memory inbox: rooms/room-inbox.ts).
   * Idempotent per change; absent where `inbox` is the durable inbox itself.
   */
  onHold?: (change: InboxChange) => Promise<void>;
  /**
   * Called once a run has written everything it decided (log batches, state), with the head a
   * `heads.head` read would return now if nobody else wrote the document since the run's own
   * head read: what a holder that is the document's only writer can run its next run from
   * without reading (rooms/holder-heads.ts). Not called for a run that failed or conflicted.
   */
  onPersisted?: (doc: DocRef, head: SequencerHead) => void;
}

const MAX_ATTEMPTS = 3;

/**
 * Turns inbox records into the per-document log. Callers hand it one document's records in
 * stream order; on AWS the stream keeps one document's records in one shard, processed one
 * batch at a time, so runs for a document do not overlap. Should two ever overlap, the log's
 * key fence makes one of them conflict and start over. Processing the same records again is
 * harmless: every op is committed at most once.
 */
export class Sequencer {
  constructor(readonly deps: SequencerDeps) {}

  process(doc: DocRef, records: InboxRecord[]): Promise<void> {
    return this.retryOnConflict(() => new DocRun(this.deps, doc).run(records));
  }

  /** Gives up on a change that cannot be sequenced: see DocRun.rejectChange. */
  reject(change: InboxChange, reason: RejectReason, message: string): Promise<void> {
    return this.retryOnConflict(() => new DocRun(this.deps, change.doc).rejectChange(change, reason, message));
  }

  private async retryOnConflict(run: () => Promise<void>): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await run();
      } catch (err) {
        if (!(err instanceof LogConflict) || attempt >= MAX_ATTEMPTS) throw err;
      }
    }
  }
}
