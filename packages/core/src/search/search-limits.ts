/**
 * Every bound of the search index in one place. The per-document caps keep a document's
 * stored term set well inside one DynamoDB item budget (400 KB) even before compression and
 * bound the first indexing of a huge document; the query caps bound the reads one search
 * makes (at most maxQueryTerms + prefixExpansions posting reads of postingsPerTerm each).
 */
export const SEARCH_LIMITS = {
  /** Shortest and longest term, in code points after folding. */
  minTermLength: 2,
  maxTermLength: 64,
  /** Most distinct terms indexed per document; later new terms are not indexed (the doc is marked truncated). */
  maxDocTerms: 10_000,
  /** Most UTF-8 bytes of distinct terms per document (each term + 1), the other half of the cap. */
  maxDocTermBytes: 200_000,
  /** Longest query, in code points. */
  maxQueryLength: 256,
  /** Most distinct terms in one query. */
  maxQueryTerms: 8,
  /** Most indexed terms one prefix (the query's last term) expands to, lexicographically first. */
  prefixExpansions: 32,
  /** Most documents read per term (a term in more documents than this gives partial results). */
  postingsPerTerm: 1000,
  /** How many best text matches are ranked with recency (and have their version read). */
  rankedCandidates: 100,
  /**
   * Most candidates whose ACL one query checks (best text matches first, rankedCandidates at a
   * time) while looking for rankedCandidates the caller may read; past it the results are partial.
   */
  accessChecks: 1000,
  /** Largest and default page of results. */
  maxResults: 50,
  defaultResults: 10,
} as const;
