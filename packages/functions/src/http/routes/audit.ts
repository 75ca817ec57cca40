import type { Hono } from "hono";
import { DOC_ID_PATTERN, MAX_INT, WeftError, type AuditStore, type Principal } from "@weft/core";

export interface AuditRouteDeps {
  auditStore: AuditStore;
}

const MAX_LIMIT = 1000;
const DEFAULT_LIMIT = 100;
/** A user id as tokens carry it (http/auth.ts): 1..128 characters, no whitespace, `#` or control characters. */
const USER_ID = /^[^\s#\u0000-\u001f]{1,128}$/;

/**
 * `GET /v1/admin/audit?docId=&after=&limit=&userId=` (tenant admins; the /v1/admin/* guard has
 * checked the role) -> `{docId, records: [{seq, opId, userId, clientId, action, at, summary,
 * details}], next?}`: the audit records of the caller tenant's document with seq > after
 * (0..2^31-1, default 0), ascending, at most `limit` (1..1000, default 100), only `userId`'s when given;
 * `next` (pass it as `after`) iff more exist. A document with no records gives `records: []`.
 * Errors: 400 invalid_request for a missing or bad docId, a bad after, limit or userId.
 */
export function registerAuditRoutes(app: Hono<{ Variables: { who: Principal } }>, deps: AuditRouteDeps): void {
  app.get("/v1/admin/audit", async (c) => {
    const docId = c.req.query("docId");
    if (docId === undefined || !DOC_ID_PATTERN.test(docId)) {
      throw new WeftError("invalid_request", "docId is required and must match [A-Za-z0-9_.-]{1,128}", [
        { path: "docId", issue: docId === undefined ? "missing" : `got ${JSON.stringify(docId.slice(0, 40))}` },
      ]);
    }
    // Seqs never exceed MAX_INT (2^31-1), so a larger `after` is a mistake, not an empty page.
    const after = intParam(c.req.query("after"), "after", 0, 0, MAX_INT);
    const limit = intParam(c.req.query("limit"), "limit", DEFAULT_LIMIT, 1, MAX_LIMIT);
    const userId = c.req.query("userId");
    if (userId !== undefined && !USER_ID.test(userId)) {
      throw new WeftError("invalid_request", "userId must be 1..128 characters without whitespace, # or control characters", [
        { path: "userId", issue: `got ${JSON.stringify(userId.slice(0, 40))}` },
      ]);
    }
    const page = await deps.auditStore.query({ tenant: c.get("who").tenant, docId }, { after, limit, ...(userId === undefined ? {} : { userId }) });
    return c.json({ docId, records: page.records, ...(page.next === undefined ? {} : { next: page.next }) });
  });
}

/** An optional integer query parameter in [min, max]; absent or empty gives `dflt`. */
export function intParam(raw: string | undefined, name: string, dflt: number, min: number, max: number): number {
  if (raw === undefined || raw === "") return dflt;
  const n = Number(raw);
  if (!/^\d{1,16}$/.test(raw) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new WeftError("invalid_request", `${name} must be an integer from ${min} to ${max}`, [
      { path: name, issue: `got ${JSON.stringify(raw.slice(0, 40))}` },
    ]);
  }
  return n;
}
