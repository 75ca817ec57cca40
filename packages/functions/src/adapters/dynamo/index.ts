/** DynamoDB adapters of the storage ports, table helpers and capacity metering. */
export * from "./capacity.js";
export * from "./client.js";
export * from "./create-tables.js";
export * from "./doc-state-store.js";
export * from "./inbox-store.js";
export * from "./log-store.js";
export * from "./metrics-store.js";
export * from "./quarantine-store.js";
export * from "./sequencer-state-store.js";
export * from "./table.js";
export * from "./timer-store.js";
export * from "./dead-letter-store.js";
