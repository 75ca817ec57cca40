import { aclAt } from "../access/acl-at.js";
import type { AclReader } from "../access/acl-reader.js";
import { effectiveRole, foldAcl, type AccessSubject, type DocAcl } from "../access/doc-acl.js";
import type { DocRef } from "../doc-ref.js";
import type { AclRole } from "../ops/types.js";
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
 * sequencer's checkpoint plus the acl entries of the log after it (the tail batch; a longer
 * stretch, after a crash, is replayed). Two strongly consistent reads. A subscription is
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
  return { acl: await aclAt(deps, doc, head), head };
}

/** The subject's role on a document with `acl` (`none` for a document that does not exist: anyone may wait for it). */
export function liveRole(acl: DocAcl | undefined, who: AccessSubject): { role: AclRole; exists: boolean } {
  return { role: effectiveRole(acl, who).role, exists: acl !== undefined };
}
