import type { MetricsStore } from "../ports/metrics-store.js";
import { MATERIALIZER_LAG_PREFIX, lagCounterName } from "./lag-histogram.js";

/** Where structured metric log lines go (stdout on Lambda, where CloudWatch picks them up). */
export type LogSink = (line: Record<string, unknown>) => void;

/** Lambda's application log levels, least severe first (advanced logging controls). */
const LOG_LEVELS = ["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"];

/**
 * Writes one JSON line per call to stdout (where Lambda hands it to CloudWatch), or to stderr
 * when WEFT_STRUCTURED_LOGS=stderr, or nowhere when it is "off" (tests and benchmarks, whose
 * stdout is their result).
 *
 * A line may carry a `level` (`"DEBUG"` for routine per-invocation summaries); one without
 * counts as INFO, as Lambda counts it. A line below AWS_LAMBDA_LOG_LEVEL (which Lambda sets to
 * the function's application log level, infra/manifest.ts LAMBDA_LOGGING; the local stack sets
 * it the same) is not written at all: Lambda would drop it, and its bytes are not worth
 * formatting.
 */
export const jsonLineSink: LogSink = (line) => {
  const to = process.env.WEFT_STRUCTURED_LOGS;
  if (to === "off") return;
  const least = LOG_LEVELS.indexOf(process.env.AWS_LAMBDA_LOG_LEVEL?.toUpperCase() ?? "");
  if (least > 0 && LOG_LEVELS.indexOf(typeof line.level === "string" ? line.level.toUpperCase() : "INFO") < least) return;
  (to === "stderr" ? process.stderr : process.stdout).write(JSON.stringify(line) + "\n");
};

/**
 * The flush interval of deployed functions (WEFT_METRICS_FLUSH_MS when unset): one write per
 * tenant per container every 10 s at most, instead of one per invocation.
 */
export const DEFAULT_METRICS_FLUSH_MS = 10_000;

export interface MetricsRecorderOptions {
  /**
   * Least time between two writes of `flush()`, in ms. 0 (the default) writes on every flush,
   * which keeps the store exact at the end of each invocation (the local stack and tests).
   */
  intervalMs?: number;
  /**
   * Monotonic time in ms that the interval is measured on (default `performance.now`): not the
   * domain clock, which a test may move or a wall clock may step back, stalling the writes.
   */
  timer?: () => number;
}

export interface FlushOptions {
  /** Write now whatever the interval (e.g. before a process is known to end). */
  force?: boolean;
}

/**
 * Collects per-tenant counter increments in memory and writes them with one atomic add per
 * tenant, at most once per `intervalMs` per process: `flush()`, called at the end of every
 * invocation, writes only when the last write (attempt) was at least `intervalMs` ago, or
 * when forced; otherwise the counts wait in memory for a later flush. The first flush of a
 * process writes at once, so a container that serves one invocation loses nothing.
 *
 * Why an interval: each write is an UpdateItem billed by the size of the whole counters item,
 * and one tenant's item would take every container's writes (a hot key). Per tenant the write
 * rate is now at most (containers / interval), whatever the traffic.
 *
 * What it can lose: Lambda freezes a container between invocations and may reclaim it without
 * notice, so the counts recorded since that container's last write, at most one interval of
 * that container's counts, are never written. They may also arrive late: a container that
 * goes idle writes them on its next invocation. That is acceptable for these counters: they
 * are operational statistics (acceptance, refusals, lag histograms) read by admins for rates
 * and percentiles, not records anything is derived from; receipts, the log, the quarantine and
 * the audit trail are written on their own paths and lose nothing.
 *
 * Failures keep the counts: a failed write puts its tenant's deltas back (the next due flush
 * writes them; the interval also paces those retries), and counts of an invocation that throws
 * before its flush simply stay pending. Each write also emits one CloudWatch Embedded Metric
 * Format line per tenant, so CloudWatch turns the same numbers into metrics without API calls.
 */
export class MetricsRecorder {
  private pending = new Map<string, Record<string, number>>();
  private lastWriteAt: number | undefined;
  private readonly intervalMs: number;
  private readonly timer: () => number;

  constructor(
    private readonly store: MetricsStore,
    private readonly sink: LogSink = jsonLineSink,
    private readonly now: () => number = Date.now,
    opts: MetricsRecorderOptions = {},
  ) {
    this.intervalMs = opts.intervalMs ?? 0;
    if (!Number.isFinite(this.intervalMs) || this.intervalMs < 0) throw new Error(`metrics flush interval must be ms >= 0, got ${opts.intervalMs}`);
    this.timer = opts.timer ?? (() => performance.now());
  }

  count(tenant: string, name: string, n = 1): void {
    if (n === 0) return;
    const t = this.pending.get(tenant) ?? {};
    t[name] = (t[name] ?? 0) + n;
    this.pending.set(tenant, t);
  }

  observeLag(tenant: string, ms: number): void {
    this.count(tenant, lagCounterName(Math.max(0, ms)));
  }

  /** Commit -> materialized lag of one batch (its own histogram, `mat_lag_le_*`). */
  observeMaterializerLag(tenant: string, ms: number): void {
    this.count(tenant, lagCounterName(Math.max(0, ms), MATERIALIZER_LAG_PREFIX));
  }

  get isEmpty(): boolean {
    return this.pending.size === 0;
  }

  /**
   * Writes the pending counts if the interval has passed (or `force`); resolves whether it
   * wrote. Tenants are written in parallel; if any write fails, the others still complete,
   * the failed tenants' counts are kept, and the first error is thrown.
   */
  async flush(opts: FlushOptions = {}): Promise<boolean> {
    if (this.pending.size === 0) return false;
    const at = this.timer();
    const due = this.intervalMs === 0 || this.lastWriteAt === undefined || at - this.lastWriteAt >= this.intervalMs;
    if (!due && !opts.force) return false;
    // Taken before the first await: a concurrent flush (the local stack runs every function
    // in one process) then waits for the next interval instead of writing too.
    this.lastWriteAt = at;
    const batch = this.pending;
    this.pending = new Map();
    const results = await Promise.allSettled(
      [...batch].map(async ([tenant, deltas]) => {
        try {
          await this.store.add(tenant, deltas);
        } catch (err) {
          for (const [name, n] of Object.entries(deltas)) this.count(tenant, name, n);
          throw err;
        }
        this.sink(emfLine(tenant, deltas, this.now()));
      }),
    );
    const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed) throw failed.reason;
    return true;
  }
}

function emfLine(tenant: string, deltas: Record<string, number>, at: number): Record<string, unknown> {
  const names = Object.keys(deltas).filter((n) => !n.includes("lag_le_"));
  return {
    _aws: {
      Timestamp: at,
      CloudWatchMetrics: [
        { Namespace: "Weft", Dimensions: [["tenant"]], Metrics: names.map((Name) => ({ Name, Unit: "Count" })) },
      ],
    },
    kind: "metrics",
    tenant,
    ...deltas,
  };
}
