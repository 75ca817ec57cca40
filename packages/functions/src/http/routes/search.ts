import type { Hono } from "hono";
import {
  SEARCH_LIMITS,
  WeftError,
  parseQuery,
  searchDocuments,
  snippet,
  type Clock,
  type DocStates,
  type Principal,
  type SearchIndexStore,
} from "@weft/core";
import { intParam } from "./audit.js";

export interface SearchRouteDeps {
  searchIndex: SearchIndexStore;
  docStates: DocStates;
  clock: Clock;
}

/**
 * `GET /v1/search?q=&limit=` (any user of the tenant) -> `{q, results: [{docId, version, score,
 * snippet}]}`: the caller tenant's documents containing every term of q (the last word also
 * as a prefix while it is being typed), best first, at most `limit` (1..50, default 10).
 * `version` is the indexed version; the snippet is cut from the document's current text around
 * the first hit. Documents have no title yet: a result is named by its docId.
 * Errors: 400 invalid_request for a missing, blank or too long q (over 256 characters), more
 * than 8 terms, or a bad limit.
 */
export function registerSearchRoutes(app: Hono<{ Variables: { who: Principal } }>, deps: SearchRouteDeps): void {
  app.get("/v1/search", async (c) => {
    const q = c.req.query("q");
    if (q === undefined) throw new WeftError("invalid_request", "q is required", [{ path: "q", issue: "missing" }]);
    const parsed = parseQuery(q);
    const limit = intParam(c.req.query("limit"), "limit", SEARCH_LIMITS.defaultResults, 1, SEARCH_LIMITS.maxResults);
    const tenant = c.get("who").tenant;
    const hits = await searchDocuments(deps.searchIndex, tenant, parsed, { limit, now: deps.clock.now() });
    const results = await Promise.all(
      hits.map(async (h) => {
        const state = await deps.docStates.read({ tenant, docId: h.docId });
        return { docId: h.docId, version: h.version, score: h.score, snippet: state ? snippet(state.text, parsed) : "" };
      }),
    );
    return c.json({ q, results });
  });
}
