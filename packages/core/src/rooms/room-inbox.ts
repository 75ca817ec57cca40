import { docKey, type DocRef } from "../doc-ref.js";
import type { InboxStore } from "../ports/inbox-store.js";
import type { InboxChange } from "../ports/records.js";

/**
 * The room tier's inbox: changes received over a task's sockets wait here, in memory, for the
 * next sequencer run of their document on this task (room-sequencer.ts) instead of in the
 * inbox table. Nothing is durable until that run commits (or holds, or rejects) them; a
 * submitter is answered only then, so a change lost with the task is sent again by its client
 * and deduped like a repeated POST.
 *
 * The InboxStore contract holds for the changes it holds: `put` creates a change at most once
 * per (doc, clientId, firstSeq, partOf) while it is pending (a repeat gets the pending one);
 * once its run has decided it, `settle` removes it, and a repeat is judged by the sequencer
 * from the client's progress, as the inbox table's TTL leaves it to do. `findOp` sees the
 * pending changes only.
 *
 * A change held for an earlier client seq is decided (its submitter is answered `accepted`) but
 * released only later: by this task's next run, or at the hold window's end (`wake` goes to the
 * durable inbox; the sequencer function it starts hands the wake to the document's holder, or
 * runs it itself when no lease is live), and each reads it with `get`. So the run hands every
 * change it holds to `keep` (SequencerDeps.onHold) before it writes anything: the change and its
 * continuation parts go to the durable inbox, and `get` reads there what memory no longer has.
 * (A put to the inbox table also starts the sequencer function on it, which hands it to the
 * holder, where it is found held already: a held change is rare, and that hand-off is the price
 * of keeping it where every reader of held changes looks.)
 */
export class RoomInbox implements InboxStore {
  private readonly pending = new Map<string, Map<string, InboxChange>>();

  constructor(
    private readonly durable: Pick<InboxStore, "wake" | "put" | "get">,
    /** Called with each change `put` creates (a primary change, or a continuation part). */
    private readonly onCreated: (change: InboxChange) => void,
  ) {}

  async put(change: InboxChange): Promise<{ created: true } | { created: false; existing: InboxChange }> {
    const doc = this.docOf(change.doc, true)!;
    const id = changeId(change.clientId, change.firstSeq, change.partOf);
    const existing = doc.get(id);
    if (existing) return { created: false, existing: structuredClone(existing) };
    const stored = structuredClone(change);
    doc.set(id, stored);
    this.onCreated(stored);
    return { created: true };
  }

  /** A pending change from memory, else (a held change, kept) from the durable inbox. */
  async get(doc: DocRef, clientId: string, firstSeq: number, partOf?: number): Promise<InboxChange | undefined> {
    const found = this.docOf(doc)?.get(changeId(clientId, firstSeq, partOf));
    return found ? structuredClone(found) : this.durable.get(doc, clientId, firstSeq, partOf);
  }

  /**
   * Puts a held change (a primary) and its continuation parts into the durable inbox (each put
   * creates at most once, so keeping a change twice writes nothing new). Parts this memory no
   * longer has are in the durable inbox already (an earlier keep of the same change).
   */
  async keep(change: InboxChange): Promise<void> {
    const pending = this.docOf(change.doc);
    const parts = (change.parts ?? []).flatMap((first) => {
      const part = pending?.get(changeId(change.clientId, first, change.firstSeq));
      return part ? [part] : [];
    });
    for (const c of [...parts, change]) await this.durable.put(structuredClone(c));
  }

  async findOp(doc: DocRef, opId: string): Promise<InboxChange | undefined> {
    for (const c of this.docOf(doc)?.values() ?? []) if (c.ops.some((op) => op.id === opId)) return structuredClone(c);
    return undefined;
  }

  wake(doc: DocRef, dueAt: number): Promise<void> {
    return this.durable.wake(doc, dueAt);
  }

  /** Forgets decided changes (and their continuation parts). */
  settle(changes: readonly InboxChange[]): void {
    for (const c of changes) {
      const doc = this.docOf(c.doc);
      if (!doc) continue;
      doc.delete(changeId(c.clientId, c.firstSeq, c.partOf));
      for (const first of c.parts ?? []) doc.delete(changeId(c.clientId, first, c.firstSeq));
      if (doc.size === 0) this.pending.delete(docKey(c.doc));
    }
  }

  /** Changes held in memory, all documents (a gauge for the task's metrics). */
  get size(): number {
    let n = 0;
    for (const d of this.pending.values()) n += d.size;
    return n;
  }

  private docOf(doc: DocRef, create = false): Map<string, InboxChange> | undefined {
    const key = docKey(doc);
    let found = this.pending.get(key);
    if (!found && create) this.pending.set(key, (found = new Map()));
    return found;
  }
}

function changeId(clientId: string, firstSeq: number, partOf?: number): string {
  return partOf === undefined ? `${clientId}#${firstSeq}` : `${clientId}#${partOf}#${firstSeq}`;
}
