import type { DocRef } from "../doc-ref.js";
import type { InboxStore } from "../ports/inbox-store.js";
import type { LogStore } from "../ports/log-store.js";
import type { SequencerStateStore } from "../ports/sequencer-state-store.js";

export type Receipt =
  | { id: string; status: "committed"; seq: number }
  | { id: string; status: "rejected"; reason: string; message: string }
  | { id: string; status: "pending" };

/**
 * What became of an op id in a document: committed (with its seq), rejected (with the
 * reason), pending (accepted, not yet sequenced), or undefined when the document never
 * accepted it. The log is consulted first, so a commit always wins. With `onlyAuthor`, ops of
 * anyone else are reported as unknown (undefined).
 */
export async function getReceipt(
  deps: { log: LogStore; state: SequencerStateStore; inbox: InboxStore },
  doc: DocRef,
  opId: string,
  onlyAuthor?: string,
): Promise<Receipt | undefined> {
  const committed = await deps.log.findOp(doc, opId);
  if (committed && onlyAuthor === undefined) return { id: opId, status: "committed", seq: committed.seq };
  const rejected = await deps.state.getRejection(doc, opId);
  if (rejected && (onlyAuthor === undefined || rejected.userId === onlyAuthor)) {
    return { id: opId, status: "rejected", reason: rejected.reason, message: rejected.message };
  }
  const inbox = await deps.inbox.findOp(doc, opId);
  if (inbox && (onlyAuthor === undefined || inbox.userId === onlyAuthor)) return { id: opId, status: "pending" };
  return undefined;
}
