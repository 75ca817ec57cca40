/**
 * When a document's log must be compacted (docs/cost.md, "The log's year of raw ops in
 * segments"). A log store with a hot retention gives each batch item a TTL of
 * LOG_HOT_RETENTION_MS; before that TTL passes the compactor must have written the batch into a
 * segment, or the batch is lost. This schedule decides, per append, whether a compaction timer
 * must be added so that one is due at most COMPACT_AFTER_MS (+ up to an hour of rounding) after
 * every batch: a day, against a retention of 7, leaves the compactor 6 days to recover from an
 * outage before anything is lost (its alarm fires after hours). Seven, not fourteen, since cut 38
 * (docs/cost.md): the batch items are the log table's storage line, and a week is still far
 * more than the alarm's hours.
 *
 * It is per process and in memory: it only saves timer writes. Whatever it forgets (a new
 * process, an evicted document) costs one more idempotent timer write, never a missed timer:
 * a document it has no entry for always gets a timer. Due times are rounded up to the hour, so
 * processes appending to the same document in the same hour add the same timer (TimerStore.add
 * is idempotent per (doc, dueAt)).
 */

export const LOG_HOT_RETENTION_MS = 7 * 86_400_000;
/** A timer is due at most this long (rounded up to the hour) after the batch that added it. */
export const COMPACT_AFTER_MS = 86_400_000;
/**
 * Ops appended to a document under one timer before a compaction is due at once: a segment
 * holds at most ~300 KB (~12,000 ops at ~25 bytes each), and a compaction reads every batch
 * item since the last one, so a busy document is compacted in pieces of this size.
 */
export const COMPACT_OPS = 10_000;
/**
 * A timer covers a batch only if it is due at least this long after the batch: the compactor's
 * clock may run ahead of the writer's, and a timer that fired before the batch was appended
 * does not hold it.
 */
export const COMPACT_CLOCK_SKEW_MS = 10 * 60_000;
const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;

export interface CompactionScheduleOptions {
  afterMs?: number;
  opsLimit?: number;
  /** Documents remembered at most (the oldest entry is forgotten first). */
  maxDocs?: number;
}

interface Pending {
  /** The due time of the timer covering this document's appends. */
  dueAt: number;
  /** Ops appended since that timer was added (or since the last ops-limit compaction). */
  ops: number;
}

export class CompactionSchedule {
  private readonly docs = new Map<string, Pending>();
  private readonly afterMs: number;
  private readonly opsLimit: number;
  private readonly maxDocs: number;

  constructor(opts: CompactionScheduleOptions = {}) {
    this.afterMs = opts.afterMs ?? COMPACT_AFTER_MS;
    this.opsLimit = opts.opsLimit ?? COMPACT_OPS;
    this.maxDocs = opts.maxDocs ?? 50_000;
    if (!(this.afterMs > 0) || !(this.opsLimit > 0) || !(this.maxDocs > 0)) throw new Error("CompactionSchedule: afterMs, opsLimit and maxDocs must be > 0");
  }

  /**
   * A batch of `ops` ops of document `key` was appended at `at`: the due time of a timer to add
   * now, or undefined when a timer already added covers it. The caller adds the timer, then
   * calls `added(key, at, ops, dueAt)`; if adding fails it does not, and the next append asks again.
   */
  plan(key: string, at: number, ops: number): number | undefined {
    const pending = this.covering(key, at);
    if (!pending) return ceilTo(at + this.afterMs, HOUR_MS);
    if (pending.ops + ops >= this.opsLimit) return ceilTo(at, MINUTE_MS);
    pending.ops += ops;
    this.touch(key, pending);
    return undefined;
  }

  /** The timer `plan` asked for is durably added. */
  added(key: string, at: number, ops: number, dueAt: number): void {
    const pending = this.covering(key, at);
    // An ops-limit timer (due before the covering one, and after this batch): the covering
    // timer still holds what comes next.
    if (pending && dueAt < pending.dueAt) this.touch(key, { dueAt: pending.dueAt, ops: 0 });
    else this.touch(key, { dueAt, ops });
  }

  /** The remembered timer that covers a batch appended at `at`, if any. */
  private covering(key: string, at: number): Pending | undefined {
    const pending = this.docs.get(key);
    return pending && at + COMPACT_CLOCK_SKEW_MS <= pending.dueAt ? pending : undefined;
  }

  private touch(key: string, pending: Pending): void {
    this.docs.delete(key);
    this.docs.set(key, pending);
    if (this.docs.size > this.maxDocs) this.docs.delete(this.docs.keys().next().value as string);
  }
}

function ceilTo(ms: number, step: number): number {
  return Math.ceil(ms / step) * step;
}
