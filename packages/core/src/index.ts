export * from "./doc-ref.js";
export * from "./errors.js";
export * from "./ops/types.js";
export * from "./ports/records.js";
export * from "./ports/inbox-store.js";
export * from "./ports/log-store.js";
export * from "./ports/sequencer-state-store.js";
export * from "./ports/sequencer-heads.js";
export * from "./ports/doc-lease-store.js";
export * from "./ports/timer-store.js";
export * from "./ports/object-store.js";
export * from "./ports/quarantine-store.js";
export * from "./ports/metrics-store.js";
export * from "./ports/clock.js";
export * from "./ports/bus.js";
export * from "./ports/dead-letter-store.js";
export * from "./ports/gateway.js";
export * from "./ports/doc-state-store.js";
export * from "./ports/audit-store.js";
export * from "./ports/search-index-store.js";
export * from "./audit/index.js";
export * from "./search/index.js";
export * from "./ports/connection-store.js";
export * from "./live/index.js";
export * from "./quarantine.js";
export * from "./metrics/recorder.js";
export * from "./metrics/lag-histogram.js";
export * from "./access/index.js";
export * from "./ttl-cache.js";
export * from "./in-parallel.js";
export * from "./sequencer/sequencer.js";
export * from "./sequencer/doc-run.js";
export * from "./ingest/ingest-change.js";
export * from "./ingest/receipt.js";
export * from "./ports/memory/index.js";
export * from "./limits.js";
export * from "./ops/validate-change.js";
export {
  opSchema,
  changeSchema,
  changeEnvelopeSchema,
  OP_SCHEMAS,
  insertOpSchema,
  deleteOpSchema,
  formatOpSchema,
  commentOpSchema,
  reactionOpSchema,
  uncommentOpSchema,
  taskOpSchema,
  aclOpSchema,
  type ParsedOp,
  type ParsedChange,
} from "./ops/schema.js";
export { codePointLength, hasLoneSurrogate, toWellFormed } from "./ops/code-points.js";
export * from "./ot/index.js";
export * from "./ingest/inbox-parts.js";
export * from "./events/index.js";
export * from "./materialize/index.js";
export * from "./notify/vocabulary.js";
export * from "./notify/stores/index.js";
export * from "./notify/delivery/index.js";
export * from "./notify/preferences/index.js";
export * from "./notify/engine/index.js";
export * from "./rooms/room-inbox.js";
export * from "./rooms/batch-cache.js";
export * from "./rooms/client-cache.js";
export * from "./rooms/room-sequencer.js";
export * from "./rooms/stream-commit.js";
export * from "./rooms/committed-tail.js";
export * from "./rooms/doc-ownership.js";
export * from "./rooms/holder-heads.js";
export * from "./sequencer/guarded-writes.js";
export * from "./rooms/group-commit.js";
export * from "./rooms/materialized-check.js";
export * from "./log/compaction-schedule.js";
export * from "./log/log-writer.js";
