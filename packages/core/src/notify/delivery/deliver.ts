import type { Clock } from "../../ports/clock.js";
import type { ExternalChannel } from "../vocabulary.js";
import type { BreakerStateStore } from "./breaker-store.js";
import { safeSend, type ChannelAdapter, type DeliveryCommand, type HardFailureKind } from "./channel-adapter.js";
import { allow, DEFAULT_BREAKER_CONFIG, record, type BreakerConfig } from "./circuit-breaker.js";
import { deliveryDeadLetterId, type DeliveryDeadLetter, type DeliveryDeadLetterStore } from "./dead-letter-store.js";
import { hardFailureAction, type HardFailureAction } from "./hard-failure.js";
import { nextAttempt, RETRY_POLICIES, type Rand, type RetryPolicy } from "./retry-policy.js";

export interface DeliverDeps {
  /** The adapter for each external channel (locally: the outbox for all of them). */
  adapters: Partial<Record<ExternalChannel, ChannelAdapter>>;
  breakers: BreakerStateStore;
  deadLetters: DeliveryDeadLetterStore;
  clock: Clock;
  rand: Rand;
  breakerConfig?: BreakerConfig;
  retryPolicies?: Record<ExternalChannel, RetryPolicy>;
  /** The breaker a command counts against: default its provider (one breaker per provider). */
  breakerKey?: (cmd: DeliveryCommand) => string;
}

/**
 * What the caller does next with a delivery:
 * - `done`: the provider accepted it.
 * - `retry`: send the same command again at `at` with `attempt` (cmd.attempt + 1 after a
 *   retryable failure; unchanged after `breaker_open`, since the provider was not called and a
 *   cool-down spends no retry: the class TTL bounds how long it may wait). The engine may also
 *   choose a fallback channel instead.
 * - `dead_letter`: retries spent, or the message was rejected; `letter` is stored.
 * - `hard_failure`: apply `action` (absent when the kind does not fit the target: an adapter
 *   bug worth logging) and do not retry.
 */
export type DeliveryOutcome =
  | { next: "done"; providerMessageId: string }
  | { next: "retry"; at: number; attempt: number; reason: "retryable" | "breaker_open"; error: string }
  | { next: "dead_letter"; error: string; letter: DeliveryDeadLetter }
  | { next: "hard_failure"; kind: HardFailureKind; error: string; action?: HardFailureAction };

/** Compare-and-set rounds on a contended breaker before giving up for this call. */
const CAS_ROUNDS = 5;

/**
 * One delivery attempt: asks the provider's circuit breaker, calls the channel's adapter,
 * records the outcome on the breaker and says what to do next. Never sleeps: retries are the
 * caller's to schedule (a timer, a delayed queue message). Throws only when no adapter serves
 * the command's channel (a wiring error) or a store fails.
 */
export async function deliver(deps: DeliverDeps, cmd: DeliveryCommand): Promise<DeliveryOutcome> {
  const adapter = deps.adapters[cmd.channel];
  if (!adapter) throw new Error(`no channel adapter for ${cmd.channel}`);
  const config = deps.breakerConfig ?? DEFAULT_BREAKER_CONFIG;
  const policies = deps.retryPolicies ?? RETRY_POLICIES;
  const key = deps.breakerKey?.(cmd) ?? cmd.provider;

  const gate = await acquire(deps.breakers, key, deps.clock.now(), config);
  if (!gate.allowed) {
    // Spread the waiting deliveries over one base delay after the breaker may let calls through.
    const at = gate.retryAt + Math.floor(Math.min(Math.max(deps.rand(), 0), 0.999999) * policies[cmd.channel].baseMs);
    return { next: "retry", at, attempt: cmd.attempt, reason: "breaker_open", error: `circuit breaker ${key} is open` };
  }

  const result = await safeSend(adapter, cmd);
  const now = deps.clock.now();
  await recordOutcome(deps.breakers, key, result.status !== "retryable", now, config);

  switch (result.status) {
    case "delivered":
      return { next: "done", providerMessageId: result.providerMessageId };
    case "hard": {
      const action = hardFailureAction(result.kind, cmd);
      return { next: "hard_failure", kind: result.kind, error: result.error, ...(action ? { action } : {}) };
    }
    case "rejected":
      return deadLetter(deps, cmd, result.error, now);
    case "retryable": {
      const at = nextAttempt(cmd.channel, cmd.attempt, now, deps.rand, { notBeforeMs: result.retryAfterMs, policies });
      if (at === "dead_letter") return deadLetter(deps, cmd, result.error, now);
      return { next: "retry", at, attempt: cmd.attempt + 1, reason: "retryable", error: result.error };
    }
  }
}

async function deadLetter(deps: DeliverDeps, cmd: DeliveryCommand, error: string, now: number): Promise<DeliveryOutcome> {
  const letter: DeliveryDeadLetter = {
    id: deliveryDeadLetterId(now, cmd.notificationId, cmd.channel),
    tenant: cmd.tenant,
    userId: cmd.userId,
    notificationId: cmd.notificationId,
    channel: cmd.channel,
    provider: cmd.provider,
    attempts: cmd.attempt,
    error,
    deadAt: now,
    command: cmd,
  };
  await deps.deadLetters.put(letter);
  return { next: "dead_letter", error, letter };
}

async function acquire(
  store: BreakerStateStore,
  key: string,
  now: number,
  config: BreakerConfig,
): Promise<{ allowed: true } | { allowed: false; retryAt: number }> {
  for (let round = 0; round < CAS_ROUNDS; round++) {
    const { state, version } = await store.load(key);
    const decision = allow(state, now, config);
    if (!decision.allowed) return { allowed: false, retryAt: decision.retryAt ?? now };
    if (decision.state === state || (await store.save(key, decision.state, version))) return { allowed: true };
  }
  // Every round lost a race for the half-open probe: someone else holds it.
  return { allowed: false, retryAt: now + config.probeTimeoutMs };
}

/** Applies the outcome to the stored state; the breaker is advisory, so a lost race after the last round is dropped. */
async function recordOutcome(store: BreakerStateStore, key: string, ok: boolean, now: number, config: BreakerConfig): Promise<void> {
  for (let round = 0; round < CAS_ROUNDS; round++) {
    const { state, version } = await store.load(key);
    const next = record(state, ok, now, config);
    if (next === state || (await store.save(key, next, version))) return;
  }
}
