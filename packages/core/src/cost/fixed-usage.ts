import { SECONDS_PER_MONTH } from "./prices.js";
import type { UsageLine, UsageUnit } from "./usage.js";

/**
 * Fixed monthly usage: what runs whatever the event rate, e.g. the five 1-minute schedules
 * (infra/manifest.ts `schedules`), each invocation a Lambda that loops for ~55 s. Its usage per
 * month goes into BillInput.fixedMonthly, which every rate's bill adds as is.
 */

/** A function invoked by an EventBridge Scheduler schedule at a fixed period. */
export interface ScheduledFunction {
  fn: string;
  /** Seconds between invocations (> 0): 60 for rate(1 minute). */
  everySeconds: number;
  /** Billed Lambda milliseconds per invocation (>= 0): ~55,000 for a handler looping 55 s. */
  billedMsPerInvocation: number;
  /** Further usage per invocation, measured on an idle system (e.g. the polling's DynamoDB reads, log bytes). */
  perInvocation?: ReadonlyArray<{ unit: UsageUnit; resource?: string; quantity: number }>;
}

/** Invocations a month of a schedule firing every `everySeconds` (43,830 for one a minute). */
export function invocationsPerMonth(everySeconds: number): number {
  if (!(Number.isFinite(everySeconds) && everySeconds > 0)) throw new Error(`schedule: bad period ${everySeconds} s`);
  return SECONDS_PER_MONTH / everySeconds;
}

/**
 * Usage per month of scheduled functions: per schedule, its Scheduler invocations and Lambda
 * invocations and billed ms (attributed to the function), plus `perInvocation` x invocations.
 * Throws on a bad period or a negative or non-finite quantity.
 */
export function scheduleUsagePerMonth(schedules: readonly ScheduledFunction[]): UsageLine[] {
  const lines: UsageLine[] = [];
  for (const s of schedules) {
    const n = invocationsPerMonth(s.everySeconds);
    if (!Number.isFinite(s.billedMsPerInvocation) || s.billedMsPerInvocation < 0) {
      throw new Error(`schedule ${s.fn}: bad billed ms ${s.billedMsPerInvocation}`);
    }
    lines.push(
      { unit: "scheduler.invocations", fn: s.fn, quantity: n },
      { unit: "lambda.invocations", fn: s.fn, quantity: n },
      { unit: "lambda.ms", fn: s.fn, quantity: n * s.billedMsPerInvocation },
    );
    for (const u of s.perInvocation ?? []) {
      if (!Number.isFinite(u.quantity) || u.quantity < 0) throw new Error(`schedule ${s.fn}: bad ${u.unit} quantity ${u.quantity}`);
      lines.push({ unit: u.unit, fn: s.fn, ...(u.resource !== undefined ? { resource: u.resource } : {}), quantity: n * u.quantity });
    }
  }
  return lines;
}
