import type { SearchIndexStore } from "../ports/search-index-store.js";
import type { ParsedQuery } from "./query.js";
import { byRank, finalScore, prefixScore, termScore, type Ranked } from "./rank.js";
import { SEARCH_LIMITS } from "./search-limits.js";

export interface SearchHit {
  docId: string;
  /** The indexed version the hit is based on. */
  version: number;
  score: number;
}

/**
 * Which of `docIds` (the query tenant's) the caller may read: a batched check, asked at most
 * SEARCH_LIMITS.accessChecks / rankedCandidates times per query with at most rankedCandidates
 * ids each. Ids it leaves out are hidden.
 */
export type CanRead = (docIds: string[]) => Promise<ReadonlySet<string>>;

/**
 * The tenant's documents matching every term of `q`, best first (see rank.ts), at most
 * `limit`. With `canRead`, only documents it allows: the filter runs on the text matches
 * before anything is cut or ranked with recency, so a hidden document never takes a place
 * (the best `rankedCandidates` are the best readable ones, and `limit` counts readable ones).
 * Reads: one postings read per whole term, one dictionary read plus one postings read per
 * expansion of the prefix (at most SEARCH_LIMITS.prefixExpansions), the `canRead` checks of
 * the text matches, best first and rankedCandidates at a time, until rankedCandidates are
 * readable (at most SEARCH_LIMITS.accessChecks checked), and one batch read of the versions of
 * the best `rankedCandidates` (readable) text matches. A document whose first index write has
 * not committed yet is not returned.
 */
export async function searchDocuments(
  store: SearchIndexStore,
  tenant: string,
  q: ParsedQuery,
  opts: { limit: number; now: number; canRead?: CanRead },
): Promise<SearchHit[]> {
  if (q.terms.length === 0 && q.prefix === undefined) return [];
  const perTerm = SEARCH_LIMITS.postingsPerTerm;
  const [exact, prefixed] = await Promise.all([
    Promise.all(q.terms.map((t) => store.postings(tenant, t, perTerm))),
    q.prefix === undefined ? undefined : expandPrefix(store, tenant, q.prefix),
  ]);
  // Every whole term must match: score = sum of the terms' scores, over the intersection.
  let scores: Map<string, number> | undefined;
  for (const postings of [...exact].sort((a, b) => a.length - b.length)) {
    const next = new Map<string, number>();
    for (const p of postings) {
      const prior = scores === undefined ? 0 : scores.get(p.docId);
      if (prior !== undefined) next.set(p.docId, prior + termScore(p.tf));
    }
    scores = next;
  }
  if (prefixed) {
    const next = new Map<string, number>();
    for (const [docId, s] of prefixed) {
      const prior = scores === undefined ? 0 : scores.get(docId);
      if (prior !== undefined) next.set(docId, prior + s);
    }
    scores = next;
  }
  if (!scores || scores.size === 0) return [];
  const ranked = [...scores].map(([docId, score]) => ({ docId, score })).sort(byRank);
  const best = opts.canRead ? await bestReadable(ranked, opts.canRead) : ranked.slice(0, SEARCH_LIMITS.rankedCandidates);
  if (best.length === 0) return [];
  const metas = await store.metas(tenant, best.map((b) => b.docId));
  const hits: SearchHit[] = [];
  for (const b of best) {
    const meta = metas.get(b.docId);
    if (meta) hits.push({ docId: b.docId, version: meta.version, score: finalScore(b.score, meta.updatedAt, opts.now) });
  }
  return hits.sort(byRank).slice(0, Math.max(0, opts.limit));
}

/** The first rankedCandidates of `ranked` that `canRead` allows, checking at most accessChecks of them. */
async function bestReadable(ranked: Ranked[], canRead: CanRead): Promise<Ranked[]> {
  const { rankedCandidates: want, accessChecks } = SEARCH_LIMITS;
  const out: Ranked[] = [];
  const end = Math.min(ranked.length, accessChecks);
  for (let i = 0; i < end && out.length < want; i += want) {
    const page = ranked.slice(i, Math.min(i + want, end));
    const allowed = await canRead(page.map((r) => r.docId));
    for (const r of page) if (allowed.has(r.docId) && out.length < want) out.push(r);
  }
  return out;
}

/** docId -> best prefix score over the prefix's expansions. */
async function expandPrefix(store: SearchIndexStore, tenant: string, prefix: string): Promise<Map<string, number>> {
  const terms = await store.expand(tenant, prefix, SEARCH_LIMITS.prefixExpansions);
  const lists = await Promise.all(terms.map((t) => store.postings(tenant, t, SEARCH_LIMITS.postingsPerTerm)));
  const out = new Map<string, number>();
  lists.forEach((postings, i) => {
    for (const p of postings) out.set(p.docId, Math.max(out.get(p.docId) ?? 0, prefixScore(prefix, terms[i], p.tf)));
  });
  return out;
}
