import { docKey, type DocRef } from "../../doc-ref.js";
import type { TimerStore } from "../timer-store.js";

interface Timer {
  doc: DocRef;
  dueAt: number;
}

/**
 * In-memory TimerStore: the reference implementation of the port contract. Timers due at
 * the same time come out ordered by doc key, as the DynamoDB adapter orders them.
 */
export class MemoryTimerStore implements TimerStore {
  private readonly timers = new Map<string, Timer>();

  async add(doc: DocRef, dueAt: number): Promise<void> {
    this.timers.set(timerKey(doc, dueAt), { doc: { tenant: doc.tenant, docId: doc.docId }, dueAt });
  }

  async due(now: number, limit: number): Promise<Array<{ doc: DocRef; dueAt: number }>> {
    return [...this.timers.values()]
      .filter((t) => t.dueAt <= now)
      .sort((a, b) => a.dueAt - b.dueAt || compare(docKey(a.doc), docKey(b.doc)))
      .slice(0, Math.max(0, limit))
      .map((t) => structuredClone(t));
  }

  async remove(doc: DocRef, dueAt: number): Promise<void> {
    this.timers.delete(timerKey(doc, dueAt));
  }
}

function timerKey(doc: DocRef, dueAt: number): string {
  return `${dueAt}@${docKey(doc)}`;
}

/** Code-unit order, the order DynamoDB sorts string keys in (for the ASCII ids used here). */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
