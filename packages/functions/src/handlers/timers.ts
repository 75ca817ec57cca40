import { tickFor } from "./timer-loop.js";
import { wiring } from "../wiring.js";

/**
 * Scheduled: turns due timers (closing hold windows) into wake-up records in the inbox, so
 * the document's own sequencer run (in stream order, never concurrently) releases the held
 * changes. On AWS a 1-minute schedule starts it and it keeps ticking for
 * WEFT_TIMERS_LOOP_SECONDS; the local stack calls it every 200 ms and it ticks once.
 */
export async function handler(): Promise<void> {
  await tickFor(Number(process.env.WEFT_TIMERS_LOOP_SECONDS ?? 0), tick);
}

async function tick(): Promise<void> {
  const { timers, inbox, clock } = wiring();
  for (const t of await timers.due(clock.now(), 100)) {
    await inbox.wake(t.doc, t.dueAt);
    await timers.remove(t.doc, t.dueAt);
  }
}
