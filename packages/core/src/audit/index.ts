/** The audit trail consumer's domain logic: audit records derived from committed log entries. */
export * from "./audit-records.js";
