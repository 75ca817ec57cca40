/**
 * Ranking: text relevance times a recency boost.
 *
 * - A matched term contributes 1 + log2(tf bucket): a document that uses a word often ranks
 *   above one that mentions it once, with diminishing returns.
 * - A prefix match contributes that, scaled by prefix length / term length, taking the best
 *   of the document's completions: typing "colla" ranks "collab" above "collaboration".
 * - Recency multiplies by 1 + 0.5 * 2^(-age / 7 days): a document edited just now gets up to
 *   1.5x, one untouched for weeks ~1x, so fresh work floats up among equal matches.
 * Ties break by docId, so the order is total and repeatable.
 */
export const RECENCY_HALF_LIFE_MS = 7 * 24 * 3600 * 1000;

export function termScore(tf: number): number {
  return 1 + Math.log2(Math.max(1, tf));
}

export function prefixScore(prefix: string, term: string, tf: number): number {
  return (Array.from(prefix).length / Array.from(term).length) * termScore(tf);
}

export function recencyBoost(updatedAt: number, now: number): number {
  const age = Math.max(0, now - updatedAt);
  return 1 + 0.5 * 2 ** (-age / RECENCY_HALF_LIFE_MS);
}

/** Scores are reported rounded to 4 decimals (ranking uses the same rounded value). */
export function finalScore(text: number, updatedAt: number, now: number): number {
  return Math.round(text * recencyBoost(updatedAt, now) * 10_000) / 10_000;
}

export interface Ranked {
  docId: string;
  score: number;
}

/** Best first: higher score, then docId ascending. */
export function byRank(a: Ranked, b: Ranked): number {
  return b.score - a.score || (a.docId < b.docId ? -1 : a.docId > b.docId ? 1 : 0);
}
