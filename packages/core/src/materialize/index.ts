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
export { canonicalJson, decodeState, encodeState } from "./encode.js";
export { DEFAULT_SNAPSHOT_CHUNK_BYTES, joinChunks, snapshotChunks } from "./snapshot.js";
