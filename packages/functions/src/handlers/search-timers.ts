import { indexWhenDue, jsonLineSink } from "@weft/core";
import { searchIndexDeps } from "./search.js";
import { tickFor } from "./timer-loop.js";
import { wiring } from "../wiring.js";

/**
 * Scheduled: runs the search index writes that events deferred (see indexOnCommit), each
 * when its debounce window ends. A failed write keeps its timer and is retried next tick.
 * On AWS a 1-minute schedule starts it and it ticks for WEFT_SEARCHTIMERS_LOOP_SECONDS.
 */
export async function handler(): Promise<void> {
  await tickFor(Number(process.env.WEFT_SEARCHTIMERS_LOOP_SECONDS ?? 0), tick);
}

async function tick(): Promise<void> {
  const w = wiring();
  const deps = searchIndexDeps(w);
  const due = await w.searchTimers.due(w.clock.now(), 50);
  await Promise.all(
    due.map(async ({ doc, dueAt }) => {
      try {
        const outcome = await indexWhenDue(deps, doc, dueAt);
        jsonLineSink({ level: "DEBUG", kind: "search_index", tenant: doc.tenant, docId: doc.docId, dueAt, ...outcome });
        await w.searchTimers.remove(doc, dueAt);
      } catch (err) {
        console.error(JSON.stringify({ kind: "search_timer_failed", tenant: doc.tenant, docId: doc.docId, dueAt, error: String(err) }));
      }
    }),
  );
}
