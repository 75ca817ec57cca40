import { TtlCache } from "@weft/core";

/**
 * A per-process cache of one value per key, each kept for `ttlMs` after it was loaded (real
 * time: it bounds staleness, not a business window). Concurrent gets of a missing key share
 * one load; a failed load is not cached. At most `maxEntries` are kept (the oldest loaded goes).
 */
export class PolicyCache {
  private readonly cache: TtlCache<unknown>;

  constructor(
    private readonly load: (key: string) => Promise<unknown>,
    ttlMs: number,
    maxEntries = Infinity,
  ) {
    this.cache = new TtlCache(ttlMs, maxEntries);
  }

  get(key: string): Promise<unknown> {
    return this.cache.get(key, () => this.load(key));
  }

  /** Forgets a key (after this process changed it). */
  forget(key: string): void {
    this.cache.delete(key);
  }
}
