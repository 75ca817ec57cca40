import { subjectKey, type DigestFacts, type DigestQuery, type DigestResolver } from "@weft/core/notify/engine/index";
import { docTitle } from "@weft/core/notify/sources/committed-intents";
import type { DocState, DocStates } from "@weft/core";

/**
 * DigestResolver over the materialized documents (DocStates reads the current state, at
 * least as new as every commit before the call).
 *
 * - Access: a document whose ACL names anyone is readable by the users it names; a document
 *   with an empty ACL is open to its whole tenant (as the HTTP API treats it). A document with
 *   no committed op is treated as inaccessible.
 * - Subjects: a `comment` is gone when its document no longer has it; other kinds are never
 *   gone (tasks and ACL entries are never deleted; fail open, as the contract asks).
 * - Titles: the document's first non-empty line (docTitle), as the notifications were worded.
 * - Names: user ids (Weft keeps no user directory; apps put names in their tokens, which the
 *   notify consumer never sees).
 */
export class DocStateDigestResolver implements DigestResolver {
  constructor(private readonly docStates: Pick<DocStates, "read">) {}

  async resolve(q: DigestQuery): Promise<DigestFacts> {
    const docIds = new Set([...q.docIds, ...q.subjects.flatMap((s) => (s.docId ? [s.docId] : []))]);
    const states = new Map<string, DocState | undefined>();
    await Promise.all([...docIds].map(async (docId) => states.set(docId, await this.docStates.read({ tenant: q.tenant, docId }))));
    const gone = new Set<string>();
    for (const s of q.subjects) {
      if (s.kind !== "comment" || !s.docId) continue;
      const state = states.get(s.docId);
      if (!state) continue;
      const exists = Object.values(state.threads).some((t) => t.comments.some((c) => c.id === s.id));
      if (!exists) gone.add(subjectKey(s.kind, s.id));
    }
    const noAccess = new Set<string>();
    const docTitles = new Map<string, string>();
    for (const docId of q.docIds) {
      const state = states.get(docId);
      if (!state) {
        noAccess.add(docId);
        continue;
      }
      const acl = state.acl;
      if (Object.keys(acl).length > 0 && !(q.userId in acl)) noAccess.add(docId);
      docTitles.set(docId, docTitle(state, docId));
    }
    return { gone, noAccess, actorNames: new Map(q.actorIds.map((id) => [id, id])), docTitles };
  }
}
