import { schedules as scheduleSpecs } from "./manifest.js";
import { componentName, mapRecord } from "./naming.js";
import { functions } from "./functions.js";

type ScheduleExpression = `rate(${string})` | `cron(${string})` | `at(${string})`;

/**
 * One cron job per manifest schedule, invoking the manifest's function (by ARN, so the
 * function keeps the env and grants functions.ts gave it, including its loop length). The
 * manifest's `localEveryMs` is for the local stack only and has no AWS counterpart.
 */
export const schedules = mapRecord(scheduleSpecs, (name, spec) =>
  new sst.aws.Cron(componentName(name, "Schedule"), {
    schedule: scheduleExpression(name, spec.rate),
    function: functions[spec.function].arn,
  }),
);

/** The manifest types `rate` as a plain string; EventBridge only takes these three forms. */
function scheduleExpression(name: string, rate: string): ScheduleExpression {
  if (/^(rate|cron|at)\(.+\)$/.test(rate)) return rate as ScheduleExpression;
  throw new Error(`manifest: schedule "${name}" has rate "${rate}", expected rate(...), cron(...) or at(...)`);
}
