/** The audit trail's domain logic: audit records derived from committed log entries on read, and access events. */
export * from "./audit-records.js";
export * from "./audit-trail.js";
export * from "./access-events.js";
