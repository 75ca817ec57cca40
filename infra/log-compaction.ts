import { functionFailingAlarms } from "./alarms.js";
import { functions } from "./functions.js";

/**
 * The log compactor must compact every document's batches within 7 days of their append, or
 * DynamoDB's TTL deletes ops that are in no segment (manifest `tables.log`, docs/cost.md). It
 * fails an invocation when a compaction fails or its backlog is hours old
 * (handlers/log-compactor.ts), so these alarms fire with ~6 days left to act.
 */
export const logCompactionAlarms = functionFailingAlarms(
  "LogCompactor",
  functions.logCompactor.name,
  "Weft's log compactor is failing or behind: documents' batch items expire 7 days after their append, compacted or not (docs/cost.md).",
);
