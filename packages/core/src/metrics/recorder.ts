import type { MetricsStore } from "../ports/metrics-store.js";
import { MATERIALIZER_LAG_PREFIX, lagCounterName } from "./lag-histogram.js";

/** Where structured metric log lines go (stdout on Lambda, where CloudWatch picks them up). */
export type LogSink = (line: Record<string, unknown>) => void;

/**
 * Writes one JSON line per call to stdout (where Lambda hands it to CloudWatch), or to stderr
 * when WEFT_STRUCTURED_LOGS=stderr, or nowhere when it is "off" (tests and benchmarks, whose
 * stdout is their result).
 */
export const jsonLineSink: LogSink = (line) => {
  const to = process.env.WEFT_STRUCTURED_LOGS;
  if (to === "off") return;
  (to === "stderr" ? process.stderr : process.stdout).write(JSON.stringify(line) + "\n");
};

/**
 * Collects per-tenant counter increments in memory and writes them in one atomic add per
 * tenant on `flush` (one DynamoDB UpdateItem per tenant per invocation instead of one per
 * event). Each flush also emits one CloudWatch Embedded Metric Format line per tenant, so
 * CloudWatch turns the same numbers into metrics without extra API calls.
 */
export class MetricsRecorder {
  private pending = new Map<string, Record<string, number>>();

  constructor(
    private readonly store: MetricsStore,
    private readonly sink: LogSink = jsonLineSink,
    private readonly now: () => number = Date.now,
  ) {}

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

  async flush(): Promise<void> {
    const batch = this.pending;
    this.pending = new Map();
    for (const [tenant, deltas] of batch) {
      try {
        await this.store.add(tenant, deltas);
      } catch (err) {
        // Keep the counts for the next flush rather than losing them.
        for (const [name, n] of Object.entries(deltas)) this.count(tenant, name, n);
        throw err;
      }
      this.sink(emfLine(tenant, deltas, this.now()));
    }
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
