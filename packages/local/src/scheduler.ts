import { randomUUID } from "node:crypto";
import type { ScheduledEvent } from "aws-lambda";
import { meterUsage } from "@weft/functions/adapters/billing/usage-context";
import { invoke, LOCAL_ACCOUNT, type LocalFunction } from "./lambda.js";
import { createLogger, type Logger } from "./log.js";
import { sleep } from "./sleep.js";

export interface LocalSchedule {
  /** The schedule's name (its EventBridge rule name). */
  name: string;
  fn: LocalFunction;
  everyMs: number;
}

export interface Scheduler {
  /** Completed runs per schedule name. */
  readonly runs: Record<string, number>;
  /** Stops scheduling and waits for runs in progress. */
  stop(): Promise<void>;
}

/** A repeated failure is logged again only after this long, so a broken handler cannot flood the log. */
const REPEAT_ERROR_LOG_MS = 30_000;

/**
 * Invokes each schedule's function every `everyMs` (measured from the start of a run; a run
 * that takes longer delays the next, so runs of one schedule never overlap) with the event
 * an EventBridge schedule delivers. The first run is one period after start, as on AWS.
 *
 * Usage: each run counts one "scheduler.invocations" under the schedule's function. That is
 * what happens here, not what AWS bills: on AWS each schedule fires once a minute (EventBridge
 * Scheduler) and the invocation loops for most of the minute (manifest `loopSeconds`), while
 * locally it fires every `everyMs` and returns at once. A cost model must price schedules as
 * fixed monthly usage (runs per month = 43,800 per schedule, each billed for about its loop
 * time) and not scale these counts, nor the local invocations' "lambda.*" units, with load.
 */
export function startScheduler(schedules: LocalSchedule[], opts: { region?: string; log?: Logger } = {}): Scheduler {
  const region = opts.region ?? process.env.AWS_REGION ?? "us-east-1";
  const log = opts.log ?? createLogger();
  const abort = new AbortController();
  const runs: Record<string, number> = {};

  const loop = async ({ name, fn, everyMs }: LocalSchedule) => {
    runs[name] = 0;
    let lastError: { message: string; at: number } | undefined;
    let next = Date.now() + everyMs;
    for (;;) {
      await sleep(next - Date.now(), abort.signal);
      if (abort.signal.aborted) return;
      next = Date.now() + everyMs;
      meterUsage("scheduler.invocations", 1, { fn: fn.name });
      const out = await invoke(fn, scheduledEvent(name, region), region);
      runs[name]++;
      if (out.ok) {
        lastError = undefined;
        continue;
      }
      const now = Date.now();
      if (lastError?.message !== out.error.message || now - lastError.at > REPEAT_ERROR_LOG_MS) {
        log.error("scheduled function failed", { schedule: name, function: fn.name, error: out.error });
        lastError = { message: out.error.message, at: now };
      }
    }
  };
  const loops = schedules.map(loop);

  return {
    runs,
    stop: async () => {
      abort.abort();
      await Promise.all(loops);
    },
  };
}

/** The event EventBridge sends for a scheduled rule (`time` is to the second). */
function scheduledEvent(name: string, region: string): ScheduledEvent<Record<string, never>> {
  return {
    version: "0",
    id: randomUUID(),
    "detail-type": "Scheduled Event",
    source: "aws.events",
    account: LOCAL_ACCOUNT,
    time: new Date().toISOString().replace(/\.\d{3}Z$/, "Z"),
    region,
    resources: [`arn:aws:events:${region}:${LOCAL_ACCOUNT}:rule/${name}`],
    detail: {},
  };
}
