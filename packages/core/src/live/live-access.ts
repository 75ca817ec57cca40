import { aclAt } from "../access/acl-at.js";
import type { AclReader } from "../access/acl-reader.js";
import { foldAcl, type DocAcl } from "../access/doc-acl.js";
import type { DocRef } from "../doc-ref.js";
import type { LogStore } from "../ports/log-store.js";
import type { SequencerStateStore } from "../ports/sequencer-state-store.js";

/** What the live session reads to judge a subscription. */
export interface LiveAccessDeps {
  acls: AclReader;
  state: SequencerStateStore;
  log: LogStore;
}

/**
 * The document's exact ACL as of its log head, and that head: the ACL stored with the
 * sequencer's checkpoint plus the acl entries of the log after it (the tail batch, or the
 * batches after a checkpoint the sequencer has not saved for a while). Two strongly consistent
 * reads (a third when the checkpoint trails by more than the tail). A subscription is
 * judged with this AFTER its index entry exists, so a revocation committed at any moment is
 * either seen here or found by the broadcaster (which then revokes the subscription).
 */
export async function aclAtHead(deps: LiveAccessDeps, doc: DocRef): Promise<{ acl: DocAcl | undefined; head: number }> {
  const [stored, tail] = await Promise.all([deps.state.access(doc), deps.log.tail(doc)]);
  const head = tail?.seqEnd ?? 0;
  if (!tail || head <= stored.checkpoint) return { acl: stored.acl ?? (await aclAt(deps, doc, head)), head };
  if (stored.acl && tail.seqStart - 1 <= stored.checkpoint) {
    return { acl: foldAcl(stored.acl, tail.entries.filter((e) => e.seq > stored.checkpoint)), head };
  }
  if (stored.acl) {
    // The checkpoint trails by more than the tail batch (the sequencer saves it lazily while
    // only typing happens): one read of the batches after it.
    const after = await deps.log.batchesAfter(doc, stored.checkpoint);
    const entries = after.flatMap((b) => b.entries).filter((e) => e.seq > stored.checkpoint && e.seq <= head);
    return { acl: foldAcl(stored.acl, entries), head };
  }
  return { acl: await aclAt(deps, doc, head), head };
}

/**
 * `known` (aclAtHead's result) moved past every entry committed after its head: one read of the
 * log batches after it (usually none or one). A longer stretch is folded all the same.
 */
export async function aclAfterHead(
  deps: LiveAccessDeps,
  doc: DocRef,
  known: { acl: DocAcl | undefined; head: number },
): Promise<{ acl: DocAcl | undefined; head: number }> {
  const batches = await deps.log.batchesAfter(doc, known.head);
  const entries = batches.flatMap((b) => b.entries).filter((e) => e.seq > known.head);
  return { acl: foldAcl(known.acl, entries), head: entries.at(-1)?.seq ?? known.head };
}
