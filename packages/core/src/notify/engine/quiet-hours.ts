import type { QuietHours } from "../preferences/user-preferences.js";
import { instantOfWall, localWallMs, minuteOfDay } from "../preferences/time-zones.js";

const DAY = 86_400_000;

/**
 * When the quiet period that `now` falls in ends (ms), or undefined when `now` is not quiet.
 * Quiet is [start, end) in the user's local wall-clock time, over midnight when end < start;
 * the end is the local time `end` of the right day converted with that day's offset, so a
 * daylight-saving change inside the period moves it correctly (22:00-07:00 in New York on
 * 2025-03-09 ends at 07:00 EDT = 11:00Z, not 12:00Z). A zone this runtime no longer knows
 * (stored preferences outliving a tz-database change) means no quiet hours, never a failure.
 */
export function quietUntil(q: QuietHours | undefined, now: number): number | undefined {
  if (!q) return undefined;
  const start = minuteOfDay(q.start);
  const end = minuteOfDay(q.end);
  if (start === undefined || end === undefined || start === end) return undefined;
  try {
    return quietEnd(q.timeZone, start, end, now);
  } catch {
    return undefined;
  }
}

function quietEnd(timeZone: string, start: number, end: number, now: number): number | undefined {
  const wall = localWallMs(timeZone, now);
  const dayStart = wall - (((wall % DAY) + DAY) % DAY);
  const minute = Math.floor((wall - dayStart) / 60_000);
  const quiet = start < end ? minute >= start && minute < end : minute >= start || minute < end;
  if (!quiet) return undefined;
  let endWall = dayStart + end * 60_000;
  if (endWall <= wall) endWall += DAY;
  let t = instantOfWall(timeZone, endWall);
  if (t <= now) t = instantOfWall(timeZone, endWall + DAY);
  return t;
}
