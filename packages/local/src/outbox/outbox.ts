import { randomUUID } from "node:crypto";
import { systemClock, type Clock } from "@weft/core";
import type { ChannelAdapter, DeliveryCommand, DeliveryResult } from "@weft/core/notify/delivery/index";
import type { ExternalChannel } from "@weft/core/notify/vocabulary";
import { applyFaults, type ActiveFault, type FaultRule } from "./faults.js";

/** A delivery the outbox accepted: what a provider would have shown the user. */
export interface OutboxDelivery extends DeliveryCommand {
  providerMessageId: string;
  deliveredAt: number;
  /** Later sends of the same (notificationId, channel), answered from memory without showing again. */
  resends: number;
}

/** A send the outbox failed on purpose (an injected fault). */
export interface OutboxFailure extends DeliveryCommand {
  at: number;
  result: Exclude<DeliveryResult, { status: "delivered" }>;
}

export interface OutboxFilter {
  tenant?: string;
  userId?: string;
  channel?: ExternalChannel;
  notificationId?: string;
}

export interface OutboxOptions {
  clock?: Clock;
  /** How injected latency waits (tests pass their own). */
  sleep?: (ms: number) => Promise<void>;
  /** Deliveries and failures kept for listing (oldest dropped first); dedup memory is kept regardless. */
  maxEntries?: number;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The local stack's ChannelAdapter for every external channel: it "delivers" by storing the
 * command, so tests and the dev page can see exactly what would have gone out.
 *
 * - Strict idempotency: a (notificationId, channel) delivers once; every later send of it,
 *   whatever its attempt, answers `delivered` with the first providerMessageId and stores
 *   nothing new (it counts in `resends`). This check comes before any fault: a provider that
 *   already accepted a message does not fail its duplicate.
 * - Failure injection (`setFaults`) makes sends fail, retryably or hard, for a number of sends
 *   or always, and/or answer late, per channel and provider (see faults.ts).
 */
export class Outbox implements ChannelAdapter {
  private readonly clock: Clock;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly maxEntries: number;
  private readonly delivered = new Map<string, OutboxDelivery>();
  private deliveries: OutboxDelivery[] = [];
  private failures: OutboxFailure[] = [];
  private rules: ActiveFault[] = [];

  constructor(opts: OutboxOptions = {}) {
    this.clock = opts.clock ?? systemClock;
    this.sleep = opts.sleep ?? realSleep;
    this.maxEntries = opts.maxEntries ?? 10_000;
  }

  async send(cmd: DeliveryCommand): Promise<DeliveryResult> {
    const key = `${cmd.channel}\n${cmd.notificationId}`;
    const known = this.delivered.get(key);
    if (known) return this.resend(known);
    const verdict = applyFaults(this.rules, cmd);
    if (verdict.latencyMs > 0) await this.sleep(verdict.latencyMs);
    if (verdict.failure) {
      this.keep(this.failures, { ...structuredClone(cmd), at: this.clock.now(), result: verdict.failure });
      return verdict.failure;
    }
    // A concurrent send of the same notification may have delivered during the latency.
    const raced = this.delivered.get(key);
    if (raced) return this.resend(raced);
    const delivery: OutboxDelivery = { ...structuredClone(cmd), providerMessageId: `outbox-${randomUUID()}`, deliveredAt: this.clock.now(), resends: 0 };
    this.delivered.set(key, delivery);
    this.keep(this.deliveries, delivery);
    return { status: "delivered", providerMessageId: delivery.providerMessageId };
  }

  /** Accepted deliveries in delivery order (copies). */
  list(filter: OutboxFilter = {}): OutboxDelivery[] {
    return structuredClone(this.deliveries.filter((d) => matches(d, filter)));
  }

  /** Injected failures in order (copies). */
  listFailures(filter: OutboxFilter = {}): OutboxFailure[] {
    return structuredClone(this.failures.filter((f) => matches(f, filter)));
  }

  /** How many times (0 or 1) the user was shown this notification on this channel. */
  shown(notificationId: string, channel?: ExternalChannel): number {
    return this.deliveries.filter((d) => d.notificationId === notificationId && (channel === undefined || d.channel === channel)).length;
  }

  /** Forgets deliveries, failures and dedup memory; the faults stay. */
  clear(): void {
    this.delivered.clear();
    this.deliveries = [];
    this.failures = [];
  }

  /** Replaces the fault rules (see faults.ts); returns them as installed. */
  setFaults(rules: FaultRule[]): ActiveFault[] {
    this.rules = rules.map((r) => ({ ...r, ...(r.times !== undefined ? { remaining: r.times } : {}) }));
    return this.faults();
  }

  faults(): ActiveFault[] {
    return structuredClone(this.rules);
  }

  private resend(known: OutboxDelivery): DeliveryResult {
    known.resends += 1;
    return { status: "delivered", providerMessageId: known.providerMessageId };
  }

  private keep<T>(list: T[], entry: T): void {
    list.push(entry);
    if (list.length > this.maxEntries) list.splice(0, list.length - this.maxEntries);
  }
}

function matches(d: DeliveryCommand, f: OutboxFilter): boolean {
  return (
    (f.tenant === undefined || d.tenant === f.tenant) &&
    (f.userId === undefined || d.userId === f.userId) &&
    (f.channel === undefined || d.channel === f.channel) &&
    (f.notificationId === undefined || d.notificationId === f.notificationId)
  );
}
