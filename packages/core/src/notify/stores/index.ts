/** The notification engine's storage ports (each with its contract) and their shared checks. */
export * from "./common.js";
export * from "./user-state-store.js";
export * from "./feed-store.js";
export * from "./decision-log-store.js";
export * from "./device-store.js";
export * from "./profile-store.js";
