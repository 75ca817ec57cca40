import { applyEntries, emptyAcl, emptyState } from "../core.js";
import type { AclRole, DocState } from "@weft/core";
import { OtEngine } from "../engine/ot-engine.js";
import type { DocJson, HttpApi } from "../net/http-api.js";
import type { OutboxRecord } from "./outbox.js";

/**
 * The committed state to start from and the caller's role as the server reported it:
 * `GET /v1/docs/{docId}`; on 404 (no committed op yet, or a server without that route) the log
 * replayed from seq 1 (one request for a new document). A caller without access gets the
 * server's 403 (a WeftError `forbidden`).
 */
export async function loadState(http: HttpApi, docId: string): Promise<{ state: DocState; role?: AclRole }> {
  const json = await http.getDoc(docId);
  const state = json ? stateOf(json) : undefined;
  if (state) return { state, role: json?.role };
  return { state: applyEntries(emptyState(), await http.opsBetween(docId, 0)) };
}

/** A DocState from the HTTP representation, or undefined when it is not one (then the log is replayed). */
export function stateOf(json: DocJson): DocState | undefined {
  if (typeof json.version !== "number" || typeof json.text !== "string") return undefined;
  const spans = (json.spans ?? (json.text ? [{ text: json.text }] : [])) as DocState["spans"];
  if (!Array.isArray(spans) || spans.map((s) => s.text).join("") !== json.text) return undefined;
  return {
    version: json.version,
    text: json.text,
    spans,
    threads: (json.threads ?? {}) as DocState["threads"],
    tasks: (json.tasks ?? {}) as DocState["tasks"],
    acl: json.acl && typeof json.acl.users === "object" ? { users: { ...json.acl.users }, groups: { ...json.acl.groups }, everyone: json.acl.everyone ?? "none" } : emptyAcl(),
    updatedAt: json.updatedAt ?? 0,
  };
}

/**
 * The engine for a document (and the caller's role, when the server reported it): from the
 * loaded state alone, or restoring a saved outbox. The outbox's ops are in the coordinates of
 * `record.version`; a state loaded behind it is brought forward with the entries in between,
 * and a state ahead of it is reached by rebasing the ops past those entries (acknowledging own
 * ops among them), exactly as if they had arrived over the socket.
 */
export async function createEngine(
  http: HttpApi,
  docId: string,
  clientId: string,
  record: OutboxRecord | undefined,
  merge: boolean,
): Promise<{ engine: OtEngine; role?: AclRole }> {
  const loaded = await loadState(http, docId);
  let state = loaded.state;
  if (!record) return { engine: new OtEngine(clientId, state, undefined, merge), role: loaded.role };
  if (state.version < record.version) {
    state = applyEntries(state, await http.opsBetween(docId, state.version, record.version));
  }
  const ahead = state.version > record.version ? await http.opsBetween(docId, record.version, state.version) : [];
  const engine = new OtEngine(record.clientId, state, record, merge);
  if (ahead.length > 0) engine.rebaseOnly(ahead);
  return { engine, role: loaded.role };
}
