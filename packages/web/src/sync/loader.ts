import { applyEntries, emptyState } from "../core.js";
import type { DocState } from "@weft/core";
import { OtEngine } from "../engine/ot-engine.js";
import type { DocJson, HttpApi } from "../net/http-api.js";
import type { OutboxRecord } from "./outbox.js";

/**
 * The committed state to start from: `GET /v1/docs/{docId}`; on 404 (no committed op yet, or
 * a server without that route) the log replayed from seq 1 (one request for a new document).
 */
export async function loadState(http: HttpApi, docId: string): Promise<DocState> {
  const json = await http.getDoc(docId);
  const state = json ? stateOf(json) : undefined;
  if (state) return state;
  return applyEntries(emptyState(), await http.opsBetween(docId, 0));
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
    acl: (json.acl ?? {}) as DocState["acl"],
    updatedAt: json.updatedAt ?? 0,
  };
}

/**
 * The engine for a document: from the loaded state alone, or restoring a saved outbox. The
 * outbox's ops are in the coordinates of `record.version`; a state loaded behind it is
 * brought forward with the entries in between, and a state ahead of it is reached by
 * rebasing the ops past those entries (acknowledging own ops among them), exactly as if they
 * had arrived over the socket.
 */
export async function createEngine(
  http: HttpApi,
  docId: string,
  clientId: string,
  record: OutboxRecord | undefined,
  merge: boolean,
): Promise<OtEngine> {
  let state = await loadState(http, docId);
  if (!record) return new OtEngine(clientId, state, undefined, merge);
  if (state.version < record.version) {
    state = applyEntries(state, await http.opsBetween(docId, state.version, record.version));
  }
  const ahead = state.version > record.version ? await http.opsBetween(docId, record.version, state.version) : [];
  const engine = new OtEngine(record.clientId, state, record, merge);
  if (ahead.length > 0) engine.rebaseOnly(ahead);
  return engine;
}
