import { z } from "zod";
import { EXTERNAL_CHANNELS, HARD_FAILURE_KINDS, PROVIDERS, type DeliveryCommand, type DeliveryResult } from "@weft/core/notify/delivery/index";

/**
 * One failure-injection rule of the local outbox. A send matches a rule when the rule's
 * `channel` and `provider` (each optional: absent matches any) equal the command's; the first
 * matching rule with sends left applies:
 * - `fail`: answer with that failure instead of delivering (`retryable` carries `retryAfterMs`
 *   when given); absent: deliver normally (a latency-only rule).
 * - `times`: how many sends the rule applies to ("fail the next N"); absent: every send.
 * - `latencyMs`: wait this long before answering (either way).
 */
export const faultRuleSchema = z.strictObject({
  channel: z.enum(EXTERNAL_CHANNELS).optional(),
  provider: z.enum(PROVIDERS).optional(),
  fail: z.enum(["retryable", "rejected", ...HARD_FAILURE_KINDS]).optional(),
  times: z.number().int().min(1).max(1_000_000).optional(),
  latencyMs: z.number().int().min(0).max(60_000).optional(),
  retryAfterMs: z.number().int().min(0).max(86_400_000).optional(),
});
export type FaultRule = z.infer<typeof faultRuleSchema>;

/** The body of `PUT /v1/dev/outbox/faults`: the whole rule set, replacing the previous one. */
export const faultsBodySchema = z.strictObject({ faults: z.array(faultRuleSchema).max(100) });

/** A rule as installed: `remaining` counts down from `times` (absent: unlimited). */
export interface ActiveFault extends FaultRule {
  remaining?: number;
}

export interface FaultVerdict {
  latencyMs: number;
  /** The failure to answer with; undefined: deliver. */
  failure?: Exclude<DeliveryResult, { status: "delivered" }>;
}

/** Picks the rule for `cmd` and spends one of its sends. */
export function applyFaults(rules: ActiveFault[], cmd: DeliveryCommand): FaultVerdict {
  const rule = rules.find(
    (r) => (r.channel === undefined || r.channel === cmd.channel) && (r.provider === undefined || r.provider === cmd.provider) && (r.remaining === undefined || r.remaining > 0),
  );
  if (!rule) return { latencyMs: 0 };
  if (rule.remaining !== undefined) rule.remaining -= 1;
  const latencyMs = rule.latencyMs ?? 0;
  const error = `injected ${rule.fail} fault (${cmd.channel}/${cmd.provider})`;
  switch (rule.fail) {
    case undefined:
      return { latencyMs };
    case "retryable":
      return { latencyMs, failure: { status: "retryable", error, ...(rule.retryAfterMs !== undefined ? { retryAfterMs: rule.retryAfterMs } : {}) } };
    case "rejected":
      return { latencyMs, failure: { status: "rejected", error } };
    default:
      return { latencyMs, failure: { status: "hard", kind: rule.fail, error } };
  }
}
