import type { ExternalChannel } from "../vocabulary.js";

/**
 * How often and how patiently each channel is retried. `retries` counts the attempts after the
 * first (so a channel makes at most retries + 1 attempts). The delay before retry n (n >= 1) is
 * drawn uniformly from [0, min(capMs, baseMs * 2^(n-1))) ("full jitter": retries of many
 * notifications that failed together spread out instead of hitting the provider in a wave).
 */
export interface RetryPolicy {
  retries: number;
  baseMs: number;
  capMs: number;
}

/** The per-channel budgets of the issue: push 2, email 3, SMS 2, web push 1. */
export const RETRY_POLICIES: Record<ExternalChannel, RetryPolicy> = {
  mobile_push: { retries: 2, baseMs: 2_000, capMs: 60_000 },
  web_push: { retries: 1, baseMs: 2_000, capMs: 60_000 },
  email: { retries: 3, baseMs: 10_000, capMs: 5 * 60_000 },
  sms: { retries: 2, baseMs: 10_000, capMs: 2 * 60_000 },
};

/** A source of uniform numbers in [0, 1) (Math.random, or a seeded PRNG in tests). */
export type Rand = () => number;

/**
 * When to make the next attempt after `attempt` (1-based) failed retryably at `now`: a time
 * >= now, or "dead_letter" when the channel's retries are spent. `notBeforeMs` (a provider's
 * Retry-After) pushes the time to at least now + notBeforeMs; it never buys extra retries.
 */
export function nextAttempt(
  channel: ExternalChannel,
  attempt: number,
  now: number,
  rand: Rand,
  opts: { notBeforeMs?: number; policies?: Record<ExternalChannel, RetryPolicy> } = {},
): number | "dead_letter" {
  const policy = (opts.policies ?? RETRY_POLICIES)[channel];
  if (!Number.isInteger(attempt) || attempt < 1) throw new RangeError(`attempt must be an integer >= 1, got ${attempt}`);
  if (attempt > policy.retries) return "dead_letter";
  const window = Math.min(policy.capMs, policy.baseMs * 2 ** (attempt - 1));
  const r = Math.min(Math.max(rand(), 0), 1 - Number.EPSILON);
  const jittered = Math.floor(r * window);
  return now + Math.max(jittered, opts.notBeforeMs ?? 0);
}
