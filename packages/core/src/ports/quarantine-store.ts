import type { QuarantineRecord } from "./records.js";

/**
 * Refused payloads and poison records, per tenant.
 *
 * Contract:
 * - `put` is idempotent per record id; records are never modified.
 * - `list(tenant, limit, cursor)` returns that tenant's records newest first (by `at`, then
 *   id), at most `limit`, and a `cursor` for the next page when more exist. A tenant never
 *   sees another tenant's records.
 * - A record round-trips deep-equal (payload up to QUARANTINE_SAMPLE_BYTES plus metadata).
 */
export interface QuarantineStore {
  put(record: QuarantineRecord): Promise<void>;
  list(tenant: string, limit: number, cursor?: string): Promise<{ records: QuarantineRecord[]; cursor?: string }>;
}
