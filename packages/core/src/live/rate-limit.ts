import { PRESENCE_BURST, PRESENCE_PER_SECOND } from "./limits.js";

/**
 * A token bucket of `burst` tokens refilled at one token per `intervalMs`, kept as a single
 * number: the GCRA "theoretical arrival time" `tat` (ms). The bucket is full when
 * `tat <= now`; each admitted message pushes `tat` one interval further (from `now` when the
 * bucket was full); a message is admitted while the bucket holds a whole token, which is
 * exactly when `tat <= now + (burst - 1) * intervalMs` (see `rateCeiling`).
 *
 * One number instead of (tokens, refilledAt) is what makes the storage version atomic with no
 * read: "bucket full" is one conditional SET, "bucket partly used" one conditional ADD of
 * `intervalMs` (connection store adapters), and neither can over-admit under races.
 */
export interface RateLimit {
  burst: number;
  intervalMs: number;
}

export const PRESENCE_RATE: RateLimit = { burst: PRESENCE_BURST, intervalMs: 1000 / PRESENCE_PER_SECOND };

/** The largest stored `tat` at which one more message is still admitted at `now`. */
export function rateCeiling(now: number, rate: RateLimit): number {
  return now + (rate.burst - 1) * rate.intervalMs;
}

/** Decides one message at `now` given the stored `tat` (undefined = never used: full bucket). */
export function admit(tat: number | undefined, now: number, rate: RateLimit): { allowed: boolean; tat: number } {
  const current = tat ?? now;
  if (current <= now) return { allowed: true, tat: now + rate.intervalMs };
  if (current <= rateCeiling(now, rate)) return { allowed: true, tat: current + rate.intervalMs };
  return { allowed: false, tat: current };
}

/** Whole tokens left at `now` (for messages and tests): burst when full, 0 when limited. */
export function tokensLeft(tat: number | undefined, now: number, rate: RateLimit): number {
  const used = Math.max(0, (tat ?? now) - now);
  return Math.max(0, Math.floor((rate.burst * rate.intervalMs - used) / rate.intervalMs));
}
