import { docKey, type DocRef } from "../doc-ref.js";
import type { LogEntry } from "../ops/types.js";
import type { Clock } from "../ports/clock.js";
import type { DocHead, DocStateStore } from "../ports/doc-state-store.js";
import type { LogStore } from "../ports/log-store.js";
import type { LogBatch } from "../ports/records.js";
import { decodeState, encodeState, OutdatedSnapshotError } from "./encode.js";
import { LogEndsEarly, logRange } from "./log-range.js";
import { DEFAULT_DOC_STATES_CONFIG, entryBytes, snapshotDue, stateWeight, type DocStatesConfig } from "./snapshot-policy.js";
import { LruByWeight } from "./state-cache.js";
import { applyEntries, emptyState, type DocState } from "./state.js";

export interface DocStatesDeps {
  log: LogStore;
  store: DocStateStore;
  clock: Clock;
  config?: Partial<DocStatesConfig>;
}

/**
 * A state, the head that describes it (as it would be written: snapshot bookkeeping carried
 * on; undefined: nothing stored yet, the empty state), and what the store holds: the version of
 * the last head written (0: none) and when it was written.
 */
interface Known {
  state: DocState;
  head: DocHead | undefined;
  stored: { version: number; at: number };
}
type Cached = Known & { head: DocHead };

const NOTHING_STORED = { version: 0, at: 0 };

/**
 * Materialized document states: checkpointed from committed log batches (apply), read through
 * the log (read).
 *
 * A read is always current: the stored head's snapshot (or this process's cached state) plus
 * every log entry after it, to the log's end. So a committed op is in the materialized state
 * the moment its log write succeeds, however far the materializer trails; the materializer's
 * head writes are checkpoints that bound what a cold read replays, not what it sees.
 *
 * Storage (DocStateStore): a head write per document at most every `headEveryMs` (and whenever
 * a snapshot is written, the first time, or when a redelivered or republished batch finds the
 * stored head behind it), not per batch; a snapshot (the canonical encoding) only when
 * snapshot-policy.ts says one is due. Two in-process LRUs of recent states (bounded by
 * approximate bytes, half of `cacheBytes` each): what apply materialized (its gap detection: a batch after an unapplied
 * range fills the range from the log and returns it, so it is published) and what reads rolled
 * forward (never taken as applied: a read past a lost stream batch must not hide the gap).
 *
 * Materialization is a pure function of the log (state.ts), so any state here equals
 * `materialize(log entries 1..version)`, and a snapshot or cache entry of any process can be
 * used by any other. Heads never go backwards (the store's putHead), so racing appliers or a
 * rebuild cannot lose progress; a head write refused because a newer one is stored just drops
 * this process's cached state. A process that starts from a head written before its
 * predecessor's last unwritten ones fills that range from the log and publishes it again
 * (consumers are idempotent per (document, seq)).
 */
export class DocStates {
  private readonly config: DocStatesConfig;
  private readonly applied: LruByWeight<Cached>;
  private readonly reads: LruByWeight<Cached>;

  constructor(private readonly deps: DocStatesDeps) {
    this.config = { ...DEFAULT_DOC_STATES_CONFIG, ...deps.config };
    // Half the budget each: a process that only applies (the materializer) or only reads (the
    // http and consumer functions) uses one of them.
    this.applied = new LruByWeight(this.config.cacheBytes / 2);
    this.reads = new LruByWeight(this.config.cacheBytes / 2);
  }

  /**
   * Applies committed batches of one document in seq order. Idempotent: entries at or below
   * the materialized version are skipped. A gap (a batch starting above version + 1, e.g.
   * after a lost stream batch) is filled from the log. Returns the materialized version, and
   * the ranges filled from the log as batches (`filled`: seqStart..seqEnd, their entries, the
   * newest entry's serverTs as committedAt; no client progress), so the caller can publish
   * them too: consumers of the committed events (notifications) would miss them otherwise.
   * Batches all at or below the materialized version (a redelivery, or the room tier's repair
   * republishing them) write the head when the stored one is below them. Throws when the log
   * cannot supply a needed entry (the caller retries later).
   */
  async apply(doc: DocRef, batches: LogBatch[]): Promise<{ version: number; filled: LogBatch[] }> {
    const sorted = batches.length === 1 ? batches : batches.filter((b) => b.entries.length > 0).sort((a, b) => a.seqStart - b.seqStart);
    const newest = sorted.at(-1)?.seqEnd ?? 0;
    const cached = this.applied.get(docKey(doc));
    if (cached && cached.state.version >= newest) {
      const version = cached.stored.version < newest ? (await this.writeHead(doc, cached)).version : cached.state.version;
      return { version, filled: [] };
    }
    const known = cached ?? (await this.loadCurrent(doc));
    if (known.state.version >= newest) return { version: known.state.version, filled: [] };
    const filled: LogBatch[] = [];

    let state = known.state;
    let logBytes = known.head?.logBytesSinceSnapshot ?? 0;
    const add = (entries: LogEntry[]) => {
      if (entries.length === 0) return;
      state = applyEntries(state, entries);
      for (const e of entries) logBytes += entryBytes(e);
    };
    for (const b of sorted) {
      if (b.seqEnd <= state.version) continue;
      if (b.seqStart > state.version + 1) {
        const gap = await logRange(this.deps.log, doc, state.version, b.seqStart - 1);
        if (gap.length > 0) filled.push(filledBatch(doc, gap));
        add(gap);
      }
      add(b.seqStart > state.version ? b.entries : b.entries.filter((e) => e.seq > state.version));
    }
    return { ...(await this.save(doc, state, known, logBytes)), filled };
  }

  /**
   * The current state (every committed entry, read through the log), or the state as of
   * `version`; undefined when the log holds no entry of the document, when `version` < 1 or
   * not an integer, or when `version` is above the log's last seq. The current state costs a
   * head read and a read of the log's last batch, at once (and the log before that batch when
   * the starting state is older than it); an older version, the snapshot at or below it and the
   * log up to it.
   */
  async read(doc: DocRef, version?: number): Promise<DocState | undefined> {
    if (version === undefined) return this.current(doc);
    if (!Number.isSafeInteger(version) || version < 1) return undefined;
    const key = docKey(doc);
    const cached = newer(this.reads.get(key), this.applied.get(key));
    if (cached?.state.version === version) return cached.state;
    try {
      return await this.stateAt(doc, version);
    } catch (err) {
      if (err instanceof LogEndsEarly) return undefined;
      throw err;
    }
  }

  /**
   * The stored head (or a cached state, when rolling it forward replays less) plus the log to
   * its end. The head and the log's last batch are read at once; when the tail batch holds
   * everything after the starting state (the usual case: a reader a batch or two behind, or
   * none) that is all the log read costs.
   */
  private async current(doc: DocRef): Promise<DocState | undefined> {
    const key = docKey(doc);
    const [head, tail] = await Promise.all([this.deps.store.head(doc), this.deps.log.tail(doc)]);
    const cached = newer(this.reads.get(key), this.applied.get(key));
    const fromCache = cached && (!head || cached.state.version >= head.version || this.rollForwardIsCheaper(cached.state.version, head.version, head));
    const base = fromCache ? cached.state : await this.snapshotBase(doc, head?.version ?? 0);
    const end = tail?.seqEnd ?? 0;
    let after: LogEntry[] = [];
    if (tail && end > base.version) {
      after = tail.seqStart <= base.version + 1 ? tail.entries.filter((e) => e.seq > base.version) : await logRange(this.deps.log, doc, base.version, end);
    }
    const state = after.length > 0 ? applyEntries(base, after) : base;
    if (state.version === 0) return undefined;
    if (!cached || cached.state.version < state.version) {
      // Described as a head would be: from the cached state's bookkeeping, or from the snapshot read.
      const start = fromCache ? cached.head : { ...(head ?? emptyHead()), logBytesSinceSnapshot: 0 };
      const bytes = after.reduce((n, e) => n + entryBytes(e), start.logBytesSinceSnapshot);
      const described: DocHead = { ...start, version: state.version, updatedAt: state.updatedAt, logBytesSinceSnapshot: bytes };
      this.remember(this.reads, key, { state, head: described, stored: NOTHING_STORED });
    }
    return state;
  }

  /**
   * Replays the whole log from scratch and compares the canonical encoding with the state a
   * read builds from storage (the latest snapshot at or below the stored head, plus the log
   * after it, read past any cache). When they differ, or when the latest snapshot is from before
   * access control (reads replay past it), stores a fresh snapshot and head at the log's last
   * version. Returns that version (0 for a document with no
   * committed entry) and whether anything was rewritten. A head trailing the log is not a
   * difference (heads are checkpoints: reads go through the log). Older snapshots stay as they
   * are, and a read at or above the fresh snapshot's version no longer uses them.
   */
  async rebuild(doc: DocRef): Promise<{ version: number; changed: boolean }> {
    const head = await this.deps.store.head(doc);
    const all = await logRange(this.deps.log, doc, 0, Number.MAX_SAFE_INTEGER);
    const last = all.at(-1)?.seq ?? 0;
    if (last === 0) return { version: 0, changed: false };
    const replayed = applyEntries(emptyState(), all);
    const base = this.snapshotBase(doc, head?.version ?? 0);
    const stored = await base.then(async (b) => encodeState(applyEntries(b, await logRange(this.deps.log, doc, b.version, last)))).catch(() => undefined);
    const changed = stored !== encodeState(replayed) || (head !== undefined && (await this.snapshotOutdated(doc, head.version)));
    if (!changed) return { version: last, changed: false };
    this.reads.delete(docKey(doc));
    await this.save(doc, replayed, undefined, 0, true);
    return { version: last, changed: true };
  }

  /** Whether the latest snapshot at or below `version` is from before access control (reads replay past it). */
  private async snapshotOutdated(doc: DocRef, version: number): Promise<boolean> {
    const snap = await this.deps.store.snapshot(doc, version);
    if (!snap) return false;
    try {
      decodeState(snap.encoded);
      return false;
    } catch (err) {
      return err instanceof OutdatedSnapshotError;
    }
  }

  /** The stored current state (from snapshot + log), or the empty state when nothing is stored. */
  private async loadCurrent(doc: DocRef): Promise<Known> {
    const head = await this.deps.store.head(doc);
    if (!head) return { state: emptyState(), head: undefined, stored: NOTHING_STORED };
    return { state: await this.stateAt(doc, head.version), head, stored: { version: head.version, at: head.materializedAt } };
  }

  /** Latest snapshot at or below `version` plus the log entries after it. */
  private async stateAt(doc: DocRef, version: number): Promise<DocState> {
    const base = await this.snapshotBase(doc, version);
    return applyEntries(base, await logRange(this.deps.log, doc, base.version, version));
  }

  /** The latest snapshot at or below `version`, decoded; the empty state when there is none (or it is outdated: replay from seq 1). */
  private async snapshotBase(doc: DocRef, version: number): Promise<DocState> {
    if (version < 1) return emptyState();
    const snap = await this.deps.store.snapshot(doc, version);
    if (!snap) return emptyState();
    let base: DocState;
    try {
      base = decodeState(snap.encoded);
    } catch (err) {
      if (!(err instanceof OutdatedSnapshotError)) throw err;
      return emptyState(); // replay from seq 1 (POST /v1/admin/docs/{docId}/rebuild writes a current snapshot)
    }
    if (base.version !== snap.version) throw new Error(`snapshot ${snap.version} of ${docKey(doc)} holds version ${base.version}`);
    return base;
  }

  /**
   * Whether rolling a cached state at `from` forward to `to` replays no more log than a cold
   * read would: not past a snapshot, and no more entries than one snapshot interval.
   */
  private rollForwardIsCheaper(from: number, to: number, head: DocHead): boolean {
    const pastSnapshot = from < head.snapshotVersion && to >= head.snapshotVersion;
    return !pastSnapshot && to - from <= this.config.snapshotEveryOps;
  }

  /**
   * Checkpoints `state`: first a snapshot when due (or `forceSnapshot`), then the head when a
   * snapshot was written, nothing is stored yet, or the last head write is `headEveryMs` old;
   * otherwise only this process knows it (a read sees it through the log anyway). `prev` is
   * what `state` was built from (its snapshot bookkeeping carries on).
   */
  private async save(doc: DocRef, state: DocState, prev: Known | undefined, logBytes: number, forceSnapshot = false): Promise<{ version: number }> {
    const now = this.deps.clock.now();
    let head: DocHead = {
      version: state.version,
      snapshotVersion: prev?.head?.snapshotVersion ?? 0,
      snapshotBytes: prev?.head?.snapshotBytes ?? 0,
      logBytesSinceSnapshot: logBytes,
      updatedAt: state.updatedAt,
      materializedAt: now,
    };
    const debt = { ops: head.version - head.snapshotVersion, logBytes, snapshotBytes: head.snapshotBytes };
    const snapshot = forceSnapshot || snapshotDue(debt, this.config);
    if (snapshot) {
      const encoded = encodeState(state);
      await this.deps.store.putSnapshot(doc, state.version, encoded);
      head = { ...head, snapshotVersion: state.version, snapshotBytes: Buffer.byteLength(encoded), logBytesSinceSnapshot: 0 };
    }
    const stored = prev?.stored ?? NOTHING_STORED;
    const known: Cached = { state, head, stored };
    if (snapshot || stored.version === 0 || now - stored.at >= this.config.headEveryMs) return this.writeHead(doc, known);
    this.remember(this.applied, docKey(doc), known);
    return { version: state.version };
  }

  /** Writes the head describing `known.state` and caches it as stored; a newer stored head drops the cached state instead. */
  private async writeHead(doc: DocRef, known: Cached): Promise<{ version: number }> {
    const key = docKey(doc);
    const head: DocHead = { ...known.head, materializedAt: this.deps.clock.now() };
    const written = await this.deps.store.putHead(doc, head);
    if (!written.ok) {
      // A newer head is stored (another process, or a rebuild): this state is older than it.
      this.applied.delete(key);
      return { version: Math.max(known.state.version, written.current.version) };
    }
    this.remember(this.applied, key, { state: known.state, head, stored: { version: head.version, at: head.materializedAt } });
    return { version: known.state.version };
  }

  /** Caches `known` unless a newer state is cached already (a read racing an apply in this process). */
  private remember(cache: LruByWeight<Cached>, key: string, known: Cached): void {
    const current = cache.get(key);
    if (current && current.state.version > known.state.version) return;
    cache.set(key, known, stateWeight(known.head.snapshotBytes, known.head.logBytesSinceSnapshot));
  }
}

/** The newer of two cached states (either may be missing). */
function newer(a: Cached | undefined, b: Cached | undefined): Cached | undefined {
  if (!a) return b;
  if (!b) return a;
  return a.state.version >= b.state.version ? a : b;
}

/** Bookkeeping for a state with no stored head: no snapshot yet. */
function emptyHead(): DocHead {
  return { version: 0, snapshotVersion: 0, snapshotBytes: 0, logBytesSinceSnapshot: 0, updatedAt: 0, materializedAt: 0 };
}

/** Entries read from the log to fill a gap, as a batch for the committed events (see DocStates.apply). */
function filledBatch(doc: DocRef, entries: LogEntry[]): LogBatch {
  return {
    doc: { tenant: doc.tenant, docId: doc.docId },
    seqStart: entries[0].seq,
    seqEnd: entries[entries.length - 1].seq,
    entries,
    lenAfter: 0,
    clients: [],
    committedAt: Math.max(...entries.map((e) => e.serverTs)),
  };
}
