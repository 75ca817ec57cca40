import { docKey, type DocRef } from "../doc-ref.js";
import type { LogEntry } from "../ops/types.js";
import type { LogStore } from "../ports/log-store.js";
import type { LogBatch, LogHead } from "../ports/records.js";

/** Batches kept per document: more than the log writer's lag holds of a busy document (5 s of runs every 100 ms). */
export const TAIL_BATCHES_PER_DOC = 256;
/** Documents kept (the least recently committed are forgotten first). */
export const TAIL_DOCS = 20_000;

/**
 * The batches a holder committed through the committed stream lately, per document (docs/
 * durable-order.md, step 3: reads through the holder): what the log may not hold yet, because
 * the log writer writes it a few seconds behind the stream. Bounded per document and in
 * documents; a reader whose range reaches past what is kept gets what the log has.
 */
export class CommittedTail {
  private readonly docs = new Map<string, LogBatch[]>();

  constructor(private readonly limits = { perDoc: TAIL_BATCHES_PER_DOC, docs: TAIL_DOCS }) {}

  /** A batch just committed (ascending per document: runs of a document are serial on a task). */
  add(batch: LogBatch): void {
    const key = docKey(batch.doc);
    const list = this.docs.get(key) ?? [];
    // A batch that does not follow the kept run (a new holding) starts a new run.
    const run = list.length > 0 && list[list.length - 1].seqEnd + 1 === batch.seqStart ? list : [];
    run.push(batch);
    if (run.length > this.limits.perDoc) run.shift();
    this.docs.delete(key);
    this.docs.set(key, run);
    if (this.docs.size > this.limits.docs) this.docs.delete(this.docs.keys().next().value!);
  }

  /** The kept batches that end after `seq`, ascending. */
  after(doc: DocRef, seq: number): LogBatch[] {
    return (this.docs.get(docKey(doc)) ?? []).filter((b) => b.seqEnd > seq);
  }

  /** The newest kept batch. */
  last(doc: DocRef): LogBatch | undefined {
    return this.docs.get(docKey(doc))?.at(-1);
  }
}

/**
 * `log` as a reader on the holder sees a document it commits through the stream: the log's
 * answer, continued by the committed tail where the tail goes on from it (seqs consecutive).
 * Appends go to `log`.
 */
export function logWithTail(log: LogStore, tail: CommittedTail): LogStore {
  /** The kept batches that continue the log after `end`: from the one holding `end + 1`. */
  const continuing = (doc: DocRef, end: number) => {
    const kept = tail.after(doc, end);
    const i = kept.findIndex((b) => b.seqStart <= end + 1);
    return i < 0 ? [] : kept.slice(i);
  };
  return {
    append: (batch) => log.append(batch),
    async tail(doc) {
      const stored = await log.tail(doc);
      const mine = tail.last(doc);
      return mine && mine.seqEnd > (stored?.seqEnd ?? 0) && continuing(doc, stored?.seqEnd ?? 0).length > 0 ? mine : stored;
    },
    async head(doc): Promise<LogHead> {
      const h = await log.head(doc);
      const more = continuing(doc, h.seq);
      const mine = more.at(-1);
      return mine ? { seq: mine.seqEnd, len: mine.lenAfter } : h;
    },
    async batchesAfter(doc, after) {
      const stored = await log.batchesAfter(doc, after);
      const end = stored.at(-1)?.seqEnd ?? after;
      return [...stored, ...continuing(doc, end)];
    },
    async entries(doc, after, limit) {
      const stored = await log.entries(doc, after, limit);
      if (stored.length >= limit) return stored;
      const end = stored.at(-1)?.seq ?? after;
      const more: LogEntry[] = [];
      for (const b of continuing(doc, end)) for (const e of b.entries) if (e.seq > end && more.length < limit - stored.length) more.push(structuredClone(e));
      return [...stored, ...more];
    },
    async findOp(doc, opId) {
      const found = await log.findOp(doc, opId);
      if (found) return found;
      for (const b of tail.after(doc, 0)) {
        const e = b.entries.find((x) => x.id === opId);
        if (e) return { seq: e.seq };
      }
      return undefined;
    },
  };
}
