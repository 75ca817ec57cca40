/**
 * A circuit breaker per provider, as pure state transitions over a JSON value (so it can live
 * in a store shared by every worker):
 * - `closed`: calls go through; `failures` consecutive failures open it once they reach
 *   `threshold`.
 * - `open` until `until` (= opened + coolDownMs): calls are refused without reaching the
 *   provider.
 * - `half_open`: the first `allow` at or after `until` lets exactly one probe through
 *   (recorded as `probeAt`); other calls are refused until the probe's outcome is recorded:
 *   success closes the breaker, failure opens it for another cool-down. A probe whose outcome
 *   never arrives (a crashed worker) is given up after `probeTimeoutMs` and a new one allowed.
 * "Failure" means the provider misbehaved (a retryable result); a hard failure or a rejected
 * message is the provider working and counts as success.
 */
export type BreakerState =
  | { status: "closed"; failures: number }
  | { status: "open"; openedAt: number; until: number }
  | { status: "half_open"; probeAt: number };

export interface BreakerConfig {
  threshold: number;
  coolDownMs: number;
  probeTimeoutMs: number;
}

export const DEFAULT_BREAKER_CONFIG: BreakerConfig = { threshold: 5, coolDownMs: 30_000, probeTimeoutMs: 30_000 };

export const CLOSED: BreakerState = { status: "closed", failures: 0 };

export interface BreakerDecision {
  allowed: boolean;
  /** The state to store (changed when an open breaker turned half-open for this call's probe). */
  state: BreakerState;
  /** When refused: the earliest time a call could be allowed. */
  retryAt?: number;
}

export function allow(state: BreakerState, now: number, config: BreakerConfig = DEFAULT_BREAKER_CONFIG): BreakerDecision {
  switch (state.status) {
    case "closed":
      return { allowed: true, state };
    case "open":
      if (now < state.until) return { allowed: false, state, retryAt: state.until };
      return { allowed: true, state: { status: "half_open", probeAt: now } };
    case "half_open": {
      const stale = state.probeAt + config.probeTimeoutMs;
      if (now < stale) return { allowed: false, state, retryAt: stale };
      return { allowed: true, state: { status: "half_open", probeAt: now } };
    }
  }
}

/**
 * The state after a call's outcome. A late outcome of a call allowed before the breaker opened
 * changes nothing while it is open (the cool-down runs its course).
 */
export function record(state: BreakerState, ok: boolean, now: number, config: BreakerConfig = DEFAULT_BREAKER_CONFIG): BreakerState {
  const open = (): BreakerState => ({ status: "open", openedAt: now, until: now + config.coolDownMs });
  switch (state.status) {
    case "closed":
      if (ok) return state.failures === 0 ? state : CLOSED;
      return state.failures + 1 >= config.threshold ? open() : { status: "closed", failures: state.failures + 1 };
    case "open":
      return state;
    case "half_open":
      return ok ? CLOSED : open();
  }
}
