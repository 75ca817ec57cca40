import type { MetricsStore } from "../metrics-store.js";

/** Valid counter names, per the MetricsStore contract. */
export const COUNTER_NAME_PATTERN = /^[a-z0-9_.:]{1,100}$/;

/** Throws on a counter name outside the contract (adapters check before writing anything). */
export function assertCounterNames(deltas: Record<string, number>): void {
  for (const [name, delta] of Object.entries(deltas)) {
    if (!COUNTER_NAME_PATTERN.test(name)) throw new Error(`invalid counter name: ${JSON.stringify(name)}`);
    if (!Number.isFinite(delta)) throw new Error(`counter ${name}: delta must be a finite number`);
  }
}

/** In-memory MetricsStore: the reference implementation of the port contract. */
export class MemoryMetricsStore implements MetricsStore {
  private readonly tenants = new Map<string, Map<string, number>>();

  async add(tenant: string, deltas: Record<string, number>): Promise<void> {
    assertCounterNames(deltas);
    const counters = this.tenants.get(tenant) ?? new Map<string, number>();
    for (const [name, delta] of Object.entries(deltas)) counters.set(name, (counters.get(name) ?? 0) + delta);
    this.tenants.set(tenant, counters);
  }

  async get(tenant: string): Promise<Record<string, number>> {
    return Object.fromEntries(this.tenants.get(tenant) ?? []);
  }
}
