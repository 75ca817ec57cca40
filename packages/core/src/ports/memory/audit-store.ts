import type { AuditBatch } from "../../audit/audit-records.js";
import { docKey, type DocRef } from "../../doc-ref.js";
import { assertAuditBatch, type AuditPage, type AuditQuery, type AuditStore } from "../audit-store.js";

/** In-memory AuditStore: the reference implementation of the port contract. */
export class MemoryAuditStore implements AuditStore {
  private readonly docs = new Map<string, Map<number, AuditBatch>>();

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
}
