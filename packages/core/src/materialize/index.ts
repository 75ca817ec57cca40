/** The document state as a pure function of the log, its canonical encoding and snapshot chunking. */
export {
  applyEntries,
  emptyState,
  materialize,
  type Comment,
  type DocState,
  type Span,
  type Task,
  type Thread,
} from "./state.js";
export { canonicalJson, decodeState, encodeState, OutdatedSnapshotError } from "./encode.js";
export { DocStates, type DocStatesDeps } from "./doc-states.js";
export { LogEndsEarly, logRange } from "./log-range.js";
export {
  DEFAULT_DOC_STATES_CONFIG,
  entryBytes,
  snapshotDue,
  type DocStatesConfig,
  type SnapshotDebt,
} from "./snapshot-policy.js";
export { LruByWeight } from "./state-cache.js";
export { DEFAULT_SNAPSHOT_CHUNK_BYTES, joinChunks, snapshotChunks } from "./snapshot.js";
