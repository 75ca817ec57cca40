import { aclAt } from "../access/acl-at.js";
import type { DocAcl } from "../access/doc-acl.js";
import type { DocRef } from "../doc-ref.js";
import type { LogStore } from "../ports/log-store.js";
import type { LogBatch } from "../ports/records.js";

/**
 * What `broadcast` needs to judge access through delivered batches: the ACL right before entry
 * `first` when the batches change access (undefined: they do not), from the first
 * access-changing batch's `aclBefore` (no acl entry lies between `first` and it). A batch
 * written before access control has none, and then the log is replayed up to it (once, for
 * such documents). Used by every deliverer of committed batches: the log stream's broadcaster
 * and the room tier.
 */
export async function accessBeforeBatches(log: LogStore, doc: DocRef, batches: readonly LogBatch[], first: number): Promise<{ aclBefore: DocAcl | undefined } | undefined> {
  const changing = batches
    .filter((b) => b.seqStart === 1 || b.entries.some((e) => e.type === "acl"))
    .sort((a, b) => a.seqStart - b.seqStart)[0];
  if (!changing) return undefined;
  if (changing.seqStart === 1 || first === 1) return { aclBefore: undefined };
  if (changing.aclBefore) return { aclBefore: changing.aclBefore };
  return { aclBefore: await aclAt({ log }, doc, first - 1) };
}
