import { docKey, type DocRef } from "../../doc-ref.js";
import type { LogEntry } from "../../ops/types.js";
import type { LogStore } from "../log-store.js";
import type { LogBatch, LogHead } from "../records.js";

/**
 * In-memory LogStore: the reference implementation of the port contract. Each document's
 * batches are kept sorted by seqStart; everything going in or out is a deep copy, so callers
 * can never mutate what is "stored". Every method does its check-and-write synchronously
 * (no await in between), which makes `append` atomic under concurrent calls.
 */
export class MemoryLogStore implements LogStore {
  private readonly docs = new Map<string, LogBatch[]>();

  async append(batch: LogBatch): Promise<"ok" | "conflict"> {
    const batches = this.batchesOf(batch.doc);
    if (batches.some((b) => b.seqStart === batch.seqStart)) return "conflict";
    batches.push(structuredClone(batch));
    batches.sort((a, b) => a.seqStart - b.seqStart);
    this.docs.set(docKey(batch.doc), batches);
    return "ok";
  }

  async tail(doc: DocRef): Promise<LogBatch | undefined> {
    const last = this.batchesOf(doc).at(-1);
    return last && structuredClone(last);
  }

  async head(doc: DocRef): Promise<LogHead> {
    const last = this.batchesOf(doc).at(-1);
    return last ? { seq: last.seqEnd, len: last.lenAfter } : { seq: 0, len: 0 };
  }

  async entries(doc: DocRef, after: number, limit: number): Promise<LogEntry[]> {
    const out: LogEntry[] = [];
    for (const b of this.batchesOf(doc)) {
      if (b.seqEnd <= after) continue;
      for (const e of b.entries) {
        if (out.length >= limit) return structuredClone(out);
        if (e.seq > after) out.push(e);
      }
    }
    return structuredClone(out);
  }

  async batchesAfter(doc: DocRef, after: number): Promise<LogBatch[]> {
    return structuredClone(this.batchesOf(doc).filter((b) => b.seqEnd > after));
  }

  /** Searches newest batch first, like the DynamoDB adapter, so duplicate ids resolve alike. */
  async findOp(doc: DocRef, opId: string): Promise<{ seq: number } | undefined> {
    const batches = this.batchesOf(doc);
    for (let i = batches.length - 1; i >= 0; i--) {
      const hit = batches[i].entries.find((e) => e.id === opId);
      if (hit) return { seq: hit.seq };
    }
    return undefined;
  }

  private batchesOf(doc: DocRef): LogBatch[] {
    return this.docs.get(docKey(doc)) ?? [];
  }
}
