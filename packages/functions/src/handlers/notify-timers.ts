import { wiring } from "../wiring.js";
import { tickFor } from "./timer-loop.js";

/**
 * Scheduled: runs each user's due notification work (digest flushes, releases of deferred
 * items, quiet-hours ends, fallbacks, delivery retries) when its wake-up timer is due (fan-out
 * chunks have their own schedule, notifyFanout, so a large fan-out never delays a user's
 * digest). A failed wake keeps its timer and is retried on the next tick. On AWS a 1-minute schedule
 * starts it and it ticks for WEFT_NOTIFYTIMERS_LOOP_SECONDS; locally every 250 ms.
 */
export async function handler(): Promise<void> {
  await tickFor(Number(process.env.WEFT_NOTIFYTIMERS_LOOP_SECONDS ?? 0), tick);
}

async function tick(): Promise<void> {
  await wakeUsers();
}

async function wakeUsers(): Promise<void> {
  const w = wiring();
  const due = await w.notify.wakes.due(w.clock.now(), 100);
  await Promise.all(
    due.map(async ({ doc, dueAt }) => {
      const user = { tenant: doc.tenant, userId: doc.docId };
      try {
        await w.notify.service.wake(user);
        await w.notify.wakes.remove(doc, dueAt);
      } catch (err) {
        console.error(JSON.stringify({ kind: "notify_wake_failed", tenant: user.tenant, userId: user.userId, dueAt, error: String(err) }));
      }
    }),
  );
}
