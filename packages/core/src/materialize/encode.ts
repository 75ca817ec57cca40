import type { DocState } from "./state.js";

/**
 * Canonical serialization of a DocState: JSON with the keys of every object sorted (plain
 * code-unit order) and no whitespace. Two equal states always encode to the same bytes, so
 * a state rebuilt from the log can be compared with a stored snapshot byte for byte.
 * Arrays keep their order (spans, comments, mentions are ordered; reaction user lists are
 * already sorted). Properties whose value is `undefined` are omitted, as JSON.stringify does.
 */
export function encodeState(state: DocState): string {
  return canonicalJson({
    version: state.version,
    text: state.text,
    spans: state.spans,
    threads: state.threads,
    tasks: state.tasks,
    acl: state.acl,
    updatedAt: state.updatedAt,
  });
}

/** Deterministic JSON for plain data (objects, arrays, strings, finite numbers, booleans, null). */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") {
    if (typeof value === "number" && !Number.isFinite(value)) throw new TypeError(`canonicalJson: ${value} is not JSON`);
    const out = JSON.stringify(value);
    if (out === undefined) throw new TypeError(`canonicalJson: a ${typeof value} is not JSON`);
    return out;
  }
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? "null" : canonicalJson(v))).join(",")}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(",")}}`;
}

/**
 * A snapshot written before access control (its `acl` is a flat user -> role map, without the
 * document's everyone and group entries): it cannot be read as a state. Readers replay the log
 * from the start instead (a snapshot is a cache of the log).
 */
export class OutdatedSnapshotError extends Error {}

/**
 * The state `encodeState` wrote. Checks the shape enough to fail loudly on a corrupt or
 * foreign snapshot (missing fields, spans that do not cover the text); applyEntries builds
 * its text store from the spans on first use.
 */
export function decodeState(json: string): DocState {
  const v = JSON.parse(json) as Record<string, unknown>;
  const bad = (what: string): never => {
    throw new Error(`decodeState: ${what}`);
  };
  if (v === null || typeof v !== "object" || Array.isArray(v)) bad("not an object");
  if (!Number.isSafeInteger(v.version) || (v.version as number) < 0) bad("version is not a non-negative integer");
  if (typeof v.updatedAt !== "number") bad("updatedAt is not a number");
  if (typeof v.text !== "string") bad("text is not a string");
  if (!Array.isArray(v.spans) || v.spans.some((s) => typeof s?.text !== "string")) bad("spans is not a list of {text}");
  if ((v.spans as { text: string }[]).map((s) => s.text).join("") !== v.text) bad("spans do not cover text");
  for (const k of ["threads", "tasks", "acl"]) {
    if (v[k] === null || typeof v[k] !== "object" || Array.isArray(v[k])) bad(`${k} is not an object`);
  }
  const acl = v.acl as Record<string, unknown>;
  if (typeof acl.everyone !== "string" || typeof acl.users !== "object" || typeof acl.groups !== "object") {
    throw new OutdatedSnapshotError("decodeState: a snapshot from before access control (flat acl)");
  }
  return {
    version: v.version as number,
    text: v.text as string,
    spans: v.spans as DocState["spans"],
    threads: v.threads as DocState["threads"],
    tasks: v.tasks as DocState["tasks"],
    acl: v.acl as DocState["acl"],
    updatedAt: v.updatedAt as number,
  };
}
