import { docKey, type DocRef } from "../doc-ref.js";
import type { LogEntry } from "../ops/types.js";
import type { Clock } from "../ports/clock.js";
import type { DocHead, DocStateStore } from "../ports/doc-state-store.js";
import type { LogStore } from "../ports/log-store.js";
import type { LogBatch } from "../ports/records.js";
import { decodeState, encodeState, OutdatedSnapshotError } from "./encode.js";
import { logRange } from "./log-range.js";
import { DEFAULT_DOC_STATES_CONFIG, entryBytes, snapshotDue, stateWeight, type DocStatesConfig } from "./snapshot-policy.js";
import { LruByWeight } from "./state-cache.js";
import { applyEntries, emptyState, type DocState } from "./state.js";

export interface DocStatesDeps {
  log: LogStore;
  store: DocStateStore;
  clock: Clock;
  config?: Partial<DocStatesConfig>;
}

/** A state with the head describing it (undefined head: nothing stored yet, the empty state). */
interface Known {
  state: DocState;
  head: DocHead | undefined;
}

/**
 * Materialized document states, kept up to date from committed log batches.
 *
 * Storage (DocStateStore): per apply call one small head write; a snapshot (the canonical
 * encoding) only when snapshot-policy.ts says one is due. A read is head + latest snapshot at
 * or below the wanted version + the log entries after it, so a cold read never replays more
 * than the policy's bound. An in-process LRU of recent states (bounded by approximate bytes)
 * makes the warm path apply just the new batch: no read at all.
 *
 * Materialization is a pure function of the log (state.ts), so any state here equals
 * `materialize(log entries 1..version)`, and a snapshot or cache entry of any process can be
 * used by any other. Heads never go backwards (the store's putHead), so racing appliers or a
 * rebuild cannot lose progress; a head write refused because a newer one is stored just drops
 * this process's cached state.
 */
export class DocStates {
  private readonly config: DocStatesConfig;
  private readonly cache: LruByWeight<Known & { head: DocHead }>;

  constructor(private readonly deps: DocStatesDeps) {
    this.config = { ...DEFAULT_DOC_STATES_CONFIG, ...deps.config };
    this.cache = new LruByWeight(this.config.cacheBytes);
  }

  /**
   * Applies committed batches of one document in seq order. Idempotent: entries at or below
   * the materialized version are skipped. A gap (a batch starting above version + 1, e.g.
   * after a lost stream batch) is filled from the log. Returns the materialized version, and
   * the ranges filled from the log as batches (`filled`: seqStart..seqEnd, their entries, the
   * newest entry's serverTs as committedAt; no client progress), so the caller can publish
   * them too: consumers of the committed events (notifications) would miss them otherwise.
   * Throws when the log cannot supply a needed entry (the caller retries later).
   */
  async apply(doc: DocRef, batches: LogBatch[]): Promise<{ version: number; filled: LogBatch[] }> {
    const sorted = batches.length === 1 ? batches : batches.filter((b) => b.entries.length > 0).sort((a, b) => a.seqStart - b.seqStart);
    const newest = sorted.at(-1)?.seqEnd ?? 0;
    const cached = this.cache.get(docKey(doc));
    if (cached && cached.state.version >= newest) return { version: cached.state.version, filled: [] };
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
    return { ...(await this.save(doc, state, known.head, logBytes)), filled };
  }

  /**
   * The materialized state (or as of `version`); undefined when the document has no
   * materialized entry, when `version` < 1, or when `version` is above the materialized one.
   */
  async read(doc: DocRef, version?: number): Promise<DocState | undefined> {
    const head = await this.deps.store.head(doc);
    if (!head) return undefined;
    const want = version ?? head.version;
    if (!Number.isSafeInteger(want) || want < 1 || want > head.version) return undefined;
    const key = docKey(doc);
    const cached = this.cache.get(key);
    let state: DocState;
    if (cached && cached.state.version === want) state = cached.state;
    else if (cached && cached.state.version < want && this.rollForwardIsCheaper(cached.state.version, want, head)) {
      state = applyEntries(cached.state, await logRange(this.deps.log, doc, cached.state.version, want));
    } else state = await this.stateAt(doc, want);
    if (want === head.version && (!cached || cached.state.version < want)) this.remember(key, { state, head });
    return state;
  }

  /**
   * Replays the whole log from scratch and compares the canonical encoding with the stored
   * current state (snapshot + log tail, read past any cache). When they differ, or the log is
   * ahead of the stored head, stores a fresh snapshot and head at the log's last version.
   * Returns that version (0 for a document with no committed entry) and whether anything was
   * rewritten. Only the current state is compared: older snapshots stay as they are, and a
   * read at or above the fresh snapshot's version no longer uses them. A latest snapshot from
   * before access control (which reads replay past) counts as a difference: it is replaced.
   */
  async rebuild(doc: DocRef): Promise<{ version: number; changed: boolean }> {
    const head = await this.deps.store.head(doc);
    const all = await logRange(this.deps.log, doc, 0, Number.MAX_SAFE_INTEGER);
    const last = all.at(-1)?.seq ?? 0;
    const materialized = Math.min(head?.version ?? 0, last);
    const atHead = applyEntries(emptyState(), all.slice(0, materialized));
    let changed = head === undefined ? last > 0 : head.version !== materialized || last > materialized;
    if (!changed && head) {
      const stored = await this.stateAt(doc, head.version).then(encodeState, () => undefined);
      changed = stored !== encodeState(atHead) || (await this.snapshotOutdated(doc, head.version));
    }
    if (!changed || last === 0) return { version: last, changed: false };
    const state = applyEntries(atHead, all.slice(materialized));
    await this.save(doc, state, undefined, 0, true);
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
    if (!head) return { state: emptyState(), head: undefined };
    return { state: await this.stateAt(doc, head.version), head };
  }

  /** Latest snapshot at or below `version` plus the log entries after it. */
  private async stateAt(doc: DocRef, version: number): Promise<DocState> {
    let snap = await this.deps.store.snapshot(doc, version);
    let base = emptyState();
    try {
      if (snap) base = decodeState(snap.encoded);
    } catch (err) {
      if (!(err instanceof OutdatedSnapshotError)) throw err;
      snap = undefined; // replay from seq 1 (POST /v1/admin/docs/{docId}/rebuild writes a current snapshot)
    }
    if (snap && base.version !== snap.version) {
      throw new Error(`snapshot ${snap.version} of ${docKey(doc)} holds version ${base.version}`);
    }
    return applyEntries(base, await logRange(this.deps.log, doc, base.version, version));
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
   * Writes the head for `state` (and first a snapshot, when due or `forceSnapshot`) and caches
   * the state. `prev` is the head `state` was built from (its snapshot bookkeeping carries on).
   */
  private async save(
    doc: DocRef,
    state: DocState,
    prev: DocHead | undefined,
    logBytes: number,
    forceSnapshot = false,
  ): Promise<{ version: number }> {
    const key = docKey(doc);
    let head: DocHead = {
      version: state.version,
      snapshotVersion: prev?.snapshotVersion ?? 0,
      snapshotBytes: prev?.snapshotBytes ?? 0,
      logBytesSinceSnapshot: logBytes,
      updatedAt: state.updatedAt,
      materializedAt: this.deps.clock.now(),
    };
    const debt = { ops: head.version - head.snapshotVersion, logBytes, snapshotBytes: head.snapshotBytes };
    if (forceSnapshot || snapshotDue(debt, this.config)) {
      const encoded = encodeState(state);
      await this.deps.store.putSnapshot(doc, state.version, encoded);
      head = { ...head, snapshotVersion: state.version, snapshotBytes: Buffer.byteLength(encoded), logBytesSinceSnapshot: 0 };
    }
    const written = await this.deps.store.putHead(doc, head);
    if (!written.ok) {
      // A newer head is stored (another process, or a rebuild): this state is older than it.
      this.cache.delete(key);
      return { version: Math.max(state.version, written.current.version) };
    }
    this.remember(key, { state, head });
    return { version: state.version };
  }

  /** Caches `known` unless a newer state is cached already (a read racing an apply in this process). */
  private remember(key: string, known: Known & { head: DocHead }): void {
    const current = this.cache.get(key);
    if (current && current.state.version > known.state.version) return;
    this.cache.set(key, known, stateWeight(known.head.snapshotBytes, known.head.logBytesSinceSnapshot));
  }
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
