import { jsonLineSink } from "@weft/core";
import { parseChunkRef, runChunk } from "../notify/submit.js";
import { wiring } from "../wiring.js";
import { tickFor } from "./timer-loop.js";

/** Chunks decided at once per tick (each decides CHUNK_CONCURRENCY recipients at a time). */
const CHUNKS_PER_TICK = 2;

/**
 * Scheduled: decides the due chunks of large notification fan-outs (submitIntents), apart from
 * the users' own wake-ups so a 100,000-recipient event never delays a digest. A failed chunk
 * keeps its timer and is retried on the next tick (decisions are idempotent per event and
 * user). On AWS a 1-minute schedule starts it and it ticks for WEFT_NOTIFYFANOUT_LOOP_SECONDS.
 */
export async function handler(): Promise<void> {
  await tickFor(Number(process.env.WEFT_NOTIFYFANOUT_LOOP_SECONDS ?? 0), tick);
}

async function tick(): Promise<void> {
  const w = wiring();
  const due = await w.notify.fanoutTimers.due(w.clock.now(), CHUNKS_PER_TICK);
  await Promise.all(
    due.map(async ({ doc, dueAt }) => {
      const { jobId, index } = parseChunkRef(doc.docId);
      try {
        const recipients = await runChunk(w, doc.tenant, jobId, index);
        await w.notify.fanoutTimers.remove(doc, dueAt);
        jsonLineSink({ level: "DEBUG", kind: "notify_fanout_chunk", tenant: doc.tenant, jobId, index, recipients });
      } catch (err) {
        console.error(JSON.stringify({ kind: "notify_fanout_chunk_failed", tenant: doc.tenant, jobId, index, error: String(err) }));
      }
    }),
  );
}
