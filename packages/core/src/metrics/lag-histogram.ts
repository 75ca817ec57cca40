/**
 * Accept -> commit lag is kept as counts in fixed log-spaced buckets (about 15% wide), so
 * that counts from many Lambda instances add up in one store and percentiles stay exact to
 * a bucket. Counter names are `lag_le_<upper bound ms>`.
 */
export const LAG_BUCKETS_MS: readonly number[] = (() => {
  const out: number[] = [];
  for (let b = 1; b < 120_000; b = Math.max(b + 1, Math.round(b * 1.15))) out.push(b);
  out.push(120_000);
  return out;
})();

export function lagCounterName(ms: number): string {
  const bound = LAG_BUCKETS_MS.find((b) => ms <= b) ?? "inf";
  return `lag_le_${bound}`;
}

export interface LagSummary {
  count: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

/** Percentiles (upper bound of the bucket holding the rank) from `lag_le_*` counters. */
export function summarizeLag(counters: Record<string, number>): LagSummary {
  const buckets: Array<[number, number]> = [];
  for (const [name, n] of Object.entries(counters)) {
    if (!name.startsWith("lag_le_") || n <= 0) continue;
    const bound = name.slice(7) === "inf" ? Infinity : Number(name.slice(7));
    buckets.push([bound, n]);
  }
  buckets.sort((a, b) => a[0] - b[0]);
  const count = buckets.reduce((s, [, n]) => s + n, 0);
  const at = (p: number): number | null => {
    if (count === 0) return null;
    const rank = Math.ceil(p * count);
    let seen = 0;
    for (const [bound, n] of buckets) {
      seen += n;
      if (seen >= rank) return bound;
    }
    return null;
  };
  return { count, p50: at(0.5), p95: at(0.95), p99: at(0.99) };
}
