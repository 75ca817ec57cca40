import {
  jsonLineSink,
  timeId,
  type AccessAction,
  type AccessEvent,
  type AuditStore,
  type Clock,
  type DocRef,
  type ErrorDetail,
  type LogSink,
  type Principal,
} from "@weft/core";

/**
 * What the document routes record in the audit trail (as access events, AuditStore
 * putAccessEvents): each 403 `forbidden` they answer (`refused`) and each read by a tenant
 * admin holding no role on the document (`override`). Best effort: a failed write is logged
 * (`access_audit_failed`) and never throws, so the route answers as it would have. Event ids
 * are `<kind>.<time id>` (unique: the time in base 36 and 8 random characters).
 */
export interface HttpAccessAudit {
  onOverride(who: Principal, doc: DocRef, action: AccessAction): Promise<void>;
  /** `message`/`details`: the 403 the route is about to answer. */
  onRefused(who: Principal, doc: DocRef, action: AccessAction, message: string, details?: readonly ErrorDetail[]): Promise<void>;
}

/** The hooks the document routes call (http/doc-access.ts DocReadDeps), writing to `auditStore`. */
export function httpAccessAudit(deps: { auditStore: AuditStore; clock: Clock }, logSink: LogSink = jsonLineSink): HttpAccessAudit {
  const record = async (doc: DocRef, event: AccessEvent) => {
    try {
      await deps.auditStore.putAccessEvents(doc, [event]);
    } catch (err) {
      logSink({ kind: "access_audit_failed", tenant: doc.tenant, docId: doc.docId, event: event.kind, userId: event.userId, message: (err as Error)?.message });
    }
  };
  return {
    onOverride: (who, doc, action) => {
      const at = deps.clock.now();
      return record(doc, { id: `override.${timeId(at)}`, at, userId: who.userId, kind: "override", action });
    },
    onRefused: (who, doc, action, message, details = []) => {
      const at = deps.clock.now();
      const { reason, opId } = refusalOf(details);
      return record(doc, { id: `refused.${timeId(at)}`, at, userId: who.userId, kind: "refused", action, reason, ...(opId === undefined ? {} : { opId }), message });
    },
  };
}

/**
 * Why a 403 of a document route was given, from its details as documented (docs/api.md): none
 * means no access at all; a submit refused for the caller's role names its first such op in
 * `details[0]` (`id`, and `issue` "needs the <role> role; ...").
 */
export function refusalOf(details: readonly ErrorDetail[]): { reason: string; opId?: string } {
  const first = details[0];
  if (!first) return { reason: "no access" };
  const needs = /needs the (\w+) role/.exec(first.issue)?.[1];
  return { reason: needs ? `role too low, needs ${needs}` : "role too low", ...(first.id === undefined ? {} : { opId: first.id }) };
}
