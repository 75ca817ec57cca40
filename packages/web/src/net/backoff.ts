/**
 * Exponential backoff with full jitter: attempt n (1-based) waits a random time in
 * [0.5, 1] x min(maxMs, initialMs x 2^(n-1)). Half of the interval is kept fixed so retries
 * never hammer the server back to back; the random half spreads clients that failed together.
 */
export function backoffDelay(attempt: number, initialMs = 250, maxMs = 10_000, random = Math.random): number {
  const ceiling = Math.min(maxMs, initialMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling * (0.5 + random() / 2));
}

/** A sleep that a signal can cut short (resolves early, never rejects). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}
