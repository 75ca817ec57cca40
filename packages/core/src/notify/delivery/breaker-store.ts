import type { BreakerState } from "./circuit-breaker.js";

/** A breaker's state and the version it was stored at (0: never stored, CLOSED). */
export interface VersionedBreakerState {
  state: BreakerState;
  version: number;
}

/**
 * Circuit-breaker states shared by every worker that calls a provider, keyed by breaker key
 * (the provider name, e.g. "ses", "fcm").
 *
 * Contract:
 * - `load(key)` returns the last saved state and its version; a key never saved is
 *   `{state: CLOSED, version: 0}`.
 * - `save(key, state, expectedVersion)` stores `state` at version expectedVersion + 1 and
 *   returns true iff the stored version is still `expectedVersion` (0: nothing stored yet);
 *   otherwise it returns false and changes nothing (compare-and-set: two workers racing to take
 *   the one half-open probe cannot both win).
 * - States round-trip deep-equal; keys are isolated.
 */
export interface BreakerStateStore {
  load(key: string): Promise<VersionedBreakerState>;
  save(key: string, state: BreakerState, expectedVersion: number): Promise<boolean>;
}
