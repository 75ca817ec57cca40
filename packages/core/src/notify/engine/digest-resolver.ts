/** A pending item's subject, with the document it lives in. */
export interface SubjectRef {
  kind: string;
  id: string;
  docId?: string;
}

export interface DigestQuery {
  tenant: string;
  /** The recipient: access is checked for this user. */
  userId: string;
  /** The recipient's groups as last seen (EngineContext.groups); absent: unknown (group entries grant nothing). */
  groups?: readonly string[];
  subjects: SubjectRef[];
  docIds: string[];
  actorIds: string[];
}

export interface DigestFacts {
  /** Subjects (as `subjectKey(kind, id)`) known to be deleted. */
  gone: ReadonlySet<string>;
  /** Documents the recipient can no longer read. */
  noAccess: ReadonlySet<string>;
  /** Current display names of actors. */
  actorNames: ReadonlyMap<string, string>;
  /** Current titles of documents. */
  docTitles: ReadonlyMap<string, string>;
}

export function subjectKey(kind: string, id: string): string {
  return `${kind}:${id}`;
}

/**
 * What the engine asks about pending items when it renders a digest or a summary, or sends
 * deferred items (never for a single fresh event): the current state of the world, so that a
 * summary is never stale.
 *
 * Contract:
 * - `resolve(q)` answers for the tenant `q.tenant` and the recipient `q.userId`, reflecting at
 *   least every change committed before the call (a deletion or an access change that
 *   happened before the call is visible to it).
 * - `gone` holds exactly the asked subjects known to be deleted. A subject the adapter cannot
 *   find (an unknown kind, or not yet visible) is NOT gone: an adapter that may lag fails
 *   open, and a deletion shows once visible. An adapter may count absence as deletion only
 *   where it knows the subject was visible before (the doc-state adapter: a comment's intents
 *   are made only once the materialized state holds it, and states never go back). Subjects
 *   not asked about never appear.
 * - `noAccess` holds exactly the asked documents the recipient can no longer read (role
 *   removed, document deleted), judged with `q.groups` for group entries. Documents not asked
 *   about never appear.
 * - `actorNames`/`docTitles` map asked ids to current display names/titles; an id may be
 *   missing (unknown, deleted account): the engine then says "Someone"/"a document".
 * - It does not change anything, and it throws on infrastructure failure: the engine call
 *   then rejects and the caller retries it with the same state (nothing was committed).
 * - One call carries at most ENGINE_LIMITS.storedItems + 1 subjects, docs and actors each.
 */
export interface DigestResolver {
  resolve(q: DigestQuery): Promise<DigestFacts>;
}
