/**
 * Per-tenant counters.
 *
 * Contract:
 * - `add` increments each named counter atomically by its delta (creating it at 0); concurrent
 *   adds, from one store or from many processes on the same backing store, never lose an
 *   increment. An invalid name rejects the whole add before anything is written.
 * - `get` returns every counter of the tenant ({} when none; a counter whose adds sum to 0 is
 *   listed at 0), and reflects every add that completed before it began; tenants are isolated.
 * - An adapter may spread one tenant's counters over several records (the DynamoDB adapter
 *   shards them over a few items so that no single item takes every writer's updates); `get`
 *   returns their sums, so the split is never visible through the port.
 * - Counter names match /^[a-z0-9_.:]{1,100}$/.
 */
export interface MetricsStore {
  add(tenant: string, deltas: Record<string, number>): Promise<void>;
  get(tenant: string): Promise<Record<string, number>>;
}
