import { type DigestFacts, type DigestQuery, type DigestResolver, subjectKey } from "./digest-resolver.js";

/** In-memory DigestResolver (tests, local stack): names, titles, deletions and revocations set by hand. */
export class MemoryDigestResolver implements DigestResolver {
  private readonly names = new Map<string, string>();
  private readonly titles = new Map<string, string>();
  private readonly deleted = new Set<string>();
  private readonly revoked = new Set<string>();
  /** How many times `resolve` ran (lets tests see that a fast path did not ask). */
  calls = 0;

  setActorName(tenant: string, actorId: string, name: string): this {
    this.names.set(`${tenant}\u0001${actorId}`, name);
    return this;
  }

  setDocTitle(tenant: string, docId: string, title: string): this {
    this.titles.set(`${tenant}\u0001${docId}`, title);
    return this;
  }

  deleteSubject(tenant: string, kind: string, id: string): this {
    this.deleted.add(`${tenant}\u0001${subjectKey(kind, id)}`);
    return this;
  }

  revokeAccess(tenant: string, userId: string, docId: string): this {
    this.revoked.add(`${tenant}\u0001${userId}\u0001${docId}`);
    return this;
  }

  grantAccess(tenant: string, userId: string, docId: string): this {
    this.revoked.delete(`${tenant}\u0001${userId}\u0001${docId}`);
    return this;
  }

  async resolve(q: DigestQuery): Promise<DigestFacts> {
    this.calls++;
    const t = `${q.tenant}\u0001`;
    const gone = new Set<string>();
    for (const s of q.subjects) {
      const key = subjectKey(s.kind, s.id);
      if (this.deleted.has(t + key)) gone.add(key);
    }
    const noAccess = new Set<string>();
    for (const d of q.docIds) if (this.revoked.has(`${t}${q.userId}\u0001${d}`)) noAccess.add(d);
    const actorNames = new Map<string, string>();
    for (const a of q.actorIds) {
      const n = this.names.get(t + a);
      if (n !== undefined) actorNames.set(a, n);
    }
    const docTitles = new Map<string, string>();
    for (const d of q.docIds) {
      const title = this.titles.get(t + d);
      if (title !== undefined) docTitles.set(d, title);
    }
    return { gone, noAccess, actorNames, docTitles };
  }
}
