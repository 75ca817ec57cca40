import { docKey, type DocRef } from "../../doc-ref.js";
import { compare, type TermDelta, type TermSet } from "../../search/term-diff.js";
import type { IndexedDoc, IndexedDocHead, PendingIndexWrite, Posting, SearchDocMeta, SearchIndexStore } from "../search-index-store.js";

interface DocEntry {
  meta?: SearchDocMeta;
  terms: TermSet;
  pending?: PendingIndexWrite;
  dueAt?: number;
}

/**
 * In-memory SearchIndexStore: the reference implementation of the port contract. Postings
 * live per tenant as term -> docId -> tf; prefix expansion scans the tenant's terms that
 * have postings (exact: no dictionary to keep in step).
 */
export class MemorySearchIndexStore implements SearchIndexStore {
  private readonly docs = new Map<string, DocEntry>();
  private readonly tenants = new Map<string, Map<string, Map<string, number>>>();

  async load(doc: DocRef): Promise<IndexedDoc> {
    const d = this.docs.get(docKey(doc));
    return { ...(await this.head(doc)), terms: new Map(d?.terms ?? []) };
  }

  async head(doc: DocRef): Promise<IndexedDocHead> {
    const d = this.docs.get(docKey(doc));
    if (!d) return {};
    return structuredClone({
      ...(d.meta ? { meta: d.meta } : {}),
      ...(d.pending ? { pending: d.pending } : {}),
      ...(d.dueAt !== undefined ? { dueAt: d.dueAt } : {}),
    });
  }

  async defer(doc: DocRef, dueAt: number): Promise<boolean> {
    const d = this.entry(doc);
    if (d.dueAt !== undefined) return false;
    d.dueAt = dueAt;
    return true;
  }

  async clearDue(doc: DocRef, dueAt: number): Promise<void> {
    const d = this.docs.get(docKey(doc));
    if (d?.dueAt === dueAt) delete d.dueAt;
  }

  async moveDue(doc: DocRef, from: number, to: number): Promise<boolean> {
    const d = this.docs.get(docKey(doc));
    if (d?.dueAt !== from) return false;
    d.dueAt = to;
    return true;
  }

  async begin(doc: DocRef, expect: { version: number; pendingId?: string }, pending: PendingIndexWrite): Promise<boolean> {
    const d = this.entry(doc);
    if ((d.meta?.version ?? 0) !== expect.version) return false;
    if (d.pending && d.pending.id !== expect.pendingId) return false;
    d.pending = structuredClone(pending);
    return true;
  }

  async write(doc: DocRef, delta: TermDelta, terms: TermSet): Promise<void> {
    const postings = this.postingsOf(doc.tenant);
    for (const [term, tf] of delta.put) {
      const docs = postings.get(term) ?? new Map<string, number>();
      docs.set(doc.docId, tf);
      postings.set(term, docs);
    }
    for (const term of delta.remove) {
      const docs = postings.get(term);
      docs?.delete(doc.docId);
      if (docs?.size === 0) postings.delete(term);
    }
    this.entry(doc).terms = new Map(terms);
  }

  async commit(doc: DocRef, id: string, meta: SearchDocMeta): Promise<boolean> {
    const d = this.entry(doc);
    if (d.pending?.id !== id) return false;
    d.meta = { ...meta };
    delete d.pending;
    delete d.dueAt;
    return true;
  }

  async advance(doc: DocRef, expectVersion: number, meta: SearchDocMeta): Promise<boolean> {
    const d = this.entry(doc);
    if (d.pending || (d.meta?.version ?? 0) !== expectVersion) return false;
    d.meta = { ...meta };
    delete d.dueAt;
    return true;
  }

  async postings(tenant: string, term: string, limit: number): Promise<Posting[]> {
    const docs = this.tenants.get(tenant)?.get(term);
    if (!docs) return [];
    return [...docs]
      .map(([docId, tf]) => ({ docId, tf }))
      .sort((a, b) => compare(a.docId, b.docId))
      .slice(0, Math.max(0, limit));
  }

  async expand(tenant: string, prefix: string, limit: number): Promise<string[]> {
    const terms = [...(this.tenants.get(tenant)?.keys() ?? [])].filter((t) => t.startsWith(prefix));
    return terms.sort(compare).slice(0, Math.max(0, limit));
  }

  async metas(tenant: string, docIds: string[]): Promise<Map<string, SearchDocMeta>> {
    const out = new Map<string, SearchDocMeta>();
    for (const docId of docIds) {
      const meta = this.docs.get(docKey({ tenant, docId }))?.meta;
      if (meta) out.set(docId, { ...meta });
    }
    return out;
  }

  private entry(doc: DocRef): DocEntry {
    const key = docKey(doc);
    let d = this.docs.get(key);
    if (!d) this.docs.set(key, (d = { terms: new Map() }));
    return d;
  }

  private postingsOf(tenant: string): Map<string, Map<string, number>> {
    let p = this.tenants.get(tenant);
    if (!p) this.tenants.set(tenant, (p = new Map()));
    return p;
  }
}
