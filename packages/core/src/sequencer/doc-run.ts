import { docKey, type DocRef } from "../doc-ref.js";
import { REJECT_REASONS, type RejectReason } from "../errors.js";
import type { LogEntry, Op } from "../ops/types.js";
import { checkApplicable, textLengthAfter, transformSeq } from "../ot/index.js";
import type { ClientState, InboxChange, InboxRecord, LogBatch, QuarantineRecord, Rejection } from "../ports/records.js";
import { wholeChange } from "../ingest/inbox-parts.js";
import { quarantineRecord } from "../quarantine.js";
import { canonicalOf, canonicalOfEntry, entryFieldsOf } from "./canonical.js";
import { logBatches, type PendingEntry, type ProgressEvent } from "./log-batches.js";
import {
  addSkipped,
  expiredHold,
  hold,
  holdDeadline,
  isSkipped,
  newClientState,
  rollForward,
  takeReleasable,
} from "./client-progress.js";
import type { SequencerDeps } from "./sequencer.js";
import { composedHeads } from "../ports/sequencer-heads.js";
import { AccessGate } from "../access/access-gate.js";
import { aclAt } from "../access/acl-at.js";
import { DEFAULT_ACCESS_POLICY } from "../access/access-policy.js";
import { foldAcl, type DocAcl } from "../access/doc-acl.js";
import { rejectionAccessEvents } from "../audit/access-events.js";

/** Thrown when another run committed at the seq this run wanted: the run must start over. */
export class LogConflict extends Error {
  constructor(doc: DocRef, seqStart: number) {
    super(`log conflict at ${docKey(doc)} seq ${seqStart}`);
  }
}

/**
 * One sequencing pass over one document: load state (rolling forward from the log), decide
 * every record, then persist in an order that keeps every guarantee across a crash at any
 * point: rejections first, then the log batches (the commit point), then client state and
 * timers. Nothing is written before all decisions are made, so a LogConflict retry is clean
 * (but for `onHold`, which keeps a held change in a durable inbox: idempotent, and a change
 * that a retry decides otherwise is only kept longer than needed).
 */
export class DocRun {
  private clients = new Map<string, ClientState>();
  private holding = new Set<string>();
  private dirty = new Set<string>();
  private seq = 0;
  private len = 0;
  private cache: LogEntry[] = [];
  private cacheFrom = 0;
  private pending: PendingEntry[] = [];
  private events: ProgressEvent[] = [];
  private rejections: Rejection[] = [];
  private quarantined: QuarantineRecord[] = [];
  private counts = new Map<string, number>();
  private lags: number[] = [];
  /** The log head this run started from (what `load` read). */
  private logHead = 0;
  /**
   * What the state store held when this run loaded (client states as stored, the holding set,
   * the checkpoint) and the log batches after that checkpoint: what the next run starts from
   * if this one saves nothing (see `derivable`).
   */
  private stored = { checkpoint: 0, holding: [] as string[], clients: new Map<string, ClientState>(), batchesAfter: [] as LogBatch[] };
  /** What `load` read: the document's saves count and the log's last batch (for `SequencerDeps.onPersisted`). */
  private loadedSaves = 0;
  private loadedTail: LogBatch | undefined;
  private gate!: AccessGate;
  /**
   * The ACL the state store returned with its checkpoint. The ACL folds make a new value only
   * when an acl entry (or a document's first entry) applies, so a different value at the end
   * of the run is one to save.
   */
  private storedAcl: DocAcl | undefined;
  /** The ACL as of logHead (what the run's batches start from). */
  private aclAtHead: DocAcl | undefined;
  private findings: Record<string, unknown>[] = [];
  private readonly now: number;

  constructor(
    private readonly deps: SequencerDeps,
    private readonly doc: DocRef,
  ) {
    this.now = deps.clock.now();
  }

  async run(records: InboxRecord[]): Promise<void> {
    await this.load(records);
    await this.resumeReleases();
    for (const r of records) if (r.kind === "change") await this.onChange(r.change, true);
    await this.expireHolds();
    await this.persist();
  }

  /**
   * Rejects what is still pending of a change that cannot be sequenced (a poison record whose
   * retries ran out): its ops get receipts with the reason, the payload goes to the quarantine,
   * and its client moves past it so the client's later changes are not held behind it.
   */
  async rejectChange(stored: InboxChange, reason: RejectReason, message: string): Promise<void> {
    const change = await wholeChange(this.deps.inbox, stored);
    if (!change) return;
    await this.load([{ kind: "change", change }]);
    await this.resumeReleases();
    const c = this.client(change.clientId);
    const pending = change.ops.filter((op) => op.seq >= c.next);
    if (pending.length > 0) {
      this.reject(change, pending, reason, message);
      if (pending[0].seq === c.next) {
        c.next = change.lastSeq + 1;
        this.decided(c);
        await this.releaseHeld(c);
      }
    }
    await this.persist();
  }

  /**
   * Reads the checkpoint with the log's last batch, then the states of the run's clients and
   * of the holding ones. The last batch gives the head, usually everything roll-forward needs,
   * and the entries most transforms need.
   */
  private async load(records: InboxRecord[]): Promise<void> {
    const { state, log } = this.deps;
    const heads = this.deps.heads ?? composedHeads(state, log);
    const ids = [...new Set(records.flatMap((r) => (r.kind === "change" ? [r.change.clientId] : [])))];
    const { tail, ...loaded } = await heads.head(this.doc);
    this.loadedSaves = loaded.saves;
    this.loadedTail = tail;
    this.clients = await heads.clients(this.doc, [...new Set([...ids, ...loaded.holding])], loaded.saves);
    for (const id of loaded.holding) this.holding.add(id);
    this.storedAcl = loaded.acl;
    this.stored = { checkpoint: loaded.checkpoint, holding: [...loaded.holding], clients: copyClients(this.clients), batchesAfter: [] };
    // The ACL as of the checkpoint: stored with it, or (a log from before access control) computed once.
    let acl: DocAcl | undefined =
      loaded.acl ?? (loaded.checkpoint > 0 ? await aclAt({ log, states: this.deps.states }, this.doc, loaded.checkpoint) : undefined);
    if (tail && tail.seqEnd > loaded.checkpoint) {
      const batches = tail.seqStart - 1 > loaded.checkpoint ? await log.batchesAfter(this.doc, loaded.checkpoint) : [tail];
      for (const b of batches) acl = foldAcl(acl, b.entries.filter((e) => e.seq > loaded.checkpoint));
      // Clients of those batches that this run did not load (not in its records, not holding)
      // are not read: their progress in the batches is all of their state (a client's `held` is
      // empty unless it is holding, and every progress carries its `skipped`), so rolling
      // forward from a new state gives what a read and a roll would.
      this.stored.batchesAfter = batches;
      for (const id of rollForward(this.clients, batches)) this.dirty.add(id);
    }
    this.seq = tail?.seqEnd ?? 0;
    this.logHead = this.seq;
    this.len = tail?.lenAfter ?? 0;
    this.cache = tail?.entries ?? [];
    this.cacheFrom = tail ? tail.seqStart - 1 : 0;
    const policies = this.deps.accessPolicy ?? (async () => DEFAULT_ACCESS_POLICY);
    this.aclAtHead = acl;
    this.gate = new AccessGate({ log, policy: policies }, this.doc, this.logHead, acl);
  }

  /**
   * A release always follows the commit that made it possible. When rolling forward from the
   * log restored a state in which a held change is next (a crashed attempt committed up to
   * there), the retry makes that release first, exactly where the crashed attempt made it.
   */
  private async resumeReleases(): Promise<void> {
    for (const c of [...this.clients.values()]) if (c.held.length > 0) await this.releaseHeld(c);
  }

  private client(id: string): ClientState {
    let c = this.clients.get(id);
    if (!c) this.clients.set(id, (c = newClientState(id)));
    return c;
  }

  /** `fresh`: first time this change is seen (not a held change being released). */
  private async onChange(stored: InboxChange, fresh: boolean): Promise<void> {
    const change = await wholeChange(this.deps.inbox, stored);
    if (!change) return; // a continuation part: handled with its primary
    const c = this.client(change.clientId);
    const live: Op[] = [];
    const late: Op[] = [];
    for (const op of change.ops) {
      if (op.seq >= c.next) live.push(op);
      else if (isSkipped(c, op.seq)) late.push(op);
      else this.count("sequencer_duplicates");
    }
    if (late.length > 0) {
      this.reject(change, late, REJECT_REASONS.gapExpired, "arrived after its client seq gap was given up");
    }
    if (live.length === 0) return;
    if (live[0].seq > c.next) {
      if (hold(c, change, this.now)) {
        this.dirty.add(c.clientId);
        this.holding.add(c.clientId);
        this.count("out_of_order", live.length);
        this.countAccepted(change, live.length);
      }
      await this.deps.onHold?.(stored);
      return;
    }
    if (fresh) this.countAccepted(change, live.length);
    await this.commit(change, live);
    c.next = change.lastSeq + 1;
    this.decided(c);
    await this.releaseHeld(c);
  }

  /** Marks the client's state as changed and records its progress for the log (see ProgressEvent). */
  private decided(c: ClientState): void {
    this.dirty.add(c.clientId);
    this.events.push({
      at: this.pending.length,
      progress: { clientId: c.clientId, next: c.next, skipped: c.skipped.map(([a, b]) => [a, b]) },
    });
  }

  private countAccepted(change: InboxChange, n: number): void {
    this.count("accepted", n);
    this.count("clock_skew", change.skewed);
  }

  private async releaseHeld(c: ClientState): Promise<void> {
    for (let h = takeReleasable(c); h; h = takeReleasable(c)) {
      const held = await this.deps.inbox.get(this.doc, c.clientId, h.firstSeq);
      if (held) await this.onChange(held, false);
      else this.finding({ finding: "held_change_missing", clientId: c.clientId, firstSeq: h.firstSeq });
    }
    if (c.held.length === 0) this.holding.delete(c.clientId);
  }

  private async commit(change: InboxChange, ops: Op[]): Promise<void> {
    if (change.base > this.seq) {
      this.reject(change, ops, REJECT_REASONS.baseAheadOfHead, `base ${change.base} is above the document head ${this.seq}`);
      return;
    }
    const concurrent = (await this.committedAfter(change.base))
      .filter((e) => e.clientId !== change.clientId)
      .map(canonicalOfEntry);
    // The whole change is transformed and only `ops`, its uncommitted tail, is kept: later ops
    // of a change keep the context its earlier ops gave them, whether those were committed by a
    // crashed attempt of this run (a change can span log batches) or by an earlier send.
    const whole = transformSeq(change.ops.map(canonicalOf), concurrent, "right");
    const transformed = whole.slice(change.ops.length - ops.length);
    const lens: number[] = [];
    let len = this.len;
    for (let i = 0; i < transformed.length; i++) {
      const problem = checkApplicable(transformed[i], len);
      if (problem) {
        this.reject(change, ops, REJECT_REASONS.positionOutOfRange, `op ${ops[i].id} after transform: ${problem}`);
        return;
      }
      lens.push((len = textLengthAfter(len, transformed[i])));
    }
    const creating = this.seq === 0;
    const first = this.seq + 1 + (creating ? await this.gate.creationCount() : 0);
    const entries = ops.map(
      (op, i) =>
        ({
          seq: first + i,
          id: op.id,
          clientId: change.clientId,
          clientSeq: op.seq,
          userId: change.userId,
          ...entryFieldsOf(transformed[i]),
          ...(op.ts !== undefined ? { ts: op.ts } : {}),
          serverTs: this.now,
        }) as LogEntry,
    );
    const who = { userId: change.userId, groups: change.groups, admin: change.admin, clientId: change.clientId, now: this.now };
    const verdict = await this.gate.judge(who, entries, creating, () => this.pending.map((p) => p.entry), this.cache);
    if (!verdict.ok) {
      this.reject(change, ops, verdict.reason, verdict.message);
      return;
    }
    // Entries the sequencer made (a new document's acl entries) come first, without client progress.
    const made = verdict.entries.slice(0, verdict.entries.length - ops.length);
    for (const entry of made) {
      this.seq = entry.seq;
      this.pending.push({ entry, lenAfter: this.len });
    }
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i];
      const entry = verdict.entries[made.length + i];
      this.seq = entry.seq;
      this.pending.push({ entry, lenAfter: lens[i] });
      // Progress after every entry, so a batch ending inside this change records exactly how
      // far the client got.
      const skipped = this.client(change.clientId).skipped.map(([a, b]): [number, number] => [a, b]);
      this.events.push({ at: this.pending.length, progress: { clientId: change.clientId, next: op.seq + 1, skipped } });
      this.lags.push(this.now - change.acceptedAt);
    }
    this.len = len;
    this.count("committed", ops.length);
  }

  /** Committed entries with seq > base: from the log (fetched once, cached) and this run. */
  private async committedAfter(base: number): Promise<LogEntry[]> {
    if (base < this.cacheFrom) {
      const older = await this.deps.log.entries(this.doc, base, this.cacheFrom - base);
      this.cache = [...older, ...this.cache];
      this.cacheFrom = base;
    }
    const out = this.cache.filter((e) => e.seq > base);
    for (const p of this.pending) if (p.entry.seq > base) out.push(p.entry);
    return out;
  }

  private reject(change: InboxChange, ops: Op[], reason: RejectReason, message: string): void {
    for (const op of ops) {
      this.rejections.push({
        opId: op.id,
        clientId: change.clientId,
        userId: change.userId,
        clientSeq: op.seq,
        reason,
        message,
        at: this.now,
      });
    }
    this.count(`rejected.${reason}`, ops.length);
    if (reason === REJECT_REASONS.baseAheadOfHead || reason === REJECT_REASONS.positionOutOfRange) {
      this.count("invalid_transitions", ops.length);
    }
    this.quarantined.push(
      quarantineRecord({
        // Deterministic id and time: a retried run rewrites the same record.
        id: `seq_${change.doc.docId}_${change.clientId}_${ops[0].seq}`,
        tenant: this.doc.tenant,
        at: change.acceptedAt,
        source: "sequencer",
        reason,
        message,
        docId: this.doc.docId,
        userId: change.userId,
        clientId: change.clientId,
        details: ops.map((op) => ({ id: op.id, issue: message })),
        payload: JSON.stringify({ clientId: change.clientId, base: change.base, ops }),
      }),
    );
  }

  /** Gives up gaps whose hold window has closed and lets the held changes behind them go. */
  private async expireHolds(): Promise<void> {
    const window = this.deps.config.holdWindowMs;
    for (const id of [...this.holding]) {
      const c = this.clients.get(id);
      if (!c) continue;
      for (let h = expiredHold(c, this.now, window); h; h = expiredHold(c, this.now, window)) {
        const from = c.next;
        const to = h.firstSeq - 1;
        addSkipped(c, from, to);
        c.next = h.firstSeq;
        this.decided(c);
        this.count("gaps");
        this.finding({ finding: "client_seq_gap", clientId: id, from, to, waitedMs: this.now - h.heldAt });
        await this.releaseHeld(c);
      }
      if (c.held.length === 0) this.holding.delete(id);
    }
  }

  /**
   * Whether saving the state can be left to a later run: what this run changed is exactly what
   * the next run's `load` rebuilds from the stored state and the log (the stored client states
   * rolled forward over the batches after the stored checkpoint, this run's included), and the
   * checkpoint stays within `config.lazyCheckpointEntries` (LAZY_CHECKPOINT_ENTRIES) of the
   * head. Plain typing is like that (a client's progress travels in its batch), so a keystroke
   * costs no state write; a hold, a gap given up, a rejection or an ACL change is not, and is
   * saved at once.
   */
  private derivable(dirty: ClientState[], written: LogBatch[]): boolean {
    if (this.rejections.length > 0 || this.quarantined.length > 0) return false;
    if (this.seq - this.stored.checkpoint > (this.deps.config.lazyCheckpointEntries ?? LAZY_CHECKPOINT_ENTRIES)) return false;
    const holding = [...this.holding];
    if (holding.length !== this.stored.holding.length || holding.some((id) => !this.stored.holding.includes(id))) return false;
    const rebuilt = copyClients(this.stored.clients);
    rollForward(rebuilt, [...this.stored.batchesAfter, ...written]);
    return dirty.every((c) => sameClient(rebuilt.get(c.clientId), c));
  }

  private finding(fields: Record<string, unknown>): void {
    this.findings.push({ kind: "dq", tenant: this.doc.tenant, docId: this.doc.docId, at: this.now, ...fields });
  }

  private count(name: string, n = 1): void {
    if (n) this.counts.set(name, (this.counts.get(name) ?? 0) + n);
  }

  private async persist(): Promise<void> {
    const { state, log, quarantine, timers, metrics, config } = this.deps;
    if (this.rejections.length > 0) await state.putRejections(this.doc, this.rejections);
    // Access rejections to the audit trail once stored (a retried run writes the same events).
    // Best effort, like the notices: the receipts stay the authority on what was rejected.
    const accessEvents = this.deps.accessAudit ? rejectionAccessEvents(this.rejections, this.quarantined) : [];
    if (accessEvents.length > 0) {
      try {
        await this.deps.accessAudit!(this.doc, accessEvents);
      } catch (err) {
        const failed = { kind: "access_audit_failed", tenant: this.doc.tenant, docId: this.doc.docId, events: accessEvents.length };
        this.deps.logSink({ ...failed, message: (err as Error)?.message });
      }
    }
    for (const q of this.quarantined) await quarantine.put(q);
    let before = this.aclAtHead;
    const written: LogBatch[] = [];
    for (const batch of logBatches(this.doc, this.pending, this.events, config, this.now)) {
      // Batches that change access say what it was before them (the broadcaster's roles).
      if (batch.seqStart > 1 && before && batch.entries.some((e) => e.type === "acl")) batch.aclBefore = before;
      before = foldAcl(before, batch.entries);
      if ((await log.append(batch)) === "conflict") throw new LogConflict(this.doc, batch.seqStart);
      written.push(batch);
    }
    const dirty = [...this.dirty].map((id) => this.clients.get(id)!).filter(Boolean);
    const acl = this.gate.acl;
    const aclChanged = acl !== undefined && acl !== this.storedAcl;
    const saved = (dirty.length > 0 || this.pending.length > 0 || aclChanged) && !(!aclChanged && this.derivable(dirty, written));
    if (saved) await state.save(this.doc, dirty, this.seq, [...this.holding], aclChanged ? acl : undefined);
    if (this.deps.onPersisted) {
      // What a head read now returns, if nobody else wrote the document meanwhile.
      const storedAcl = saved && aclChanged ? acl : this.storedAcl;
      this.deps.onPersisted(this.doc, {
        checkpoint: saved ? Math.max(this.stored.checkpoint, this.seq) : this.stored.checkpoint,
        holding: saved ? [...this.holding] : [...this.stored.holding],
        saves: this.loadedSaves + (saved ? 1 : 0),
        tail: written.at(-1) ?? this.loadedTail,
        ...(storedAcl ? { acl: storedAcl } : {}),
      });
    }
    for (const id of this.holding) {
      const due = holdDeadline(this.clients.get(id)!, config.holdWindowMs);
      if (due !== undefined) await timers.add(this.doc, due);
    }
    for (const [name, n] of this.counts) metrics.count(this.doc.tenant, name, n);
    for (const ms of this.lags) metrics.observeLag(this.doc.tenant, ms);
    for (const f of this.findings) this.deps.logSink(f);
    if (this.rejections.length > 0 && this.deps.notices) await this.notify(this.deps.notices);
  }

  private async notify(notices: NonNullable<SequencerDeps["notices"]>): Promise<void> {
    try {
      await notices.rejected(this.doc, this.rejections);
    } catch (err) {
      this.deps.logSink({
        kind: "rejection_notice_failed",
        tenant: this.doc.tenant,
        docId: this.doc.docId,
        ops: this.rejections.length,
        message: (err as Error)?.message,
      });
    }
  }
}

/**
 * How far (in entries) the stored checkpoint may trail the log head before a run saves the
 * state even though the log alone could rebuild it: the next load reads the batches after the
 * checkpoint in one Query (1 read unit per started 4 KB of them), so a short trail costs about
 * a read unit where a save costs two or more write units (a write unit is priced as 5 read
 * units). 16 entries of plain typing are about 6 KB of log batches.
 */
export const LAZY_CHECKPOINT_ENTRIES = 16;

/**
 * The room tier's trail: its runs read the batches after the checkpoint from the batches the
 * task wrote (BatchCachingLog keeps CACHED_BATCHES_PER_DOC = 64 per document, more than this
 * trail can span), so a longer trail costs reads only where those are not in memory (a task
 * meeting the document, a function's run, a subscription judging access: ~6 KB of plain typing
 * per 16 entries, about 2 read units), and a save (the checkpoint item and each typing client's
 * item) comes every 48 entries instead of 16.
 */
export const ROOM_LAZY_CHECKPOINT_ENTRIES = 48;

function copyClient(c: ClientState): ClientState {
  return { clientId: c.clientId, next: c.next, held: c.held.map((h) => ({ ...h })), skipped: c.skipped.map(([a, b]) => [a, b]) };
}

function copyClients(m: Map<string, ClientState>): Map<string, ClientState> {
  return new Map([...m].map(([id, c]) => [id, copyClient(c)]));
}

function sameClient(a: ClientState | undefined, b: ClientState): boolean {
  if (!a) return b.next === 1 && b.held.length === 0 && b.skipped.length === 0;
  return a.next === b.next && JSON.stringify(a.held) === JSON.stringify(b.held) && JSON.stringify(a.skipped) === JSON.stringify(b.skipped);
}
