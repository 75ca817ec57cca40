import { docKey, type DocRef } from "../doc-ref.js";
import { ingestChange, type IngestDeps, type OpStatus, type Principal } from "../ingest/ingest-change.js";
import type { LogSink } from "../metrics/recorder.js";
import type { InboxStore } from "../ports/inbox-store.js";
import type { LogStore } from "../ports/log-store.js";
import type { InboxChange, InboxRecord, LogBatch } from "../ports/records.js";
import type { SequencerStateStore } from "../ports/sequencer-state-store.js";
import { Sequencer, type SequencerDeps } from "../sequencer/sequencer.js";
import { ROOM_LAZY_CHECKPOINT_ENTRIES } from "../sequencer/doc-run.js";
import { BatchCachingLog } from "./batch-cache.js";
import { ClientCachingHeads } from "./client-cache.js";
import { composedHeads } from "../ports/sequencer-heads.js";
import { ProgressCachingState } from "./progress-cache.js";
import { RoomInbox } from "./room-inbox.js";
import { ABANDONED_OWNER, type DocOwnership, type OwnerRoute } from "./doc-ownership.js";
import { LEASE_MARGIN_MS, LeaseLapsed, streamCommitLog } from "./stream-commit.js";
import type { CommittedTail } from "./committed-tail.js";
import { HolderHeads } from "./holder-heads.js";
import { WeftError, type RejectReason } from "../errors.js";
import { guardedState } from "../sequencer/guarded-writes.js";

export interface RoomSequencerDeps {
  /** What the sequencer needs, but the inbox (the room's own, in memory). */
  sequencer: Omit<SequencerDeps, "inbox">;
  /** What ingest needs, but the inbox. */
  ingest: Omit<IngestDeps, "inbox">;
  /**
   * The durable inbox: hold windows' wake-ups go there (the sequencer function releases them),
   * and so do the changes a run holds (RoomInbox.keep), where both release paths read them.
   */
  durableInbox: Pick<InboxStore, "wake" | "put" | "get">;
  /**
   * Delivers the batches one run committed (ascending) to the document's subscribers, right
   * after the run and before its submitters are answered. A failure is logged and does not
   * fail the submits: the batches are committed, and a subscriber that missed them reads them
   * over HTTP once it sees the gap (docs/protocol.md, delivery).
   */
  deliver(doc: DocRef, batches: LogBatch[]): Promise<void>;
  /**
   * Appends the batches one run committed to the committed-batch stream (the consumers' feed:
   * the materializer and, through it, search and notifications), after `deliver`; resolves once
   * the stream holds them. Group-committed across the task's documents (group-commit.ts). Not
   * awaited by the run: the submitters are answered once the log holds their ops, and a put's
   * wait (the flush interval) never delays the next change. A failure is logged (the log holds
   * the batches; the materializer fills a document's gap from the log at its next batch).
   * Absent: consumers read the log's own stream.
   */
  publish?(batches: LogBatch[]): Promise<void>;
  /**
   * With it the committed stream is the durable order (docs/durable-order.md, step 3;
   * WEFT_LOG_WRITER=on; requires `ownership`): a run's batches are committed by this put of
   * them, stamped with the lease (stream-commit.ts: the ack rule), instead of a log write, and
   * `publish` is not called for them (they are on the stream). Resolves once the stream holds
   * them (the group commit's flush).
   */
  streamCommit?(batches: LogBatch[]): Promise<void>;
  /** With `streamCommit`: where each batch it committed goes, for the task's readers (committed-tail.ts). */
  committedTail?: CommittedTail;
  logSink: LogSink;
  /**
   * The group commit's delay (Postgres's `commit_delay`, with its `commit_siblings` as
   * `busyMs`): a run of a document that ran within the last `busyMs` (one being typed into)
   * starts `delayMs` after the change that calls for it, so the changes that arrive meanwhile
   * share its log write and its read; a run of a quiet document starts at once. Absent:
   * ROOM_COMMIT_DELAY. `{delayMs: 0}` turns it off.
   */
  commitDelay?: CommitDelay;
  /** Real milliseconds (tests move it); default performance.now. */
  now?: () => number;
  /**
   * Ownership (docs/rooms.md, "Ownership"): a change to a document whose lease another task
   * holds is forwarded there; when that task cannot be reached, it waits for the lease to lapse
   * (`maxWaitMs`, default MAX_OWNER_WAIT_MS). A document this task holds runs from the head its
   * previous run left (holder-heads.ts; `quietMs`, default HOLDER_QUIET_MS, for tests with short
   * leases), and nothing is written once its lease is not safely live. Absent: every change is sequenced where it arrived, each run reading its head.
   */
  ownership?: { ownership: DocOwnership; forwarder: ChangeForwarder; maxWaitMs?: number; quietMs?: number };
}

/** Sends a change to the task that owns its document (its private port). */
export interface ChangeForwarder {
  /**
   * Submits `body` as `who` on the task at `address`, which sequences it there (it never
   * forwards it again) and answers as `submit` does: resolves with its results, or rejects
   * with the WeftError its ingest refused the change with. Rejects with OwnerUnreachable when
   * the task could not be reached or did not answer in time: then nothing is known of the
   * change, and the caller sequences it itself (a copy the owner did commit is then a
   * duplicate, answered as one).
   */
  forward(address: string, who: Principal, doc: DocRef, body: string | Uint8Array): Promise<SubmitResult>;
}

/** A forward that did not reach its owner, or got no answer (ChangeForwarder). */
export class OwnerUnreachable extends Error {
  constructor(address: string, reason: string) {
    super(`the document's owner at ${address} could not be reached: ${reason}`);
    this.name = "OwnerUnreachable";
  }
}

/** What a task's ownership did since it started (metrics, tests, the cost bench). */
export interface ForwardCounts {
  /** Changes sent to their document's owner. */
  forwarded: number;
  /** Pauses before a forward that failed was tried again while its owner's lease was live (`room_owner_wait`). */
  waits: number;
  /** Changes other tasks forwarded here. */
  received: number;
  /** Runs a sequencer function handed to this task, the document's holder (`runRecords`). */
  handedOff: number;
}

/**
 * How long a change waits, at most, for an owner that cannot be reached to let its lease lapse:
 * a lease's length (OWNERSHIP.leaseMs) and the skew, with room. Then the submit fails
 * `unavailable` and the client resends.
 */
export const MAX_OWNER_WAIT_MS = 25_000;

/** The first pause before a forward that failed is tried again while the owner's lease is live (doubled each time, never past the lease's expiry). */
export const OWNER_RETRY_MS = 250;

export interface CommitDelay {
  delayMs: number;
  busyMs: number;
}

/**
 * 100 ms after a run within the last second: at the document product's 6 changes a second a
 * run then takes ~1.4 changes instead of ~1 (measured: 0.74 log writes a keystroke, was 0.98),
 * and a change waits up to 100 ms more (docs/cost.md, cut 29).
 */
export const ROOM_COMMIT_DELAY: CommitDelay = { delayMs: 100, busyMs: 1000 };
/** Documents whose last run time a task keeps for the delay (the oldest are forgotten first). */
const MAX_RECENT_RUNS = 100_000;

export type SubmitResult = Array<{ id: string; status: OpStatus }>;

interface DocQueue {
  doc: DocRef;
  /** Created changes waiting for the next run. */
  pending: InboxChange[];
  /** A hold window's wake-up was handed here: the next run runs even without changes (it ends expired holds). */
  wake?: boolean;
  /** Changes a sequencer function gave up on (its retries ran out), to reject at the next run's start. */
  rejects?: Array<{ change: InboxChange; reason: RejectReason; message: string }>;
  /** The run in progress, and the one queued behind it (which takes every pending change). */
  running?: Promise<void>;
  queued?: Promise<void>;
}

/**
 * A room task's per-document group commit. `submit` runs ingest exactly as
 * `POST /v1/docs/{docId}/ops` does (access, validation, quarantine, dedupe) but keeps the
 * accepted change in memory (RoomInbox; client progress for its early duplicate answers from the
 * task's own commits, progress-cache.ts), then waits for the run of the core sequencer that
 * decides it. One document's runs never overlap on a task: a run takes every change that
 * arrived while the previous one was busy, so a busy document commits many changes per log
 * write, with no inbox item, no stream record and no function invocation per change.
 *
 * A run reads the checkpoint and the log's tail (one Query on DynamoDB), or, on a document this
 * task holds, starts from the head its previous run left (holder-heads.ts); it takes the client
 * states and the batches after the checkpoint from what the task already holds when it can
 * (client-cache.ts, batch-cache.ts); it saves its lazy checkpoint every
 * ROOM_LAZY_CHECKPOINT_ENTRIES entries.
 *
 * With `ownership`, a document is sequenced by the task holding its lease: `submit` forwards a
 * change to another task's document there (ChangeForwarder), and `submitForwarded` takes the
 * changes other tasks forward here (doc-ownership.ts; docs/rooms.md, "Ownership").
 *
 * With ownership only the lease's holder writes a document. Without it (or around a lease's
 * lapse), runs on two tasks (or a task and the sequencer function) for one document are still
 * safe: the log's key fence makes the later append conflict and the sequencer retries from the
 * new head, and every state save moves the checkpoint's `saves`, which the client caches check.
 *
 * What a run appends is marked `deliveredLive` (the log stream's broadcaster skips it) and
 * handed to `deliver` before the submitters are answered, so when `submit` resolves each of its
 * accepted ops is committed (and sent to the room), held for an earlier client seq, or rejected
 * (its submitter told). A run that fails rejects the submits it took; their changes leave the
 * memory inbox, so the clients' resends are taken again.
 */
export class RoomSequencer {
  private readonly inbox: RoomInbox;
  private readonly sequencer: Sequencer;
  private readonly progress: ProgressCachingState;
  /** What ingest reads client progress from (the task's own commits first). */
  private readonly ingestState: SequencerStateStore;
  private readonly queues = new Map<string, DocQueue>();
  /** Batches appended by the run in progress, per document (runs of a document are serial here). */
  private readonly appended = new Map<string, LogBatch[]>();
  /** When each recently run document's last run started (real ms), oldest first. */
  private readonly lastRun = new Map<string, number>();
  private readonly commitDelay: CommitDelay;
  private readonly now: () => number;
  readonly forwards: ForwardCounts = { forwarded: 0, waits: 0, received: 0, handedOff: 0 };
  /** With ownership: the heads this task's held documents run from (holder-heads.ts). */
  readonly holderHeads?: HolderHeads;

  constructor(private readonly deps: RoomSequencerDeps) {
    this.commitDelay = deps.commitDelay ?? ROOM_COMMIT_DELAY;
    this.now = deps.now ?? (() => performance.now());
    this.inbox = new RoomInbox(deps.durableInbox, (c) => this.queueOf(c.doc).pending.push(c));
    this.progress = new ProgressCachingState(deps.ingest.state);
    this.ingestState = this.progress.forIngest();
    // The batches after the lazy checkpoint, read on every run, come from memory when this task
    // wrote them; so do the client states while the document's saves have not moved.
    const ownership = deps.ownership?.ownership;
    if (deps.streamCommit && !ownership) throw new Error("RoomSequencer: streamCommit needs ownership (the lease is the fence of a stream commit)");
    const commit = deps.streamCommit;
    const durable = commit && ownership ? streamCommitLog(deps.sequencer.log, { ownership, commit: (b) => commit(b), ...(deps.committedTail ? { tail: deps.committedTail } : {}) }) : deps.sequencer.log;
    const batches = new BatchCachingLog(durable);
    const clientHeads = new ClientCachingHeads(deps.sequencer.heads ?? composedHeads(deps.sequencer.state, deps.sequencer.log), (doc, tail) =>
      batches.sawTail(doc, tail),
    );
    // A held document's runs start from the head the previous run left: no read per run.
    this.holderHeads = ownership && new HolderHeads(clientHeads, ownership, deps.ownership?.quietMs, {
      waitForQuiet: Boolean(deps.streamCommit),
      // The wait took most of the lease: renewed now (a route renews a lease of its holder's with less than renewBeforeMs left).
      afterWait: (doc) => this.routeOf(doc),
    });
    const heads = this.holderHeads ?? clientHeads;
    const config = { ...deps.sequencer.config, lazyCheckpointEntries: deps.sequencer.config.lazyCheckpointEntries ?? ROOM_LAZY_CHECKPOINT_ENTRIES };
    this.sequencer = new Sequencer({
      ...deps.sequencer,
      config,
      inbox: this.inbox,
      heads,
      log: this.recording(batches),
      state: ownership ? guardedState(deps.sequencer.state, (doc) => this.mayWrite(doc)) : deps.sequencer.state,
      onHold: (c) => this.inbox.keep(c),
      ...(this.holderHeads ? { onPersisted: (doc: DocRef, head: Parameters<HolderHeads["keep"]>[1]) => this.holderHeads!.keep(doc, head) } : {}),
    });
  }

  /** With ownership, a run writes only while this task's lease is safely live (else LeaseLapsed). */
  private mayWrite(doc: DocRef): void {
    const o = this.deps.ownership;
    if (o && !o.ownership.writable(doc)) throw new LeaseLapsed(doc);
  }

  /**
   * Ingests one change (a `submit` body) and resolves once it is decided; rejects as ingest does
   * (WeftError). With ownership, a change to a document another task owns is forwarded there;
   * when that task cannot be reached (or answers too slowly), the lease is read again and the
   * forward tried again, at once and then after growing pauses (OWNER_RETRY_MS, doubled), until
   * it is answered or the lease lapses and the change is sequenced by whoever takes it (at most
   * MAX_OWNER_WAIT_MS, then `unavailable`): nobody writes a document while another task's lease
   * on it is live (holder-heads.ts).
   */
  async submit(who: Principal, doc: DocRef, body: string | Uint8Array): Promise<SubmitResult> {
    const o = this.deps.ownership;
    if (!o) return this.submitHere(who, doc, body);
    const started = o.ownership.now();
    for (let failed = 0; ; failed++) {
      const route = await this.routeOf(doc);
      if (route.here) return this.submitHere(who, doc, body);
      try {
        // A document this task abandoned (stream-commit.ts) has nobody to forward to until its lease expires.
        if (route.owner === ABANDONED_OWNER) throw new OwnerUnreachable(route.address, "this task gave the document up until its lease expires");
        const results = await o.forwarder.forward(route.address, who, doc, body);
        this.forwards.forwarded++;
        return results;
      } catch (err) {
        if (!(err instanceof OwnerUnreachable)) throw err;
        // It stopped (and released the lease), moved, died, or was too slow to answer: the next
        // route reads the lease again. While the lease stays live the forward is tried again, a
        // little later each time (an owner alive after all answers one), until it lapses.
        o.ownership.unreachable(doc, route.owner);
        if (failed === 0) continue;
        const waitMs = Math.max(50, Math.min(OWNER_RETRY_MS * 2 ** (failed - 1), route.expiresAt - o.ownership.now() + 50));
        if (o.ownership.now() + waitMs - started > (o.maxWaitMs ?? MAX_OWNER_WAIT_MS)) {
          throw new WeftError("unavailable", "the document's owner cannot be reached and still holds its lease: send the change again shortly");
        }
        this.forwards.waits++;
        this.deps.logSink({ kind: "room_owner_wait", tenant: doc.tenant, docId: doc.docId, owner: route.owner, waitMs, message: err.message });
        await new Promise((resolve) => setTimeout(resolve, waitMs));
      }
    }
  }

  /**
   * A change another task forwarded here (its document's owner, as that task saw the lease):
   * sequenced here if this task holds the lease (renewed as a local submit would), never
   * forwarded again. Otherwise OwnerUnreachable, nothing kept: the forwarding task reads the
   * lease again and forwards to the owner it names.
   */
  async submitForwarded(who: Principal, doc: DocRef, body: string | Uint8Array): Promise<SubmitResult> {
    this.forwards.received++;
    const route = await this.routeOf(doc);
    if (!route.here) throw new OwnerUnreachable(route.address, "the task a change was forwarded to does not hold its document's lease");
    return this.submitHere(who, doc, body);
  }

  /**
   * Sequences inbox records (changes posted over HTTP, hold windows' wake-ups) that a sequencer
   * function hands to this task because it holds their document's lease (the function must not
   * write it meanwhile): their changes join the document's next run, which also ends expired
   * holds. With `reject` (the function's retries of these changes ran out: its stream's salvage),
   * the changes are rejected with that reason instead (their clients told, as the function would
   * have). Resolves once that run is done; rejects with OwnerUnreachable when this task does not
   * hold the lease (the function reads it again), or as the run failed.
   */
  async runRecords(doc: DocRef, records: readonly InboxRecord[], reject?: { reason: RejectReason; message: string }): Promise<void> {
    const o = this.deps.ownership;
    const route = o && (await this.routeOf(doc));
    if (!o || !route?.here || !o.ownership.writable(doc)) throw new OwnerUnreachable("this task", "it does not hold the document's lease");
    this.forwards.handedOff++;
    const q = this.queueOf(doc);
    for (const r of records) {
      if (r.kind !== "change" || docKey(r.change.doc) !== docKey(doc)) continue;
      // A change the function gave up on is rejected (DocRun.rejectChange: what of it is still pending), not run again.
      if (reject) (q.rejects ??= []).push({ change: r.change, ...reject });
      else q.pending.push(r.change);
    }
    if (records.some((r) => r.kind === "wake")) q.wake = true;
    await this.nextRun(q);
  }

  /** The route of `doc`'s changes; a lease store that fails is `unavailable` (nobody may write without knowing the lease). */
  private async routeOf(doc: DocRef): Promise<OwnerRoute> {
    try {
      return await this.deps.ownership!.ownership.route(doc);
    } catch (err) {
      this.deps.logSink({ kind: "room_lease_failed", tenant: doc.tenant, docId: doc.docId, message: (err as Error)?.message });
      throw new WeftError("unavailable", "the document's lease could not be read: send the change again shortly");
    }
  }

  private async submitHere(who: Principal, doc: DocRef, body: string | Uint8Array): Promise<SubmitResult> {
    const results = await ingestChange({ ...this.deps.ingest, state: this.ingestState, inbox: this.inbox }, who, doc, body);
    if (results.some((r) => r.status === "accepted")) await this.nextRun(this.queueOf(doc));
    return results;
  }

  /** Changes received and not yet decided, all documents. */
  get pendingChanges(): number {
    return this.inbox.size;
  }

  /** Documents whose lease this task holds (0 without ownership). */
  get ownedDocuments(): number {
    return this.deps.ownership?.ownership.held ?? 0;
  }

  /** Documents with a run queued or in progress. */
  get activeDocuments(): number {
    return this.queues.size;
  }

  /** The run that will take every change pending now: the queued one, or a new one after the current. */
  private nextRun(q: DocQueue): Promise<void> {
    if (q.queued) return q.queued;
    const before = q.running ?? this.delayed(q.doc);
    const run: Promise<void> = before
      .catch(() => undefined)
      .then(() => {
        q.queued = undefined;
        q.running = run;
        return this.run(q);
      })
      .finally(() => {
        if (q.running === run) q.running = undefined;
        if (!q.running && !q.queued && q.pending.length === 0 && !q.wake && !q.rejects?.length) this.queues.delete(docKey(q.doc));
      });
    q.queued = run;
    return run;
  }

  /** Resolves when an idle document's run may start: at once, or after the delay when it ran recently. */
  private delayed(doc: DocRef): Promise<void> {
    const { delayMs, busyMs } = this.commitDelay;
    const last = this.lastRun.get(docKey(doc));
    if (!(delayMs > 0) || last === undefined || this.now() - last > busyMs) return Promise.resolve();
    return new Promise((resolve) => setTimeout(resolve, delayMs));
  }

  /** Records a run's start for the delay (re-inserted, so the map stays oldest first). */
  private ran(key: string): void {
    this.lastRun.delete(key);
    this.lastRun.set(key, this.now());
    if (this.lastRun.size > MAX_RECENT_RUNS) this.lastRun.delete(this.lastRun.keys().next().value!);
  }

  private async run(q: DocQueue): Promise<void> {
    if (this.commitDelay.delayMs > 0) this.ran(docKey(q.doc));
    const changes = q.pending.splice(0);
    const primaries = changes.filter((c) => c.partOf === undefined);
    const wake = q.wake === true;
    q.wake = false;
    const rejects = q.rejects?.splice(0) ?? [];
    if (primaries.length === 0 && !wake && rejects.length === 0) return;
    const key = docKey(q.doc);
    const batches: LogBatch[] = [];
    const lease = this.deps.ownership?.ownership.heldLease(q.doc);
    this.appended.set(key, batches);
    try {
      for (const r of rejects) await this.sequencer.reject(r.change, r.reason, r.message);
      if (primaries.length > 0 || wake) await this.sequencer.process(q.doc, primaries.map((change) => ({ kind: "change" as const, change })));
    } catch (err) {
      this.holderHeads?.drop(q.doc);
      // Committing through the stream, the store lacks this task's latest commits until the log
      // writer has written them: a failed run may not read its head back; the document waits for
      // its lease to expire (stream-commit.ts).
      if (this.deps.streamCommit) this.deps.ownership?.ownership.abandon(q.doc);
      throw err;
    } finally {
      this.appended.delete(key);
      // What was committed is delivered even when the run then failed (it is marked delivered).
      if (batches.length > 0) {
        await this.deps.deliver(q.doc, batches).catch((err: unknown) => {
          this.deps.logSink({ kind: "room_deliver_failed", tenant: q.doc.tenant, docId: q.doc.docId, message: (err as Error)?.message });
        });
        // On the committed stream, each batch with the lease the run was sequenced under (a
        // stream commit put them there already).
        if (!this.deps.streamCommit) {
          const leased = lease ? batches.map((b) => ({ ...b, lease: { epoch: lease.epoch, deadline: lease.expiresAt - LEASE_MARGIN_MS } })) : batches;
          this.deps.publish?.(leased).catch((err: unknown) => {
            this.deps.logSink({ kind: "room_publish_failed", tenant: q.doc.tenant, docId: q.doc.docId, batches: batches.length, message: (err as Error)?.message });
          });
        }
      }
      this.inbox.settle(changes);
    }
  }

  /** The log as the sequencer sees it: appends marked `deliveredLive`, and recorded for delivery. */
  private recording(log: LogStore): LogStore {
    return {
      append: async (batch) => {
        this.mayWrite(batch.doc);
        const marked: LogBatch = { ...batch, deliveredLive: true };
        const result = await log.append(marked);
        if (result === "ok") {
          this.appended.get(docKey(batch.doc))?.push(marked);
          this.progress.committed(marked);
        } else this.holderHeads?.drop(batch.doc);
        return result;
      },
      tail: (doc) => log.tail(doc),
      head: (doc) => log.head(doc),
      entries: (doc, after, limit) => log.entries(doc, after, limit),
      batchesAfter: (doc, after) => log.batchesAfter(doc, after),
      findOp: (doc, opId) => log.findOp(doc, opId),
    };
  }

  private queueOf(doc: DocRef): DocQueue {
    const key = docKey(doc);
    let q = this.queues.get(key);
    if (!q) this.queues.set(key, (q = { doc: { tenant: doc.tenant, docId: doc.docId }, pending: [] }));
    return q;
  }
}

