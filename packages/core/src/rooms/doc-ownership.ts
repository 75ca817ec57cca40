import { docKey, parseDocKey, type DocRef } from "../doc-ref.js";
import type { DocLease, DocLeaseStore } from "../ports/doc-lease-store.js";

/** Where a document's changes are sequenced: on this task, or on the task that holds its lease. */
export type OwnerRoute = { here: true } | { here: false; owner: string; address: string; expiresAt: number };

/**
 * The owner a route names for a document this task abandoned (DocOwnership.abandon): nobody to
 * forward to; its changes wait for the lease to expire.
 */
export const ABANDONED_OWNER = "(abandoned)";

export interface OwnershipConfig {
  /** How long a lease lasts from its last acquire. */
  leaseMs: number;
  /** A holder renews once less than this is left (so an active document's lease is written every leaseMs - renewBeforeMs). */
  renewBeforeMs: number;
  /**
   * Another task's lease is trusted until this long before its expiry; after that this task
   * claims it (and gets the holder's again while it is live). Covers clocks that disagree.
   */
  skewMs: number;
}

/**
 * 20 s leases renewed after 10 s: one write per active document per 10 s, and a task that dies
 * holding a document leaves it unowned for at most 20 s; submits meanwhile are not held up
 * (the forward to a dead task fails at once and the change is sequenced where it arrived).
 */
export const OWNERSHIP: OwnershipConfig = { leaseMs: 20_000, renewBeforeMs: 10_000, skewMs: 1_000 };

/** Leases a task remembers (the least recently routed are forgotten first). */
const MAX_LEASES = 100_000;

export interface DocOwnershipDeps {
  leases: DocLeaseStore;
  /** This task: its id (unique per process start) and where others forward to (`host:port` of its private port). */
  self: { owner: string; address: string };
  /** Wall-clock epoch ms (leases are compared across tasks). */
  now: () => number;
  config?: OwnershipConfig;
}

/**
 * A room task's view of who owns which document (docs/rooms.md, "Ownership"): each document is
 * sequenced by the task holding its lease (DocLeaseStore), and the others forward its changes
 * there, so a document's runs happen in one place, its log tail and client states stay in that
 * task's caches, and its runs never conflict at the log's key fence.
 *
 * `route` answers from the leases this task has seen while they are live, and writes only to
 * take a free or expired lease or to renew its own once less than `renewBeforeMs` is left:
 * one write per document per `leaseMs - renewBeforeMs` while it is being edited here. A
 * document owned elsewhere costs one read as that lease nears its expiry (the holder has
 * renewed it by then), and a write only once it has expired. Concurrent routes of one document
 * share one store call.
 *
 * Leases are advice: the log's key fence still orders every append, so a task that routes by
 * a stale lease (another task took it meanwhile) costs a conflict and a retry, never an op.
 */
export class DocOwnership {
  private readonly seen = new Map<string, DocLease>();
  private readonly acquiring = new Map<string, Promise<DocLease>>();
  /** Documents whose holder (as `seen` has it) a forward could not reach: routed by a fresh read. */
  private readonly unanswered = new Set<string>();
  /** Per document this task holds: since when (deps.now) it has held it without a lapse. */
  private readonly heldFrom = new Map<string, number>();
  /** Documents this task gave up while holding them (`abandon`): until when their lease runs. */
  private readonly abandoned = new Map<string, number>();
  private readonly config: OwnershipConfig;

  constructor(private readonly deps: DocOwnershipDeps) {
    this.config = deps.config ?? OWNERSHIP;
  }

  /** Where `doc`'s changes go now (a lease store failure rejects: the caller sequences here). */
  async route(doc: DocRef): Promise<OwnerRoute> {
    const key = docKey(doc);
    const now = this.deps.now();
    const until = this.abandoned.get(key);
    if (until !== undefined) {
      if (now < until) return { here: false, owner: ABANDONED_OWNER, address: this.deps.self.address, expiresAt: until };
      // Expired: taken again like anyone's expired lease (a new epoch, a new holding).
      this.abandoned.delete(key);
      this.seen.delete(key);
      this.heldFrom.delete(key);
    }
    let lease = this.seen.get(key);
    if (!lease || this.unanswered.has(key) || !this.trusted(lease, now)) lease = await this.refresh(doc, key, lease);
    else this.touch(key, lease);
    // A lease naming this task's address under another id is a predecessor's at the same address (a restart): here.
    const { owner, address } = this.deps.self;
    return lease.owner === owner || lease.address === address ? { here: true } : { here: false, owner: lease.owner, address: lease.address, expiresAt: lease.expiresAt };
  }

  /** Wall-clock epoch ms, as the leases are compared. */
  now(): number {
    return this.deps.now();
  }

  /**
   * Whether this task may write `doc`'s sequencer state and log now: the lease it last routed by
   * is its own (or a predecessor's at its address) with more than `skewMs` left. Another
   * task takes a lease only after its expiry by its own clock, and a sequencer function writes
   * only while no lease is live, so a task that stops writing `skewMs` before its lease ends
   * never writes while anyone else may (clocks `skewMs` apart at most). No store call.
   */
  writable(doc: DocRef): boolean {
    if (this.abandoned.has(docKey(doc))) return false;
    const lease = this.seen.get(docKey(doc));
    const { owner, address } = this.deps.self;
    return lease !== undefined && (lease.owner === owner || lease.address === address) && lease.expiresAt - this.deps.now() > this.config.skewMs;
  }

  /** This task's own lease of `doc` as it last stored it, while `writable`; else undefined. */
  heldLease(doc: DocRef): DocLease | undefined {
    const lease = this.seen.get(docKey(doc));
    return lease && lease.owner === this.deps.self.owner && this.writable(doc) ? { ...lease } : undefined;
  }

  /**
   * Since when (deps.now) this task has held `doc`'s lease without a lapse (each renewal stored
   * before the previous lease, less `skewMs`, ran out), while it is `writable`; else undefined.
   * Nobody else wrote the document after that time plus the longest write of a writer that saw
   * no lease (a sequencer function's window, a lapsed holder's last write in flight): what the
   * holder's kept heads wait for (rooms/holder-heads.ts).
   */
  heldSince(doc: DocRef): number | undefined {
    const key = docKey(doc);
    const lease = this.seen.get(key);
    if (!lease || lease.owner !== this.deps.self.owner || !this.writable(doc)) return undefined;
    return this.heldFrom.get(key);
  }

  /**
   * A forward to `owner` could not reach it: the next route reads its lease again (a read, not
   * a claim the store would refuse while the lease is live) and takes it once it has expired or
   * been released. The change at hand is sequenced where it arrived.
   */
  unreachable(doc: DocRef, owner: string): void {
    const key = docKey(doc);
    if (this.seen.get(key)?.owner === owner) this.unanswered.add(key);
  }

  /**
   * Gives up `doc` while holding it (docs/durable-order.md, the ack rule: a commit put that
   * returned past its deadline, or failed): from now on this task neither writes it nor renews
   * its lease, and routes its changes to nobody (ABANDONED_OWNER) until the lease as last stored
   * has expired; then the document is taken like anyone's expired lease, under a new epoch.
   * Another task may take it at the expiry too. Not released early: a release would let a taker
   * in before the records this task put in time have settled.
   */
  abandon(doc: DocRef): void {
    const key = docKey(doc);
    const lease = this.seen.get(key);
    const mine = lease && (lease.owner === this.deps.self.owner || lease.address === this.deps.self.address);
    this.abandoned.delete(key);
    this.abandoned.set(key, mine ? lease.expiresAt : this.deps.now() + this.config.leaseMs);
    // Forget the oldest whose lease has run out (an expired lease is not writable anyway).
    const now = this.deps.now();
    for (const [k, end] of this.abandoned) {
      if (end > now) break;
      this.abandoned.delete(k);
    }
    this.heldFrom.delete(key);
  }

  /** Documents whose lease this task holds now (a gauge). */
  get held(): number {
    const now = this.deps.now();
    let n = 0;
    for (const l of this.seen.values()) if (l.owner === this.deps.self.owner && l.expiresAt > now) n++;
    return n;
  }

  /** Ends every live lease this task holds (a stopping task), so other tasks take its documents at once. */
  async releaseAll(): Promise<void> {
    const now = this.deps.now();
    // An abandoned document's lease runs out instead (abandon).
    const mine = [...this.seen.entries()].filter(([key, l]) => l.owner === this.deps.self.owner && l.expiresAt > now && !this.abandoned.has(key));
    this.seen.clear();
    this.unanswered.clear();
    this.heldFrom.clear();
    this.abandoned.clear();
    await Promise.all(mine.map(([key, l]) => this.deps.leases.release(parseDocKey(key), l.owner, l.epoch).catch(() => false)));
  }

  /** A lease routed by without a write: ours with more than renewBeforeMs left, or another's not near its expiry. */
  private trusted(lease: DocLease, now: number): boolean {
    const left = lease.expiresAt - now;
    return lease.owner === this.deps.self.owner ? left > this.config.renewBeforeMs : left > this.config.skewMs;
  }

  /**
   * The lease to route by, from the store: another task's lease nearing its expiry is read
   * first (a read costs a fifth of a write, and its holder has usually renewed it), and claimed
   * only when it has expired; an unknown or own lease is claimed at once (a take or a renewal).
   */
  private refresh(doc: DocRef, key: string, cached: DocLease | undefined): Promise<DocLease> {
    const inFlight = this.acquiring.get(key);
    if (inFlight) return inFlight;
    const ref = { tenant: doc.tenant, docId: doc.docId };
    const { owner, address } = this.deps.self;
    const claim = async () => {
      if (cached && cached.owner !== owner) {
        const stored = await this.deps.leases.get(ref);
        if (stored && stored.owner !== owner && stored.expiresAt > this.deps.now()) return stored;
      }
      const now = this.deps.now();
      const lease = (await this.deps.leases.acquire(ref, { owner, address, now, expiresAt: now + this.config.leaseMs })).lease;
      if (lease.owner === owner) {
        // A renewal stored while the previous lease still held (less the skew) continues it; anything else starts a new holding.
        const prev = this.seen.get(key);
        const continued = prev?.owner === owner && this.heldFrom.has(key) && prev.expiresAt - this.config.skewMs > now;
        if (!continued) this.heldFrom.set(key, now);
      } else this.heldFrom.delete(key);
      return lease;
    };
    const refreshed = claim()
      .then((lease) => {
        if (lease.owner !== owner) this.heldFrom.delete(key);
        this.unanswered.delete(key);
        this.touch(key, lease);
        return lease;
      })
      .finally(() => this.acquiring.delete(key));
    this.acquiring.set(key, refreshed);
    return refreshed;
  }

  /** Remembers `lease` as the most recently routed (the map stays least recent first). */
  private touch(key: string, lease: DocLease): void {
    this.seen.delete(key);
    this.seen.set(key, lease);
    if (this.seen.size > MAX_LEASES) {
      const oldest = this.seen.keys().next().value!;
      this.seen.delete(oldest);
      this.unanswered.delete(oldest);
      this.heldFrom.delete(oldest);
    }
  }
}

