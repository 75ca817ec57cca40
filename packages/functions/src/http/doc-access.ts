import { assertMayRead, docAccess, type AclReader, type DocAccess, type DocRef, type MetricsRecorder, type Principal } from "@weft/core";

export interface DocReadDeps {
  acls: AclReader;
  metrics: MetricsRecorder;
  /** Called when a tenant admin reads a document they hold no role on (the audit trail records it). */
  onOverride?: (who: Principal, doc: DocRef, action: string) => Promise<void>;
  /** Called when a document route refuses a caller 403 (the audit trail records it). */
  onRefused?: (who: Principal, doc: DocRef, action: string, message: string) => Promise<void>;
}

/**
 * The read check every document route makes first: 403 `forbidden` unless the caller may read
 * `doc` (a document not created yet passes), counted as `refused.forbidden`; an admin reading
 * a document they hold no role on is reported as an override. Returns the caller's access.
 */
export async function authorizeDocRead(deps: DocReadDeps, who: Principal, doc: DocRef, action: string): Promise<DocAccess> {
  const access = await docAccess(deps.acls, who, doc);
  try {
    assertMayRead(access, doc);
  } catch (err) {
    deps.metrics.count(who.tenant, "refused.forbidden");
    await deps.metrics.flush();
    await deps.onRefused?.(who, doc, action, (err as Error).message);
    throw err;
  }
  if (access.override) await deps.onOverride?.(who, doc, action);
  return access;
}
