/** In-memory reference adapters of every storage and delivery port (tests, local stack). */
export * from "./audit-store.js";
export * from "./bus.js";
export * from "./doc-state-store.js";
export * from "./connection-store.js";
export * from "./gateway.js";
export * from "./inbox-store.js";
export * from "./log-store.js";
export * from "./metrics-store.js";
export * from "./quarantine-store.js";
export * from "./search-index-store.js";
export * from "./sequencer-state-store.js";
export * from "./timer-store.js";
export * from "./dead-letter-store.js";
