import { accessBefore, assertAccessEvents, type AccessEvent } from "../../audit/access-events.js";
import type { AuditBatch } from "../../audit/audit-records.js";
import { docKey, type DocRef } from "../../doc-ref.js";
import { assertAuditBatch, type AccessPage, type AccessQuery, type AuditPage, type AuditQuery, type AuditStore } from "../audit-store.js";

/** In-memory AuditStore: the reference implementation of the port contract. */
export class MemoryAuditStore implements AuditStore {
  private readonly docs = new Map<string, Map<number, AuditBatch>>();
  /** Per document: access events by `<at>#<id>`. */
  private readonly access = new Map<string, Map<string, AccessEvent>>();

  async put(batch: AuditBatch): Promise<"written" | "exists"> {
    assertAuditBatch(batch);
    const batches = this.docs.get(docKey(batch.doc)) ?? new Map<number, AuditBatch>();
    this.docs.set(docKey(batch.doc), batches);
    if (batches.has(batch.seqStart)) return "exists";
    batches.set(batch.seqStart, structuredClone(batch));
    return "written";
  }

  async query(doc: DocRef, q: AuditQuery): Promise<AuditPage> {
    const batches = [...(this.docs.get(docKey(doc))?.values() ?? [])].sort((a, b) => a.seqStart - b.seqStart);
    const matching = [];
    let last = q.after;
    for (const b of batches) {
      for (const r of b.records) {
        if (r.seq <= last) continue;
        last = r.seq;
        if (q.userId === undefined || r.userId === q.userId) matching.push(r);
      }
    }
    const records = structuredClone(matching.slice(0, Math.max(0, q.limit)));
    return matching.length > records.length && records.length > 0 ? { records, next: records[records.length - 1].seq } : { records };
  }

  async putAccessEvents(doc: DocRef, events: readonly AccessEvent[]): Promise<void> {
    assertAccessEvents(events);
    const stored = this.access.get(docKey(doc)) ?? new Map<string, AccessEvent>();
    this.access.set(docKey(doc), stored);
    for (const e of events) {
      const key = `${e.at}#${e.id}`;
      if (!stored.has(key)) stored.set(key, structuredClone(e));
    }
  }

  async accessEvents(doc: DocRef, q: AccessQuery): Promise<AccessPage> {
    const since = q.since ?? 0;
    const matching = [...(this.access.get(docKey(doc))?.values() ?? [])]
      .filter((e) => e.at >= since && (q.after === undefined || accessBefore(q.after, e)) && (q.userId === undefined || e.userId === q.userId))
      .sort((a, b) => (accessBefore(a, b) ? -1 : 1));
    const events = structuredClone(matching.slice(0, Math.max(0, q.limit)));
    const last = events[events.length - 1];
    return matching.length > events.length && last ? { events, next: { at: last.at, id: last.id } } : { events };
  }
}
