/**
 * A least-recently-used map bounded by the total weight (approximate bytes) of its values.
 * `get` and `set` make an entry the most recent; `set` evicts the least recent entries until
 * the total fits. A value heavier than the whole budget is not kept at all.
 */
export class LruByWeight<V> {
  private readonly entries = new Map<string, { value: V; weight: number }>();
  private total = 0;

  constructor(readonly maxWeight: number) {}

  get(key: string): V | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    this.entries.delete(key);
    this.entries.set(key, e);
    return e.value;
  }

  set(key: string, value: V, weight: number): void {
    this.delete(key);
    if (weight > this.maxWeight) return;
    this.entries.set(key, { value, weight });
    this.total += weight;
    for (const [k, e] of this.entries) {
      if (this.total <= this.maxWeight) break;
      this.entries.delete(k);
      this.total -= e.weight;
    }
  }

  delete(key: string): void {
    const e = this.entries.get(key);
    if (!e) return;
    this.entries.delete(key);
    this.total -= e.weight;
  }

  /** Total weight held (for tests and diagnostics). */
  get weight(): number {
    return this.total;
  }

  get size(): number {
    return this.entries.size;
  }
}
