import { jsonLineSink } from "@weft/core";
import { parseChunkRef, runChunk } from "../notify/submit.js";
import { wiring } from "../wiring.js";
import { tickFor } from "./timer-loop.js";

/**
 * Scheduled: runs each user's due notification work (digest flushes, releases of deferred
 * items, quiet-hours ends, fallbacks, delivery retries) when its wake-up timer is due, and the
 * due chunks of large fan-outs. A failed wake or chunk keeps its timer and is retried on the
 * next tick. On AWS a 1-minute schedule
 * starts it and it ticks for WEFT_NOTIFYTIMERS_LOOP_SECONDS; locally every 250 ms.
 */
export async function handler(): Promise<void> {
  await tickFor(Number(process.env.WEFT_NOTIFYTIMERS_LOOP_SECONDS ?? 0), tick);
}

async function tick(): Promise<void> {
  await Promise.all([wakeUsers(), runChunks()]);
}

/** Due fan-out chunks, one at a time per tick (each is up to a chunk of recipients, decided in parallel). */
async function runChunks(): Promise<void> {
  const w = wiring();
  for (const { doc, dueAt } of await w.notify.fanoutTimers.due(w.clock.now(), 4)) {
    const { jobId, index } = parseChunkRef(doc.docId);
    try {
      const recipients = await runChunk(w, doc.tenant, jobId, index);
      await w.notify.fanoutTimers.remove(doc, dueAt);
      jsonLineSink({ kind: "notify_fanout_chunk", tenant: doc.tenant, jobId, index, recipients });
    } catch (err) {
      console.error(JSON.stringify({ kind: "notify_fanout_chunk_failed", tenant: doc.tenant, jobId, index, error: String(err) }));
    }
  }
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
