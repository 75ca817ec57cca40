import { committedEntries, type Bus, type LogBatch } from "@weft/core";

/**
 * Publishes one `weft.ops.committed` entry per committed document batch (see core
 * events/committed.ts for the detail and the inline/pointer rule). Resolves once the bus has
 * accepted every entry; throws otherwise, so the caller (the materializer, on the log stream)
 * fails its batch and the stream retries it: consumers are idempotent, so a re-published
 * batch changes nothing downstream.
 */
export async function publishCommitted(bus: Bus, batches: LogBatch[]): Promise<void> {
  const entries = committedEntries(batches);
  if (entries.length > 0) await bus.publish(entries);
}
