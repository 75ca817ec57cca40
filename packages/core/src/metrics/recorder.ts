import type { MetricsStore } from "../ports/metrics-store.js";
import { lagCounterName } from "./lag-histogram.js";

/** Where structured metric log lines go (stdout on Lambda, where CloudWatch picks them up). */
export type LogSink = (line: Record<string, unknown>) => void;

export const jsonLineSink: LogSink = (line) => console.log(JSON.stringify(line));

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
  const names = Object.keys(deltas).filter((n) => !n.startsWith("lag_le_"));
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
