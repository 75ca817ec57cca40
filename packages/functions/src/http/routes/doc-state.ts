import type { Context, Hono } from "hono";
import { authorizeDocRead, type DocReadDeps } from "../doc-access.js";
import {
  DOC_ID_PATTERN,
  MAX_INT,
  WeftError,
  type AclRole,
  type DocRef,
  type DocState,
  type DocStates,
  type Principal,
} from "@weft/core";

export interface DocStateRouteDeps extends DocReadDeps {
  docStates: DocStates;
}

type Env = { Variables: { who: Principal } };

/**
 * Materialized document state (docs/api.md is the contract):
 * - `GET /v1/docs/{docId}[?version=N]` -> `{docId, version, text, spans, threads, tasks, acl,
 *   updatedAt}`: the current state (the last checkpoint plus the log to its end: every op
 *   committed before the request), or the state as of version N. 404 not_found for a document
 *   of the caller's tenant with no committed op, and for N above the log's last seq; 400
 *   invalid_request when N is not an integer from 1 to 2^31-1.
 * - `POST /v1/admin/docs/{docId}/rebuild` (tenant admins; the /v1/admin/* guard checks) ->
 *   `{docId, version, changed}`; 404 not_found for a document with no committed op.
 */
export function registerDocStateRoutes(app: Hono<Env>, deps: DocStateRouteDeps): void {
  app.get("/v1/docs/:docId", async (c) => {
    const doc = docOf(c);
    const access = await authorizeDocRead(deps, c.get("who"), doc, "read state");
    const raw = c.req.query("version");
    const version = raw === undefined ? undefined : versionParam(raw);
    const state = await deps.docStates.read(doc, version);
    if (!state) {
      throw new WeftError(
        "not_found",
        version === undefined
          ? `document ${doc.docId} has no committed op`
          : `document ${doc.docId} has no version ${version} (yet)`,
      );
    }
    return c.json(view(doc, state, access.role));
  });

  app.post("/v1/admin/docs/:docId/rebuild", async (c) => {
    const doc = docOf(c);
    const { version, changed } = await deps.docStates.rebuild(doc);
    if (version === 0) throw new WeftError("not_found", `document ${doc.docId} has no committed op`);
    return c.json({ docId: doc.docId, version, changed });
  });
}

function view(doc: DocRef, s: DocState, role: AclRole) {
  return {
    docId: doc.docId,
    version: s.version,
    text: s.text,
    spans: s.spans,
    threads: s.threads,
    tasks: s.tasks,
    acl: { users: s.acl.users, groups: s.acl.groups, everyone: s.acl.everyone },
    role,
    updatedAt: s.updatedAt,
  };
}

function docOf(c: Context<Env>): DocRef {
  const docId = c.req.param("docId") ?? "";
  if (!DOC_ID_PATTERN.test(docId)) {
    throw new WeftError("invalid_request", "docId must match [A-Za-z0-9_.-]{1,128}", [{ path: "docId", issue: "bad docId" }]);
  }
  return { tenant: c.get("who").tenant, docId };
}

function versionParam(raw: string): number {
  const n = Number(raw);
  if (!/^\d{1,10}$/.test(raw) || n < 1 || n > MAX_INT) {
    throw new WeftError("invalid_request", `version must be an integer from 1 to ${MAX_INT}`, [
      { path: "version", issue: `got ${JSON.stringify(raw.slice(0, 40))}` },
    ]);
  }
  return n;
}
