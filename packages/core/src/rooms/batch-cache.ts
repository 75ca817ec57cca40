import { docKey, type DocRef } from "../doc-ref.js";
import { LruByWeight } from "../materialize/state-cache.js";
import type { LogStore } from "../ports/log-store.js";
import type { LogBatch } from "../ports/records.js";
import type { LogEntry } from "../ops/types.js";

/** Batches kept per document (a lazy checkpoint trails the head by at most 16 entries, so a few dozen batches cover it). */
export const CACHED_BATCHES_PER_DOC = 64;
/** Documents kept, least recently used dropped first. */
export const CACHED_DOCS = 20_000;

/**
 * A LogStore that answers `batchesAfter` from the batches this process already holds, when it
 * provably has all of them: batches never change once written, so a cached run of consecutive
 * batches that ends right before the log's tail (as the last strongly consistent `tail` read
 * returned it, or a SequencerHeads head read: `sawTail`) is exactly what the store would return. Anything else (a gap, a tail this
 * process has not read, a range older than the cache) goes to the store, and its answer is
 * cached. `entries` is answered from the same run when it holds the whole range asked for.
 * `tail`, `head`, `append` and the other reads always go to the store: what the sequencer
 * decides from stays strongly consistent, and the log's key fence still decides every append.
 *
 * Why: the sequencer reads the batches after its lazy checkpoint on every run (rolling its
 * clients forward), and on a task that just wrote them those reads are repeats.
 */
export class BatchCachingLog implements LogStore {
  /** Per document (least recently used out first): consecutive batches ascending, and the last tail read (or appended). */
  private readonly docs: LruByWeight<{ batches: LogBatch[]; tail?: LogBatch }>;

  constructor(
    private readonly store: LogStore,
    private readonly limits = { perDoc: CACHED_BATCHES_PER_DOC, docs: CACHED_DOCS },
  ) {
    this.docs = new LruByWeight(limits.docs);
  }

  async append(batch: LogBatch): Promise<"ok" | "conflict"> {
    const result = await this.store.append(batch);
    if (result === "ok") {
      this.remember(batch.doc, [batch]);
      this.entry(batch.doc).tail = batch;
    } else {
      // Someone else wrote there: what this process knows of the tail is stale.
      this.docs.delete(docKey(batch.doc));
    }
    return result;
  }

  async tail(doc: DocRef): Promise<LogBatch | undefined> {
    const tail = await this.store.tail(doc);
    this.sawTail(doc, tail);
    return tail;
  }

  /**
   * The log's tail as a strongly consistent read elsewhere returned it (SequencerHeads.head
   * reads it with the checkpoint): kept exactly as `tail` keeps what it reads.
   */
  sawTail(doc: DocRef, tail: LogBatch | undefined): void {
    if (tail) {
      this.remember(doc, [tail]);
      this.entry(doc).tail = tail;
    } else {
      this.docs.delete(docKey(doc));
    }
  }

  head(doc: DocRef) {
    return this.store.head(doc);
  }

  /**
   * From the batches held when they hold every entry asked for (seqs after + 1 .. after + limit,
   * inside the consecutive run kept): entries never change once written, so that is exactly
   * what the store returns, whoever appended since. Otherwise the store's answer (not kept: a
   * reader's range may be anywhere). The sequencer asks for the entries between a change's base
   * and the batch it read, which a task that wrote them holds (the concurrent ops a change is
   * transformed against).
   */
  async entries(doc: DocRef, after: number, limit: number): Promise<LogEntry[]> {
    const batches = this.docs.get(docKey(doc))?.batches;
    const last = after + limit;
    if (batches && limit > 0 && batches.length > 0 && batches.at(-1)!.seqEnd >= last) {
      const i = batches.findIndex((b) => b.seqStart <= after + 1 && b.seqEnd > after);
      if (i >= 0) {
        const out: LogEntry[] = [];
        for (const b of batches.slice(i)) for (const e of b.entries) if (e.seq > after && e.seq <= last) out.push(structuredClone(e));
        return out;
      }
    }
    return this.store.entries(doc, after, limit);
  }

  findOp(doc: DocRef, opId: string) {
    return this.store.findOp(doc, opId);
  }

  async batchesAfter(doc: DocRef, after: number): Promise<LogBatch[]> {
    const cached = this.docs.get(docKey(doc));
    const tail = cached?.tail;
    if (cached && tail && tail.seqEnd > after) {
      const i = cached.batches.findIndex((b) => b.seqStart <= after + 1 && b.seqEnd > after);
      const last = cached.batches.at(-1);
      if (i >= 0 && last && last.seqStart === tail.seqStart) return cached.batches.slice(i).map((b) => structuredClone(b));
    }
    const read = await this.store.batchesAfter(doc, after);
    this.remember(doc, read);
    return read;
  }

  /** Documents held (for tests and a task's metrics). */
  get size(): { docs: number } {
    return { docs: this.docs.size };
  }

  /** Merges `batches` (ascending) into the document's run, keeping only a consecutive run that ends with the newest. */
  private remember(doc: DocRef, batches: readonly LogBatch[]): void {
    if (batches.length === 0) return;
    const e = this.entry(doc);
    const bySeq = new Map(e.batches.map((b) => [b.seqStart, b]));
    for (const b of batches) bySeq.set(b.seqStart, structuredClone(b));
    const sorted = [...bySeq.values()].sort((a, b) => a.seqStart - b.seqStart);
    // Walk back from the newest while consecutive: a gap means an unknown batch in between.
    let from = sorted.length - 1;
    while (from > 0 && sorted[from - 1].seqEnd === sorted[from].seqStart - 1) from--;
    e.batches = sorted.slice(Math.max(from, sorted.length - this.limits.perDoc));
  }

  private entry(doc: DocRef): { batches: LogBatch[]; tail?: LogBatch } {
    const key = docKey(doc);
    const found = this.docs.get(key);
    if (found) return found;
    const created = { batches: [] as LogBatch[] };
    this.docs.set(key, created, 1);
    return created;
  }
}
