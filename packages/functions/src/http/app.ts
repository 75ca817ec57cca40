import { Hono, type Context } from "hono";
import {
  DOC_ID_PATTERN,
  ID_PATTERN,
  WeftError,
  getReceipt,
  ingestChange,
  summarizeLag,
  MATERIALIZER_LAG_PREFIX,
  type DocRef,
  type IngestDeps,
  type InboxStore,
  type LogEntry,
  type LogStore,
  type MetricsStore,
  type Principal,
  type QuarantineStore,
  type SequencerStateStore,
} from "@weft/core";
import { errorBody, errorResponse } from "./error-response.js";
import { authorizeDocRead, type DocReadDeps } from "./doc-access.js";
import { httpAccessAudit, type HttpAccessAudit } from "./access-audit.js";
import { registerDeadLetterRoutes, type DeadLetterRouteDeps } from "./routes/dead-letters.js";
import { registerDocStateRoutes, type DocStateRouteDeps } from "./routes/doc-state.js";
import { registerAuditRoutes, type AuditRouteDeps } from "./routes/audit.js";
import { registerSearchRoutes, type SearchRouteDeps } from "./routes/search.js";
import { registerDeviceRoutes } from "./routes/devices.js";
import { registerNotificationRoutes } from "./routes/notifications.js";
import { registerNotifyAdminRoutes } from "./routes/notify-admin.js";
import { registerNotifySendRoutes, type NotifySendRouteDeps } from "./routes/notify-send.js";
import { registerPreferencesRoutes } from "./routes/preferences.js";
import { registerAccessPolicyRoutes, type AccessPolicyRouteDeps } from "./routes/access-policy.js";

export interface AppDeps extends IngestDeps, DocReadDeps, AccessPolicyRouteDeps, DeadLetterRouteDeps, DocStateRouteDeps, AuditRouteDeps, SearchRouteDeps, NotifySendRouteDeps {
  log: LogStore;
  inbox: InboxStore;
  state: SequencerStateStore;
  quarantine: QuarantineStore;
  metricsStore: MetricsStore;
  authenticate: (authorization: string | undefined) => Promise<Principal>;
}

type Env = { Variables: { who: Principal } };

const MAX_PAGE = 1000;

/** The HTTP API (docs/api.md is its contract). Runs unchanged in Lambda and in the local stack. */
export function createApp(appDeps: AppDeps): Hono<Env> {
  // Document routes' refusals and admin overrides go to the audit trail, unless the caller brings its own hooks.
  const audit = httpAccessAudit(appDeps);
  const given = appDeps.onRefused;
  const onRefused: HttpAccessAudit["onRefused"] = given ? (who, doc, action, message) => given(who, doc, action, message) : audit.onRefused;
  const deps: AppDeps = { ...appDeps, onOverride: appDeps.onOverride ?? audit.onOverride, onRefused };
  const app = new Hono<Env>();
  app.onError((err, c) => errorResponse(c, err));
  app.notFound((c) => c.json(errorBody("not_found", `no route for ${c.req.method} ${c.req.path}`), 404));

  app.get("/health", (c) => c.json({ ok: true }));

  app.use("/v1/*", async (c, next) => {
    c.set("who", await deps.authenticate(c.req.header("authorization")));
    await next();
  });
  app.use("/v1/admin/*", async (c, next) => {
    if (!c.get("who").admin) throw new WeftError("forbidden", "this call needs the tenant admin role");
    await next();
  });

  app.post("/v1/docs/:docId/ops", async (c) => {
    const doc = docOf(c);
    const body = new Uint8Array(await c.req.arrayBuffer());
    try {
      const results = await ingestChange(deps, c.get("who"), doc, body);
      return c.json({ docId: doc.docId, results }, 202);
    } catch (err) {
      // A 403 (no access, or an op the caller's role does not allow) is recorded; it answers the same.
      if (err instanceof WeftError && err.code === "forbidden") await onRefused(c.get("who"), doc, "submit ops", err.message, err.details);
      throw err;
    }
  });

  app.get("/v1/docs/:docId/ops", async (c) => {
    const doc = docOf(c);
    await authorizeRead(c, doc, "read log");
    const after = intParam(c.req.query("after"), "after", 0, 0, Number.MAX_SAFE_INTEGER);
    const limit = intParam(c.req.query("limit"), "limit", 100, 1, MAX_PAGE);
    // Readers mostly poll near the head: the last batch alone answers that in one read.
    const tail = await deps.log.tail(doc);
    let version = tail?.seqEnd ?? 0;
    let ops: LogEntry[] = [];
    if (tail && after >= tail.seqStart - 1) ops = tail.entries.filter((e) => e.seq > after).slice(0, limit);
    else if (after < version) ops = await deps.log.entries(doc, after, limit);
    const last = ops.length > 0 ? ops[ops.length - 1].seq : after;
    version = Math.max(version, last);
    const next = ops.length === limit && version > last ? { next: last } : {};
    return c.json({ docId: doc.docId, version, ops, ...next });
  });

  app.get("/v1/docs/:docId/ops/:opId", async (c) => {
    const doc = docOf(c);
    const access = await authorizeRead(c, doc, "read receipt");
    const opId = c.req.param("opId");
    if (!ID_PATTERN.test(opId)) throw new WeftError("invalid_request", "op id must match [A-Za-z0-9_-]{1,64}");
    // Before the document exists, a caller sees only their own ops (it may be someone else's draft).
    const receipt = await getReceipt(deps, doc, opId, access.exists ? undefined : c.get("who").userId);
    if (!receipt) throw new WeftError("not_found", `no op ${opId} in document ${doc.docId}`);
    return c.json(receipt);
  });

  app.get("/v1/admin/quarantine", async (c) => {
    const limit = intParam(c.req.query("limit"), "limit", 50, 1, 500);
    const page = await deps.quarantine.list(c.get("who").tenant, limit, c.req.query("cursor") || undefined);
    return c.json(page);
  });

  registerDeadLetterRoutes(app, deps);
  registerDocStateRoutes(app, deps);
  registerAuditRoutes(app, deps);
  registerSearchRoutes(app, deps);
  registerNotifySendRoutes(app, deps);
  registerNotificationRoutes(app, deps);
  registerPreferencesRoutes(app, deps);
  registerDeviceRoutes(app, deps);
  registerNotifyAdminRoutes(app, deps);
  registerAccessPolicyRoutes(app, deps);

  app.get("/v1/admin/metrics", async (c) => {
    const tenant = c.get("who").tenant;
    return c.json(metricsView(tenant, await deps.metricsStore.get(tenant)));
  });


  const authorizeRead = (c: Context<Env>, doc: DocRef, action: string) => authorizeDocRead(deps, c.get("who"), doc, action);

  return app;
}

function docOf(c: Context<Env>): DocRef {
  const docId = c.req.param("docId") ?? "";
  if (!DOC_ID_PATTERN.test(docId)) {
    throw new WeftError("invalid_request", "docId must match [A-Za-z0-9_.-]{1,128}", [{ path: "docId", issue: "bad docId" }]);
  }
  return { tenant: c.get("who").tenant, docId };
}

function intParam(raw: string | undefined, name: string, dflt: number, min: number, max: number): number {
  if (raw === undefined || raw === "") return dflt;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new WeftError("invalid_request", `${name} must be an integer from ${min} to ${max}`, [
      { path: name, issue: `got ${JSON.stringify(raw)}` },
    ]);
  }
  return n;
}

/** Groups raw counters into the documented metrics shape. */
export function metricsView(tenant: string, counters: Record<string, number>) {
  const byPrefix = (prefix: string) =>
    Object.fromEntries(
      Object.entries(counters)
        .filter(([k]) => k.startsWith(prefix))
        .map(([k, v]) => [k.slice(prefix.length), v]),
    );
  const n = (k: string) => counters[k] ?? 0;
  return {
    tenant,
    accepted: n("accepted"),
    duplicates: n("duplicates"),
    redeliveredDuplicates: n("sequencer_duplicates"),
    refused: byPrefix("refused."),
    outOfOrder: n("out_of_order"),
    gaps: n("gaps"),
    clockSkew: n("clock_skew"),
    invalidTransitions: n("invalid_transitions"),
    rejected: byPrefix("rejected."),
    committed: n("committed"),
    sequencerLagMs: summarizeLag(counters),
    materializerLagMs: summarizeLag(counters, MATERIALIZER_LAG_PREFIX),
    logWriter: byPrefix("log_writer."),
  };
}
