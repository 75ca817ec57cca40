import type { ScheduledEvent } from "aws-lambda";
import { expect, test } from "vitest";
import { localFunction } from "../src/lambda.js";
import { startScheduler } from "../src/scheduler.js";
import { memoryLogger, waitFor } from "./helpers.js";

test("invokes each schedule with EventBridge's Scheduled Event, never overlapping, and stops cleanly", async () => {
  const events: ScheduledEvent[] = [];
  let running = 0;
  let maxRunning = 0;
  let finished = 0;
  const slow = localFunction("timers", async (e: ScheduledEvent) => {
    events.push(e);
    maxRunning = Math.max(maxRunning, ++running);
    // Longer than the period: the next run must wait for this one.
    await new Promise((r) => setTimeout(r, 80));
    running--;
    finished++;
  });
  const log = memoryLogger();
  const failing = localFunction("broken", async () => {
    throw new Error("always");
  });
  const scheduler = startScheduler(
    [
      { name: "timers", fn: slow, everyMs: 20 },
      { name: "broken", fn: failing, everyMs: 20 },
    ],
    { log },
  );
  await waitFor("three runs", () => events.length >= 3);
  await scheduler.stop();
  const stoppedAt = events.length;
  expect(finished).toBe(stoppedAt);
  await new Promise((r) => setTimeout(r, 100));
  expect(events.length).toBe(stoppedAt);
  expect(maxRunning).toBe(1);

  expect(events[0]).toMatchObject({
    "detail-type": "Scheduled Event",
    source: "aws.events",
    region: "us-east-1",
    resources: ["arn:aws:events:us-east-1:000000000000:rule/timers"],
    detail: {},
  });
  expect(events[0].time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  expect(new Set(events.map((e) => e.id)).size).toBe(events.length);

  expect(scheduler.runs.broken).toBeGreaterThan(3);
  expect(log.entries.filter((e) => e.level === "error")).toHaveLength(1);
});
