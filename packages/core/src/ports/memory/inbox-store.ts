import { docKey, type DocRef } from "../../doc-ref.js";
import type { InboxStore } from "../inbox-store.js";
import type { InboxChange, InboxRecord } from "../records.js";

/**
 * In-memory InboxStore, the reference implementation of the port contract, plus an
 * in-process stand-in for the inbox's change stream (`drain`).
 *
 * Stream semantics follow the DynamoDB adapter: a change enters the stream only when `put`
 * creates it (an INSERT); every `wake` call enters it (each is a new item there).
 */
export class MemoryInboxStore implements InboxStore {
  private readonly changes = new Map<string, Map<string, InboxChange>>();
  private stream: InboxRecord[] = [];

  async put(change: InboxChange): Promise<{ created: true } | { created: false; existing: InboxChange }> {
    const key = docKey(change.doc);
    const doc = this.changes.get(key) ?? new Map<string, InboxChange>();
    const id = changeId(change.clientId, change.firstSeq, change.partOf);
    const existing = doc.get(id);
    if (existing) return { created: false, existing: structuredClone(existing) };
    const stored = structuredClone(change);
    doc.set(id, stored);
    this.changes.set(key, doc);
    this.stream.push({ kind: "change", change: structuredClone(stored) });
    return { created: true };
  }

  async get(doc: DocRef, clientId: string, firstSeq: number, partOf?: number): Promise<InboxChange | undefined> {
    const found = this.changes.get(docKey(doc))?.get(changeId(clientId, firstSeq, partOf));
    return found && structuredClone(found);
  }

  /** Newest by acceptedAt; among equal acceptedAt, the one stored last. */
  async findOp(doc: DocRef, opId: string): Promise<InboxChange | undefined> {
    let best: InboxChange | undefined;
    for (const c of this.changes.get(docKey(doc))?.values() ?? []) {
      if (c.ops.some((op) => op.id === opId) && (!best || c.acceptedAt >= best.acceptedAt)) best = c;
    }
    return best && structuredClone(best);
  }

  async wake(doc: DocRef, dueAt: number): Promise<void> {
    this.stream.push({ kind: "wake", wake: { doc: { tenant: doc.tenant, docId: doc.docId }, dueAt } });
  }

  /** Stream records (created changes and wake-ups) written since the last drain, in write order. */
  drain(): InboxRecord[] {
    const out = this.stream;
    this.stream = [];
    return out;
  }
}

function changeId(clientId: string, firstSeq: number, partOf?: number): string {
  return partOf === undefined ? `${clientId}#${firstSeq}` : `${clientId}#${partOf}#p#${firstSeq}`;
}
