import { closeExpired } from "@weft/core";
import { tickFor } from "./timer-loop.js";
import { wiring } from "../wiring.js";

/** Connections closed per tick at most (the rest wait for the next tick, a second later at most on AWS). */
const PER_TICK = 200;

/**
 * Scheduled: closes WebSocket connections whose token has expired. `$connect` set a timer at
 * the token's `exp` (core/live/session.ts onConnect); each due one gets
 * `{"type":"error","code":"token_expired"}` and is closed, so a connection outlives its token by
 * at most the tick interval (the SDK reconnects with a fresh token and resumes). A connection
 * already gone just loses its timer. On AWS a 1-minute schedule starts it and it ticks for
 * WEFT_TOKENEXPIRY_LOOP_SECONDS.
 */
export async function handler(): Promise<void> {
  await tickFor(Number(process.env.WEFT_TOKENEXPIRY_LOOP_SECONDS ?? 0), tick);
}

async function tick(): Promise<void> {
  const w = wiring();
  const due = await w.tokenTimers.due(w.clock.now(), PER_TICK);
  await Promise.all(
    due.map(async ({ doc, dueAt }) => {
      try {
        await closeExpired(w, doc.docId);
        await w.tokenTimers.remove(doc, dueAt);
      } catch (err) {
        console.error(JSON.stringify({ kind: "token_expiry_failed", tenant: doc.tenant, connectionId: doc.docId, error: String(err) }));
      }
    }),
  );
}
