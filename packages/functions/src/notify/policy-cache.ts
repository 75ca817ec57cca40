/**
 * A per-process cache of one value per key, each kept for `ttlMs` after it was loaded (real
 * time: it bounds staleness, not a business window). Concurrent gets of a missing key share
 * one load; a failed load is not cached. At most `maxEntries` are kept (the oldest loaded goes).
 */
export class PolicyCache {
  private readonly entries = new Map<string, { at: number; value: Promise<unknown> }>();

  constructor(
    private readonly load: (key: string) => Promise<unknown>,
    private readonly ttlMs: number,
    private readonly maxEntries = Infinity,
  ) {}

  get(key: string): Promise<unknown> {
    const hit = this.entries.get(key);
    if (hit && Date.now() - hit.at < this.ttlMs) return hit.value;
    const value = this.load(key);
    this.entries.delete(key);
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, { at: Date.now(), value });
    value.catch(() => this.entries.delete(key));
    return value;
  }

  /** Forgets a key (after this process changed it). */
  forget(key: string): void {
    this.entries.delete(key);
  }
}
