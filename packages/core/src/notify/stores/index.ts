/**
 * The notification engine's storage ports (each with its contract) and the checks every
 * adapter shares. The generic helpers in common.ts (cursors, TTL arithmetic, id checks) stay
 * out of this index: adapters import them from "@weft/core/notify/stores/common".
 */
export { NOTIFY_USER_ID_PATTERN, assertNotifyUser, type NotifyUser } from "./common.js";
export * from "./user-state-store.js";
export * from "./feed-store.js";
export * from "./decision-log-store.js";
export * from "./device-store.js";
export * from "./profile-store.js";
