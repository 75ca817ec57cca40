import { committedDocsEntries, type Bus, type LogBatch } from "@weft/core";

/**
 * Publishes the committed document batches of one stream batch as packed `weft.ops.committed`
 * entries: one per tenant, filled up to 64 KB each (core events/committed-docs.ts), so a bus
 * event and a consumer invocation serve every document of the tenant that changed, not one
 * each. Resolves once the bus has accepted every entry; throws otherwise, so the caller (the
 * materializer, on the log stream) fails its batch and the stream retries it: consumers are
 * idempotent per document batch, so a re-published batch changes nothing downstream.
 */
export async function publishCommitted(bus: Bus, batches: LogBatch[]): Promise<void> {
  const entries = committedDocsEntries(batches);
  if (entries.length > 0) await bus.publish(entries);
}
