import type { DocRef } from "../doc-ref.js";
import { logRange } from "../materialize/log-range.js";
import type { DocState } from "../materialize/state.js";
import type { LogStore } from "../ports/log-store.js";
import { foldAcl, type DocAcl } from "./doc-acl.js";

/**
 * Reads materialized document states: `DocStates.read` (materialize/doc-states.ts). A state
 * may trail the log.
 */
export interface StateReader {
  read(doc: DocRef, version?: number): Promise<DocState | undefined>;
}

/**
 * The ACL as of `version` computed from the log: the newest materialized state at or below
 * it (when `states` is given) plus the log entries after it, else the whole log up to it.
 * undefined for version 0 (no document). The slow path: the sequencer and ingest keep the ACL
 * with the sequencer's checkpoint and come here only for documents whose log predates that.
 */
export async function aclAt(deps: { log: LogStore; states?: StateReader }, doc: DocRef, version: number): Promise<DocAcl | undefined> {
  if (version <= 0) return undefined;
  let state = deps.states ? await deps.states.read(doc) : undefined;
  if (state && state.version > version) state = await deps.states!.read(doc, version);
  const from = state?.version ?? 0;
  const rest = from < version ? await logRange(deps.log, doc, from, version) : [];
  return foldAcl(state && from > 0 ? state.acl : undefined, rest);
}
