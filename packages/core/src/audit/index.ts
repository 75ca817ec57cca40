/** The audit trail consumer's domain logic: audit records derived from committed log entries, and access events. */
export * from "./audit-records.js";
export * from "./access-events.js";
