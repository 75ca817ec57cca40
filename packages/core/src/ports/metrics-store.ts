/**
 * Per-tenant counters.
 *
 * Contract:
 * - `add` increments each named counter atomically by its delta (creating it at 0); concurrent
 *   adds never lose an increment.
 * - `get` returns every counter of the tenant ({} when none); tenants are isolated.
 * - Counter names match /^[a-z0-9_.:]{1,100}$/.
 */
export interface MetricsStore {
  add(tenant: string, deltas: Record<string, number>): Promise<void>;
  get(tenant: string): Promise<Record<string, number>>;
}
