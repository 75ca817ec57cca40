import type { InboxRecord } from "@weft/core";

/**
 * Fault injection for the local stack's tests, never active on AWS: with WEFT_STAGE=local and
 * WEFT_FAULT_POISON_CLIENT=<clientId>, every sequencer run that contains a change from that
 * client throws, so the retry / bisect / on-failure path can be exercised end to end.
 */
export function injectedFault(records: InboxRecord[]): void {
  const poison = process.env.WEFT_STAGE === "local" ? process.env.WEFT_FAULT_POISON_CLIENT : undefined;
  if (!poison) return;
  if (records.some((r) => r.kind === "change" && r.change.clientId === poison)) {
    throw new Error(`injected fault: poison client ${poison}`);
  }
}

/**
 * With WEFT_STAGE=local and WEFT_FAULT_SKIP_COMMITTED=<prefix>, the room tier leaves the first K
 * batches of each document named `<prefix><K>-...` off the committed stream, as a task that
 * stopped between its log write and its put would: the materializer must fill them from the log
 * when the document's next batch comes. Returns the batches to put.
 */
export function committedStreamFault<B extends { doc: { docId: string } }>(batches: B[], skipped: Map<string, number>): B[] {
  const prefix = process.env.WEFT_STAGE === "local" ? process.env.WEFT_FAULT_SKIP_COMMITTED : undefined;
  if (!prefix) return batches;
  return batches.filter((b) => {
    const id = b.doc.docId;
    if (!id.startsWith(prefix)) return true;
    const k = Number.parseInt(id.slice(prefix.length), 10);
    const done = skipped.get(id) ?? 0;
    if (!(done < k)) return true;
    skipped.set(id, done + 1);
    return false;
  });
}
