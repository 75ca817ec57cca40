import { WeftError } from "../errors.js";
import { SEARCH_LIMITS } from "./search-limits.js";
import { termHits } from "./tokenize.js";

/**
 * A parsed search: every term must match a document. `terms` match whole indexed terms;
 * `prefix` (the last word of a query that does not end in a space or punctuation, i.e. a
 * word still being typed) matches any indexed term starting with it, so search-as-you-type
 * finds "collaboration" from "colla".
 */
export interface ParsedQuery {
  /** Whole-term matches, distinct, in query order. */
  terms: string[];
  prefix?: string;
}

/**
 * Parses `q` with the index's own tokenizer. Throws WeftError("invalid_request") for an
 * empty or blank q, one longer than maxQueryLength code points, or one with more than
 * maxQueryTerms distinct terms. A q with no term (only 1-letter words or punctuation) is
 * valid and matches nothing: `{terms: []}`.
 */
export function parseQuery(q: string): ParsedQuery {
  if (q.trim() === "") throw new WeftError("invalid_request", "q must not be empty", [{ path: "q", issue: "empty" }]);
  const length = Array.from(q).length;
  if (length > SEARCH_LIMITS.maxQueryLength) {
    throw new WeftError("invalid_request", `q must be at most ${SEARCH_LIMITS.maxQueryLength} characters`, [
      { path: "q", issue: `${length} characters` },
    ]);
  }
  const hits = [...termHits(q)];
  const last = hits[hits.length - 1];
  // Still being typed: the last word runs to the very end of q.
  const typing = last !== undefined && last.end === q.length;
  const terms = [...new Set(hits.slice(0, typing ? -1 : undefined).map((h) => h.term))];
  const prefix = typing ? last.term : undefined;
  const distinct = new Set([...terms, ...(prefix ? [prefix] : [])]).size;
  if (distinct > SEARCH_LIMITS.maxQueryTerms) {
    throw new WeftError("invalid_request", `q may have at most ${SEARCH_LIMITS.maxQueryTerms} distinct terms`, [
      { path: "q", issue: `${distinct} terms` },
    ]);
  }
  return prefix === undefined ? { terms } : { terms, prefix };
}

/** Whether a folded term matches the query's term `t` (exact) or its prefix. */
export function matchesQuery(term: string, q: ParsedQuery): boolean {
  return q.terms.includes(term) || (q.prefix !== undefined && term.startsWith(q.prefix));
}
