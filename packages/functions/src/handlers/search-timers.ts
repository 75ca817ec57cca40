import { docKey, indexWhenDue, jsonLineSink, recheckBusy, type DebouncedIndexDeps, type DocRef } from "@weft/core";
import { searchIndexDeps } from "./search.js";
import { tickFor } from "./timer-loop.js";
import { wiring } from "../wiring.js";

/** Busy documents' checks one process keeps at most (the oldest are dropped: their timers still fire). */
export const MAX_BUSY_CHECKS = 100_000;

/** Busy documents' checks run per tick at most (the rest wait for the next tick). */
const CHECKS_PER_TICK = 100;

/**
 * The checks of documents still being typed into that this process was asked to run
 * (DebouncedIndexDeps.checks), one per document: in memory, so a check costs no write. On
 * Lambda they live as long as the warm container (its 1-minute loop, and the next invocation
 * that reuses it); a check lost with its container leaves the document to its deferral's timer
 * at the end of its busy window. `WEFT_SEARCH_BUSY_CHECKS=timers` keeps the checks in the
 * timer table instead (a timer added, a deferral moved and a timer removed per check).
 */
const busyChecks = new Map<string, { doc: DocRef; dueAt: number; runAt: number }>();

const checks: NonNullable<DebouncedIndexDeps["checks"]> = {
  at(doc, dueAt, runAt) {
    const key = docKey(doc);
    busyChecks.delete(key);
    busyChecks.set(key, { doc, dueAt, runAt });
    if (busyChecks.size > MAX_BUSY_CHECKS) busyChecks.delete(busyChecks.keys().next().value!);
  },
};

/**
 * Scheduled: runs the search index writes that events deferred (see indexOnCommit), each
 * when its debounce window ends, and the checks of busy documents that are due. A failed write
 * keeps its timer and is retried next tick. On AWS a 1-minute schedule starts it and it ticks
 * for WEFT_SEARCHTIMERS_LOOP_SECONDS.
 */
export async function handler(): Promise<void> {
  await tickFor(Number(process.env.WEFT_SEARCHTIMERS_LOOP_SECONDS ?? 0), tick);
}

function busyChecksMode(env: NodeJS.ProcessEnv = process.env): "process" | "timers" {
  const mode = env.WEFT_SEARCH_BUSY_CHECKS ?? "process";
  if (mode !== "process" && mode !== "timers") throw new Error(`WEFT_SEARCH_BUSY_CHECKS must be "process" or "timers", got ${JSON.stringify(mode)}`);
  return mode;
}

async function tick(): Promise<void> {
  const w = wiring();
  const deps: DebouncedIndexDeps = { ...searchIndexDeps(w), ...(busyChecksMode() === "process" ? { checks } : {}) };
  const now = w.clock.now();
  const due = await w.searchTimers.due(now, 50);
  // A document whose timer is due now is that timer's: its check is dropped.
  const timed = new Set(due.map((t) => docKey(t.doc)));
  const checksToRun: Array<{ doc: DocRef; dueAt: number }> = [];
  let taken = 0;
  for (const [key, c] of busyChecks) {
    if (taken === CHECKS_PER_TICK) break;
    if (c.runAt > now) continue;
    busyChecks.delete(key);
    taken++;
    if (!timed.has(key)) checksToRun.push(c);
  }
  await Promise.all([
    ...due.map(async ({ doc, dueAt }) => {
      try {
        const outcome = await indexWhenDue(deps, doc, dueAt);
        jsonLineSink({ level: "DEBUG", kind: "search_index", tenant: doc.tenant, docId: doc.docId, dueAt, ...outcome });
        await w.searchTimers.remove(doc, dueAt);
      } catch (err) {
        console.error(JSON.stringify({ kind: "search_timer_failed", tenant: doc.tenant, docId: doc.docId, dueAt, error: String(err) }));
      }
    }),
    ...checksToRun.map(async ({ doc, dueAt }) => {
      try {
        const outcome = await recheckBusy(deps, doc, dueAt);
        if (outcome) jsonLineSink({ level: "DEBUG", kind: "search_index", tenant: doc.tenant, docId: doc.docId, dueAt, check: true, ...outcome });
      } catch (err) {
        // Left to the deferral's timer.
        console.error(JSON.stringify({ kind: "search_check_failed", tenant: doc.tenant, docId: doc.docId, dueAt, error: String(err) }));
      }
    }),
  ]);
}
