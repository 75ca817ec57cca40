import { subjectKey, type DigestFacts, type DigestQuery, type DigestResolver } from "@weft/core/notify/engine/index";
import { docTitle } from "@weft/core/notify/sources/committed-intents";
import { mayRead, memberRole, type DocState, type DocStates } from "@weft/core";

/**
 * DigestResolver over the materialized documents (DocStates reads the current state, at
 * least as new as every commit before the call).
 *
 * - Access: the recipient can read a document when their member role (their user entry, the
 *   entries of `q.groups`, their groups as last seen, and the everyone entry: access/doc-acl.ts
 *   memberRole) is viewer or above (mayRead). Without `q.groups` (never seen) a group entry
 *   grants nothing, and tenant admin status is not a membership here: fail closed, the digest
 *   leaves such a document out rather than show its content to someone who may have lost it.
 *   A document with no committed op is treated as inaccessible.
 * - Subjects: a `comment` is gone when its document no longer has it: a committed `uncomment`
 *   removed it (materialize/state.ts; the sequencer decides who may send one). This needs no
 *   log read: a comment's intents are decided only once the state holds its entry (the notify
 *   consumer waits for that) and materialized versions never go back, so a state read later
 *   lacks a comment only when it was deleted. Other kinds are never gone (tasks and ACL entries are never deleted;
 *   fail open, as the contract asks).
 * - Titles: the document's first non-empty line (docTitle), as the notifications were worded.
 * - Names: the display names `names` gives (the contacts' `name` the app syncs, read at render
 *   time, so a rename shows in the next summary); a user without one is named by id.
 */
export class DocStateDigestResolver implements DigestResolver {
  constructor(
    private readonly docStates: Pick<DocStates, "read">,
    private readonly names: (tenant: string, userIds: string[]) => Promise<ReadonlyMap<string, string>> = async () => new Map(),
  ) {}

  async resolve(q: DigestQuery): Promise<DigestFacts> {
    const docIds = new Set([...q.docIds, ...q.subjects.flatMap((s) => (s.docId ? [s.docId] : []))]);
    const states = new Map<string, DocState | undefined>();
    await Promise.all([...docIds].map(async (docId) => states.set(docId, await this.docStates.read({ tenant: q.tenant, docId }))));
    const gone = new Set<string>();
    const commentIds = new Map<string, Set<string>>();
    for (const s of q.subjects) {
      if (s.kind !== "comment" || !s.docId) continue;
      const state = states.get(s.docId);
      if (!state) continue;
      let ids = commentIds.get(s.docId);
      if (!ids) commentIds.set(s.docId, (ids = commentIdsOf(state)));
      if (!ids.has(s.id)) gone.add(subjectKey(s.kind, s.id));
    }
    const noAccess = new Set<string>();
    const docTitles = new Map<string, string>();
    for (const docId of q.docIds) {
      const state = states.get(docId);
      if (!state) {
        noAccess.add(docId);
        continue;
      }
      if (!mayRead(memberRole(state.acl, { userId: q.userId, ...(q.groups ? { groups: q.groups } : {}) }))) noAccess.add(docId);
      docTitles.set(docId, docTitle(state, docId));
    }
    const named = await this.names(q.tenant, q.actorIds);
    return { gone, noAccess, actorNames: new Map(q.actorIds.map((id) => [id, named.get(id) ?? id])), docTitles };
  }
}

/** The ids of every comment in the state (one pass, however many subjects ask). */
function commentIdsOf(state: DocState): Set<string> {
  const ids = new Set<string>();
  for (const t of Object.values(state.threads)) for (const c of t.comments) ids.add(c.id);
  return ids;
}
