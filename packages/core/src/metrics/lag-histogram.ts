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

/** Counter prefix of the sequencer's accept -> commit lag (the default histogram). */
export const SEQUENCER_LAG_PREFIX = "lag_le_";
/** Counter prefix of the materializer's commit -> materialized lag: the same buckets under another name. */
export const MATERIALIZER_LAG_PREFIX = "mat_lag_le_";

export function lagCounterName(ms: number, prefix = SEQUENCER_LAG_PREFIX): string {
  const bound = LAG_BUCKETS_MS.find((b) => ms <= b) ?? "inf";
  return `${prefix}${bound}`;
}

export interface LagSummary {
  count: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

/** Percentiles (upper bound of the bucket holding the rank) from `<prefix>*` counters (default `lag_le_*`). */
export function summarizeLag(counters: Record<string, number>, prefix = SEQUENCER_LAG_PREFIX): LagSummary {
  const buckets: Array<[number, number]> = [];
  for (const [name, n] of Object.entries(counters)) {
    if (!name.startsWith(prefix) || n <= 0) continue;
    const rest = name.slice(prefix.length);
    const bound = rest === "inf" ? Infinity : Number(rest);
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
