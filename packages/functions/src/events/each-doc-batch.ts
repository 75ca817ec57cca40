import { committedBatchesOf, docKey, inParallel, type CommittedDetail } from "@weft/core";

/** Documents a bus consumer works on at once within one event. */
export const DOCS_IN_PARALLEL = 8;

/**
 * Runs `fn` on every document batch of a `weft.ops.committed` detail (packed or single form,
 * core committedBatchesOf; a bad detail throws invalid_request before anything runs): one
 * document's batches in their order, up to DOCS_IN_PARALLEL documents at once. Every document
 * is tried; the results come back in the detail's order, and if any failed the first failure
 * is thrown once all are done, so the bus retries the event (consumers are idempotent per
 * document batch, so what succeeded changes nothing the second time).
 */
export async function forEachDocBatch<R>(detail: unknown, fn: (batch: CommittedDetail) => Promise<R>): Promise<R[]> {
  const batches = committedBatchesOf(detail);
  const byDoc = new Map<string, number[]>();
  batches.forEach((b, i) => {
    const key = docKey(b);
    const list = byDoc.get(key);
    if (list) list.push(i);
    else byDoc.set(key, [i]);
  });
  const results = new Array<R>(batches.length);
  let failure: { err: unknown } | undefined;
  await inParallel([...byDoc.values()], DOCS_IN_PARALLEL, async (doc) => {
    for (const i of doc) {
      try {
        results[i] = await fn(batches[i]);
      } catch (err) {
        failure ??= { err };
        return; // this document's later batches wait for the retry, in order
      }
    }
  });
  if (failure) throw failure.err;
  return results;
}
