import { matches, validatePattern, type EventPattern } from "@weft/core";
import { functionArn, invoke, type LocalFunction } from "../lambda.js";
import { createLogger, type Logger } from "../log.js";
import { sleep } from "../sleep.js";
import { deliverSqsMessage } from "../sqs-consumer.js";
import { deadLetterMessage, eventOf, ruleArn, type DeadLetterReason, type EventBridgeEvent } from "./event-shape.js";
import { TargetFaults } from "./faults.js";
import { checkPutEvents, type EntryResult } from "./put-events.js";

/** A rule as the local bus runs it: the manifest's RuleSpec with its functions resolved. */
export interface LocalRule {
  name: string;
  pattern: unknown;
  target: LocalFunction;
  retry: { maximumRetryAttempts: number; maximumEventAgeInSeconds: number };
  deadLetter: LocalFunction;
}

export interface LocalEventBusOptions {
  name: string;
  rules: LocalRule[];
  region?: string;
  log?: Logger;
  /** Retry n waits random in [d/2, d] with d = min(baseMs * 2^(n-1), maxMs). Default 100 ms doubling to 1 s. */
  backoff?: { baseMs: number; maxMs: number };
  faults?: TargetFaults;
}

/** Deliveries of one dead-letter message to the dead-letter function before it is dropped (SQS redelivery, locally). */
const DEAD_LETTER_ATTEMPTS = 5;

interface CompiledRule extends LocalRule {
  compiled: EventPattern;
  arn: string;
}

/**
 * The local EventBridge bus. `put` checks a PutEvents body (put-events.ts), answers at once,
 * and delivers each accepted event asynchronously to every rule whose pattern matches (core's
 * EventBridge matcher; patterns are validated here, so a bad manifest pattern fails startup).
 *
 * Delivery per (event, rule) invokes the rule's target with the EventBridge event. A failed
 * invocation (the handler threw, or an injected fault) is retried with exponential backoff and
 * jitter until `maximumRetryAttempts` retries were made or the event is older than
 * `maximumEventAgeInSeconds`; then the rule's dead-letter function gets the event as EventBridge
 * writes it to an SQS dead-letter queue. On AWS a Lambda target is invoked asynchronously and
 * its handler errors are retried by Lambda, which then sends the event to the same queue (see
 * infra/rules.ts); locally both layers are this one loop.
 *
 * `stop()` refuses new events and waits for in-flight deliveries; their remaining backoff
 * waits are skipped, so a stop is prompt and nothing accepted is dropped silently.
 */
export class LocalEventBus {
  readonly name: string;
  readonly counters = { accepted: 0, invocations: 0, retries: 0, deadLettered: 0 };
  private readonly region: string;
  private readonly log: Logger;
  private readonly rules: CompiledRule[];
  private readonly backoff: { baseMs: number; maxMs: number };
  private readonly faults: TargetFaults;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly abort = new AbortController();
  private stopped = false;

  constructor(o: LocalEventBusOptions) {
    this.name = o.name;
    this.region = o.region ?? process.env.AWS_REGION ?? "us-east-1";
    this.log = o.log ?? createLogger();
    this.backoff = o.backoff ?? { baseMs: 100, maxMs: 1000 };
    this.faults = o.faults ?? new TargetFaults();
    this.rules = o.rules.map((r) => {
      const v = validatePattern(r.pattern);
      if (!v.ok) throw new Error(`event bus rule "${r.name}": invalid event pattern: ${v.errors.join("; ")}`);
      return { ...r, compiled: v.pattern, arn: ruleArn(o.name, r.name, this.region) };
    });
  }

  /** Handles a parsed PutEvents body: the response entries, with accepted events queued for delivery. */
  put(body: unknown): { FailedEntryCount: number; Entries: EntryResult[] } {
    if (this.stopped) throw new Error("the local event bus is stopped");
    const receivedAt = Date.now();
    const { results, accepted } = checkPutEvents(body, new Set([this.name]), receivedAt);
    for (const a of accepted) {
      this.counters.accepted++;
      const event = eventOf(a, this.region);
      for (const rule of this.rules) {
        if (matches(rule.compiled, event)) this.track(this.deliver(rule, event, receivedAt));
      }
    }
    return { FailedEntryCount: results.filter((r) => "ErrorCode" in r).length, Entries: results };
  }

  /** Resolves once every delivery started so far (retries and dead letters included) has ended. */
  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    await this.drain();
  }

  private track(p: Promise<void>): void {
    const tracked = p.catch((err) => this.log.error("event bus delivery failed", { error: err })).finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
  }

  /** `receivedAt`: when the bus accepted the event (the event's age counts from it, not from its `time`). */
  private async deliver(rule: CompiledRule, event: EventBridgeEvent, receivedAt: number): Promise<void> {
    let last: Error | undefined;
    for (let attempt = 0; ; attempt++) {
      if (attempt > 0) {
        this.counters.retries++;
        const d = Math.min(this.backoff.baseMs * 2 ** (attempt - 1), this.backoff.maxMs);
        await sleep(d / 2 + (Math.random() * d) / 2, this.abort.signal);
      }
      this.counters.invocations++;
      const fault = this.faults.check(rule.target.name, event);
      const out = fault ? { ok: false as const, error: fault } : await invoke(rule.target, event, this.region);
      if (out.ok) return;
      last = out.error;
      const expired = Date.now() - receivedAt > rule.retry.maximumEventAgeInSeconds * 1000;
      if (attempt >= rule.retry.maximumRetryAttempts || expired) {
        this.log.warn("event bus target failed; dead-lettered", { rule: rule.name, target: rule.target.name, eventId: event.id, attempts: attempt + 1, error: last.message });
        return this.deadLetter(rule, event, {
          ruleArn: rule.arn,
          targetArn: functionArn(rule.target.name, this.region),
          errorCode: expired ? "EVENT_EXPIRED" : "FUNCTION_ERROR",
          errorMessage: last.message,
          retryAttempts: attempt,
        });
      }
    }
  }

  private async deadLetter(rule: CompiledRule, event: EventBridgeEvent, why: DeadLetterReason): Promise<void> {
    this.counters.deadLettered++;
    const message = deadLetterMessage(event, why, `${this.name}-${rule.name}-dlq`, this.region);
    for (let n = 1; n <= DEAD_LETTER_ATTEMPTS; n++) {
      const out = await deliverSqsMessage(rule.deadLetter, message, n, this.region);
      if (out.ok) return;
      this.log.warn("dead-letter function failed", { rule: rule.name, function: rule.deadLetter.name, eventId: event.id, receive: n, error: out.error.message });
      await sleep(Math.min(this.backoff.baseMs * 2 ** n, this.backoff.maxMs), this.abort.signal);
    }
    this.log.error("dead letter dropped after its deliveries", { rule: rule.name, eventId: event.id, event });
  }
}
