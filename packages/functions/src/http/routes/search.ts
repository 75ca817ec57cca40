import type { Hono } from "hono";
import {
  SEARCH_LIMITS,
  WeftError,
  parseQuery,
  readableDocIds,
  searchDocuments,
  snippet,
  type AclReader,
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
  /** The documents' ACLs (cached 2 s): search returns only documents the caller may read. */
  acls: AclReader;
}

/**
 * `GET /v1/search?q=&limit=` (any user of the tenant) -> `{q, results: [{docId, version, score,
 * snippet}]}`: the caller tenant's documents containing every term of q (the last word also
 * as a prefix while it is being typed) that the caller may read now, best first, at most
 * `limit` (1..50, default 10). The read check (viewer or more by the document's current ACL,
 * cached at most 2 s: readableDocIds) filters the text matches before they are ranked or cut,
 * so a hidden document neither shows nor takes a place. A tenant admin reads every document
 * and every document in the index exists (it is indexed from committed ops), so an admin's
 * search reads no ACL; it records no override per hit.
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
    const who = c.get("who");
    const tenant = who.tenant;
    const canRead = who.admin ? undefined : (docIds: string[]) => readableDocIds(deps.acls, who, tenant, docIds);
    const hits = await searchDocuments(deps.searchIndex, tenant, parsed, { limit, now: deps.clock.now(), canRead });
    const results = await Promise.all(
      hits.map(async (h) => {
        const state = await deps.docStates.read({ tenant, docId: h.docId });
        return { docId: h.docId, version: h.version, score: h.score, snippet: state ? snippet(state.text, parsed) : "" };
      }),
    );
    return c.json({ q, results });
  });
}
