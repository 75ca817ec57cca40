import type { Hono } from "hono";
import {
  DOC_ID_PATTERN,
  MAX_INT,
  MAX_TIMESTAMP_MS,
  WeftError,
  auditPage,
  formatAccessCursor,
  parseAccessCursor,
  type AuditStore,
  type LogStore,
  type Principal,
} from "@weft/core";

export interface AuditRouteDeps {
  /** The access events (the audit table). */
  auditStore: AuditStore;
  /** The records' source: they are derived from the log on read (core audit/audit-trail.ts). */
  log: LogStore;
}

const MAX_LIMIT = 1000;
const DEFAULT_LIMIT = 100;
/** A user id as tokens carry it (http/auth.ts): 1..128 characters, no whitespace, `#` or control characters. */
const USER_ID = /^[^\s#\u0000-\u001f]{1,128}$/;

/**
 * `GET /v1/admin/audit?docId=&after=&limit=&userId=&since=&accessAfter=&accessLimit=` (tenant
 * admins; the /v1/admin/* guard has checked the role) -> `{docId, records: [{seq, opId, userId,
 * clientId, action, at, summary, details, override?}], next?, access: [AccessEvent], accessNext?}`:
 * - records: auditRecordOf of each of the caller tenant's document's log entries with
 *   seq > after (0..2^31-1, default 0), ascending, at most `limit` (1..1000, default 100);
 *   `next` (pass it as `after`) iff more exist. With `userId`, only that user's, and a request
 *   reads at most AUDIT_SCAN_ENTRIES log entries: when it stops there, `next` is the last seq
 *   it read, even with no record in the page (auditPage).
 * - access: its access events (audit/access-events.ts) with at >= since (epoch ms, default 0)
 *   and after the `accessAfter` cursor, oldest first (by at, then id), at most `accessLimit`
 *   (1..1000, default 100); `accessNext` (`<at>-<id>`, pass it as `accessAfter`) iff more exist.
 * Both lists hold only `userId`'s when given; they page independently. A document with
 * nothing gives `records: []`, `access: []`.
 * Errors: 400 invalid_request for a missing or bad docId, a bad after, limit, userId, since,
 * accessAfter or accessLimit.
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
    const since = intParam(c.req.query("since"), "since", 0, 0, MAX_TIMESTAMP_MS);
    const accessLimit = intParam(c.req.query("accessLimit"), "accessLimit", DEFAULT_LIMIT, 1, MAX_LIMIT);
    const rawCursor = c.req.query("accessAfter");
    const accessAfter = rawCursor === undefined || rawCursor === "" ? undefined : parseAccessCursor(rawCursor);
    if (rawCursor && !accessAfter) {
      throw new WeftError("invalid_request", "accessAfter must be an accessNext this route returned", [
        { path: "accessAfter", issue: `got ${JSON.stringify(rawCursor.slice(0, 40))}` },
      ]);
    }
    const doc = { tenant: c.get("who").tenant, docId };
    const byUser = userId === undefined ? {} : { userId };
    const [page, access] = await Promise.all([
      auditPage(deps.log, doc, { after, limit, ...byUser }),
      deps.auditStore.accessEvents(doc, { since, limit: accessLimit, ...byUser, ...(accessAfter ? { after: accessAfter } : {}) }),
    ]);
    return c.json({
      docId,
      records: page.records,
      ...(page.next === undefined ? {} : { next: page.next }),
      access: access.events,
      ...(access.next === undefined ? {} : { accessNext: formatAccessCursor(access.next) }),
    });
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
