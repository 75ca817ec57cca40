/**
 * A per-process cache of promised values, each kept for `ttlMs` after it was stored (by the
 * given clock: it bounds staleness, not a business window). At most `maxEntries` are kept (the
 * oldest stored goes first). A value whose promise rejects is dropped, unless it was replaced
 * meanwhile, so a failed load is never served.
 */
export class TtlCache<V> {
  private readonly entries = new Map<string, { at: number; value: Promise<V> }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = Infinity,
    private readonly now: () => number = Date.now,
  ) {}

  /** The value stored for `key` less than ttlMs ago, or undefined. */
  fresh(key: string): Promise<V> | undefined {
    const hit = this.entries.get(key);
    return hit && this.now() - hit.at < this.ttlMs ? hit.value : undefined;
  }

  /** Stores `value` for `key` (as of now) and returns it. */
  set(key: string, value: Promise<V>): Promise<V> {
    this.entries.delete(key);
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    const entry = { at: this.now(), value };
    this.entries.set(key, entry);
    value.catch(() => {
      if (this.entries.get(key) === entry) this.entries.delete(key);
    });
    return value;
  }

  /** The fresh value for `key`, or the one `load` gives (stored; concurrent callers share it). */
  get(key: string, load: () => Promise<V>): Promise<V> {
    return this.fresh(key) ?? this.set(key, load());
  }

  delete(key: string): void {
    this.entries.delete(key);
  }
}
