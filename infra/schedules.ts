import { rules as ruleSpecs, schedules as scheduleSpecs } from "./manifest.js";
import { componentName, entries, mapRecord } from "./naming.js";
import { functions } from "./functions.js";

type ScheduleExpression = `rate(${string})` | `cron(${string})`;

/** Time a loop leaves before the next scheduled run starts: its last tick finishes in it. */
const LOOP_MARGIN_SECONDS = 5;

/**
 * One EventBridge Scheduler schedule per manifest schedule (SST's `CronV2`), invoking the
 * manifest's function by ARN, so the function keeps the environment and grants functions.ts gave
 * it, including its loop length. Each invocation loops for `loopSeconds`, then the next one
 * starts. Chosen on purpose over `Cron` (an EventBridge rule on the account's default bus):
 * Scheduler keeps Weft's schedules off the shared default bus, and has an explicit retry setting.
 *
 * Loops never overlap:
 * - Scheduler does not retry (retries: 0), and Lambda's asynchronous invocation of the function
 *   retries nothing either (its event invoke config below, maximumRetryAttempts 0), so a failed
 *   or timed-out loop is not run again beside the next minute's; the next run simply picks up
 *   the work (every loop handler works from durable timers, not from its event);
 * - an invocation that could not start within 60 s (throttling) is dropped, not run late;
 * - loopSeconds + LOOP_MARGIN_SECONDS must fit in the schedule's period, checked below.
 * The manifest's `localEveryMs` is for the local stack only and has no AWS counterpart.
 */
export const schedules = mapRecord(scheduleSpecs, (name, spec) => {
  const fn = functions[spec.function];
  const period = periodSeconds(name, spec.rate);
  if (period !== undefined && spec.loopSeconds + LOOP_MARGIN_SECONDS > period) {
    throw new Error(`manifest: schedule "${name}" loops ${spec.loopSeconds}s, which with a ${LOOP_MARGIN_SECONDS}s margin overlaps the next run ${period}s later`);
  }
  // One asynchronous-invocation config per function: a rule target keeps its retries (rules.ts).
  const rule = entries(ruleSpecs).find(([, r]) => (r.target as string) === spec.function);
  if (rule) throw new Error(`manifest: schedule "${name}" and rule "${rule[0]}" both invoke "${spec.function}"`);
  new aws.lambda.FunctionEventInvokeConfig(componentName(name, "ScheduleInvokeConfig"), {
    functionName: fn.name,
    maximumRetryAttempts: 0,
    maximumEventAgeInSeconds: 60,
  });
  return new sst.aws.CronV2(componentName(name, "Schedule"), {
    schedule: scheduleExpression(name, spec.rate),
    function: fn.arn,
    retries: 0,
  });
});

/** The manifest types `rate` as a plain string; a recurring schedule takes these two forms. */
function scheduleExpression(name: string, rate: string): ScheduleExpression {
  if (/^(rate|cron)\(.+\)$/.test(rate)) return rate as ScheduleExpression;
  throw new Error(`manifest: schedule "${name}" has rate "${rate}", expected rate(...) or cron(...) (at(...) runs once: not a loop)`);
}

/** Seconds between runs of a `rate(...)` expression; undefined for cron(...) (checked by the reader). */
function periodSeconds(name: string, rate: string): number | undefined {
  const m = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(rate);
  if (!m) {
    if (rate.startsWith("rate(")) throw new Error(`manifest: schedule "${name}" has rate "${rate}", expected rate(<n> minute(s)|hour(s)|day(s))`);
    return undefined;
  }
  const unit = m[2].startsWith("minute") ? 60 : m[2].startsWith("hour") ? 3600 : 86_400;
  return Number(m[1]) * unit;
}

