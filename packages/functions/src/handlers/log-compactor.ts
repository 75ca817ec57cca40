import { docKey, jsonLineSink, type DocRef } from "@weft/core";
import { tickFor } from "./timer-loop.js";
import { wiring } from "../wiring.js";

/** Documents compacted per tick at most (a compaction reads up to a day of a document's batches). */
const PER_TICK = 20;
/** A failed compaction is tried again this much later (its timers move), not every tick. */
const RETRY_AFTER_MS = 10 * 60_000;
/** Compacted at once, of those. */
const CONCURRENCY = 4;
/**
 * A due timer still waiting this long means the compactor is behind (or keeps failing): the
 * invocation fails, and the function's Errors alarm (infra/log-compaction.ts) fires, with 6
 * days to go before the oldest uncompacted batch item's TTL (LOG_HOT_RETENTION_MS) deletes it.
 */
export const COMPACTION_OVERDUE_MS = 6 * 3_600_000;

/**
 * Scheduled: compacts the logs whose compaction timers are due (the log store adds them on
 * append: LOG_HOT_RETENTION_MS, CompactionSchedule), each document once per tick however many
 * of its timers are due, then removes those timers. A failed compaction's timers move
 * RETRY_AFTER_MS on (one timer), so it is tried again then; a compaction that refuses (a batch item expired before it was
 * compacted: lost ops) is logged as `log_compaction_failed`. Either failure, or a timer overdue
 * by COMPACTION_OVERDUE_MS, fails the invocation after the tick's other documents are done, so
 * that the function's Errors alarm fires. On AWS a 1-minute schedule starts it and it ticks for
 * WEFT_LOGCOMPACTOR_LOOP_SECONDS.
 */
export async function handler(): Promise<void> {
  const problems: string[] = [];
  await tickFor(Number(process.env.WEFT_LOGCOMPACTOR_LOOP_SECONDS ?? 0), async () => {
    problems.push(...(await tick()));
  });
  if (problems.length > 0) throw new Error(`log compaction: ${[...new Set(problems)].slice(0, 5).join("; ")}`);
}

async function tick(): Promise<string[]> {
  const w = wiring();
  const now = w.clock.now();
  const due = await w.logCompactionTimers.due(now, PER_TICK);
  const byDoc = new Map<string, { doc: DocRef; dueAts: number[] }>();
  for (const t of due) {
    const k = docKey(t.doc);
    const entry = byDoc.get(k) ?? { doc: t.doc, dueAts: [] };
    entry.dueAts.push(t.dueAt);
    byDoc.set(k, entry);
  }
  const problems: string[] = [];
  const oldest = due[0];
  if (oldest && now - oldest.dueAt > COMPACTION_OVERDUE_MS) {
    problems.push(`the oldest due compaction (${oldest.doc.tenant}/${oldest.doc.docId}) is ${Math.round((now - oldest.dueAt) / 60_000)} min overdue`);
  }
  const queue = [...byDoc.values()];
  const worker = async () => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      const { doc, dueAts } = next;
      try {
        const outcome = await w.compactLog(doc);
        jsonLineSink({ level: "DEBUG", kind: "log_compaction", tenant: doc.tenant, docId: doc.docId, ...outcome });
        for (const dueAt of dueAts) await w.logCompactionTimers.remove(doc, dueAt);
      } catch (err) {
        console.error(JSON.stringify({ level: "ERROR", kind: "log_compaction_failed", tenant: doc.tenant, docId: doc.docId, error: String(err) }));
        problems.push(`${doc.tenant}/${doc.docId}: ${String(err)}`);
        try {
          await w.logCompactionTimers.add(doc, now + RETRY_AFTER_MS);
          for (const dueAt of dueAts) await w.logCompactionTimers.remove(doc, dueAt);
        } catch {
          // The timers stay due: tried again next tick.
        }
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return problems;
}
