import type { DocRef } from "../../src/doc-ref.js";
import type { LogEntry } from "../../src/ops/types.js";
import { ManualClock } from "../../src/ports/clock.js";
import type { DocHead, DocStateStore, StoredSnapshot } from "../../src/ports/doc-state-store.js";
import type { LogStore } from "../../src/ports/log-store.js";
import { MemoryDocStateStore } from "../../src/ports/memory/doc-state-store.js";
import { MemoryLogStore } from "../../src/ports/memory/log-store.js";
import type { LogBatch } from "../../src/ports/records.js";
import { DocStates } from "../../src/materialize/doc-states.js";
import type { DocStatesConfig } from "../../src/materialize/snapshot-policy.js";

/** A DocStateStore that counts calls (what a batch costs) around the memory adapter. */
export class CountingStore implements DocStateStore {
  readonly calls = { head: 0, putHead: 0, putSnapshot: 0, snapshot: 0 };
  readonly snapshotVersions: number[] = [];
  constructor(readonly inner: DocStateStore = new MemoryDocStateStore()) {}
  head(doc: DocRef) {
    this.calls.head++;
    return this.inner.head(doc);
  }
  putHead(doc: DocRef, head: DocHead) {
    this.calls.putHead++;
    return this.inner.putHead(doc, head);
  }
  putSnapshot(doc: DocRef, version: number, encoded: string) {
    this.calls.putSnapshot++;
    this.snapshotVersions.push(version);
    return this.inner.putSnapshot(doc, version, encoded);
  }
  snapshot(doc: DocRef, atOrBelow: number): Promise<StoredSnapshot | undefined> {
    this.calls.snapshot++;
    return this.inner.snapshot(doc, atOrBelow);
  }
  reset(): void {
    for (const k of Object.keys(this.calls) as Array<keyof typeof this.calls>) this.calls[k] = 0;
  }
}

/** A LogStore that counts the entries read back through `entries`. */
export class CountingLog implements LogStore {
  entriesRead = 0;
  constructor(readonly inner = new MemoryLogStore()) {}
  append = (b: LogBatch) => this.inner.append(b);
  tail = (d: DocRef) => this.inner.tail(d);
  head = (d: DocRef) => this.inner.head(d);
  batchesAfter = (d: DocRef, after: number) => this.inner.batchesAfter(d, after);
  findOp = (d: DocRef, id: string) => this.inner.findOp(d, id);
  async entries(d: DocRef, after: number, limit: number): Promise<LogEntry[]> {
    const out = await this.inner.entries(d, after, limit);
    this.entriesRead += out.length;
    return out;
  }
}

/** `entries` cut into log batches at `sizes` (cycled), as the sequencer would commit them. */
export function toBatches(doc: DocRef, entries: LogEntry[], sizes: number[] = [5]): LogBatch[] {
  const out: LogBatch[] = [];
  for (let i = 0, k = 0; i < entries.length; k++) {
    const n = Math.max(1, sizes[k % sizes.length]);
    const part = entries.slice(i, i + n);
    out.push({ doc, seqStart: part[0].seq, seqEnd: part.at(-1)!.seq, entries: part, lenAfter: 0, clients: [], committedAt: 1_000 + i });
    i += n;
  }
  return out;
}

export interface Rig {
  log: CountingLog;
  store: CountingStore;
  clock: ManualClock;
  states: DocStates;
  /** Another process on the same storage (its own, empty cache). */
  fresh(): DocStates;
}

/** A rig on one log and store; heads are written on every apply unless `config.headEveryMs` says otherwise. */
export function rig(config: Partial<DocStatesConfig> = {}): Rig {
  const log = new CountingLog();
  const store = new CountingStore();
  const clock = new ManualClock(1_760_000_000_000);
  const make = () => new DocStates({ log, store, clock, config: { headEveryMs: 0, ...config } });
  return { log, store, clock, states: make(), fresh: make };
}

/** Appends every batch to the log; returns them. */
export async function commit(log: LogStore, batches: LogBatch[]): Promise<LogBatch[]> {
  for (const b of batches) {
    if ((await log.append(b)) !== "ok") throw new Error(`batch ${b.seqStart} conflicts`);
  }
  return batches;
}
