/** Delivery to the external channels: the adapter port, retries, breakers, hard failures, dead letters. */
export * from "./channel-adapter.js";
export * from "./delivery-schema.js";
export * from "./retry-policy.js";
// The breaker's transitions keep their short names in their module; the barrel qualifies them.
export {
  allow as breakerAllow,
  record as breakerRecord,
  CLOSED as BREAKER_CLOSED,
  DEFAULT_BREAKER_CONFIG,
  type BreakerConfig,
  type BreakerDecision,
  type BreakerState,
} from "./circuit-breaker.js";
export * from "./hard-failure.js";
export * from "./breaker-store.js";
export * from "./dead-letter-store.js";
export * from "./deliver.js";
export * from "./memory/index.js";
