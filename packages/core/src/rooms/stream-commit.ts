import { docKey, type DocRef } from "../doc-ref.js";
import { WeftError } from "../errors.js";
import type { LogStore } from "../ports/log-store.js";
import type { LogBatch } from "../ports/records.js";
import type { CommittedTail } from "./committed-tail.js";
import type { DocOwnership } from "./doc-ownership.js";

/**
 * The holder's deadline on a document is its lease's expiry, as it last stored it, less this
 * (docs/durable-order.md: more than the clocks' skew, OWNERSHIP.skewMs, plus a put's timeout).
 * Carried on each committed record (`LogBatch.lease`): the log writer keeps a record only if it
 * arrived before it (plus half of it for the skew), and a holder committing through the stream
 * answers a run only if its put returned before it (streamCommitLog).
 */
export const LEASE_MARGIN_MS = 3_000;

/** A run stopped before a write because this task's lease on its document is no longer safely live (DocOwnership.writable). */
export class LeaseLapsed extends Error {
  constructor(doc: DocRef) {
    super(`this task no longer holds the lease of ${docKey(doc)}: nothing more is written by this run`);
    this.name = "LeaseLapsed";
  }
}

/**
 * The log as a holder that commits through the committed stream sees it (docs/durable-order.md,
 * step 3; WEFT_LOG_WRITER=on): `append` is the commit, a put of the batch to the stream stamped
 * with the lease it is sequenced under (epoch, deadline), and no log write: the log writer writes
 * the log's items from the stream. The ack rule: the append succeeds only if `commit` resolved
 * before the deadline by this task's clock. A commit that fails or returns later leaves the batch
 * "not known" (it may yet be kept, if it arrived in time: its clients resend, and the next run
 * answers them `duplicate`): the append throws `unavailable` and the task abandons the document
 * (DocOwnership.abandon), writing nothing more of it until its lease has expired. Reads go to
 * `log` (which trails the stream by the writer's lag: the holder runs from the head it keeps);
 * each batch committed is added to `tail`, from which the task's readers continue the log
 * (committed-tail.ts).
 */
export function streamCommitLog(log: LogStore, o: { ownership: DocOwnership; commit: (batches: LogBatch[]) => Promise<void>; tail?: CommittedTail }): LogStore {
  return {
    append: async (batch) => {
      const lease = o.ownership.heldLease(batch.doc);
      if (!lease) throw new LeaseLapsed(batch.doc);
      const deadline = lease.expiresAt - LEASE_MARGIN_MS;
      let failure: string | undefined;
      try {
        await o.commit([{ ...batch, lease: { epoch: lease.epoch, deadline } }]);
        if (o.ownership.now() >= deadline) failure = "its commit to the stream returned past the holder's deadline";
      } catch (err) {
        failure = `its commit to the stream failed (${(err as Error)?.message})`;
      }
      if (failure === undefined) {
        o.tail?.add(batch);
        return "ok";
      }
      o.ownership.abandon(batch.doc);
      throw new WeftError("unavailable", `the change's outcome is not known: ${failure}; send it again (same ids) shortly`);
    },
    tail: (doc) => log.tail(doc),
    head: (doc) => log.head(doc),
    entries: (doc, after, limit) => log.entries(doc, after, limit),
    batchesAfter: (doc, after) => log.batchesAfter(doc, after),
    findOp: (doc, opId) => log.findOp(doc, opId),
  };
}
