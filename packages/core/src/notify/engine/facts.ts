import { type DigestFacts, type DigestQuery, type SubjectRef, subjectKey } from "./digest-resolver.js";
import { ACL_SUBJECT_KIND } from "./intent.js";
import type { Run } from "./run.js";
import type { PendingItem } from "./state.js";

/**
 * What the engine asks the DigestResolver, and how it waits for the answer. Most engine calls
 * never ask (a single fresh event, a wake with nothing to release): those run synchronously
 * from start to end. A step that may have to ask returns `Pending`: undefined when it finished
 * synchronously, else a promise of its completion, which its caller must wait for before
 * doing anything else with the run (steps of a run stay strictly sequential).
 */
export type Pending = Promise<void> | void;

/** The question about `items` (none when nothing about them can be asked). */
export function factsQuery(run: Run, items: readonly PendingItem[]): DigestQuery | undefined {
  const subjects: SubjectRef[] = [];
  const docIds: string[] = [];
  const actorIds: string[] = [];
  for (const it of items) {
    if (it.subject) subjects.push(it.docId === undefined ? { kind: it.subject.kind, id: it.subject.id } : { kind: it.subject.kind, id: it.subject.id, docId: it.docId });
    // First-seen order, each once (at most storedItems + 1 ids: a scan beats a Set here).
    if (it.docId !== undefined && !docIds.includes(it.docId)) docIds.push(it.docId);
    if (it.actorId !== undefined && !actorIds.includes(it.actorId)) actorIds.push(it.actorId);
  }
  if (subjects.length === 0 && docIds.length === 0 && actorIds.length === 0) return undefined;
  const q: DigestQuery = { tenant: run.ctx.tenant, userId: run.ctx.userId, subjects, docIds, actorIds };
  if (run.ctx.groups !== undefined) q.groups = run.ctx.groups;
  return q;
}

/** Current facts about `items` from the resolver (none asked when nothing needs them). */
export async function factsFor(run: Run, items: readonly PendingItem[]): Promise<DigestFacts | undefined> {
  const q = factsQuery(run, items);
  return q === undefined ? undefined : run.ctx.resolver.resolve(q);
}

/** Runs `then` with the current facts about `items`: at once when nothing needs asking. */
export function withFacts(run: Run, items: readonly PendingItem[], then: (facts: DigestFacts | undefined) => Pending): Pending {
  const q = factsQuery(run, items);
  return q === undefined ? then(undefined) : resolveThen(run, q, then);
}

async function resolveThen(run: Run, q: DigestQuery, then: (facts: DigestFacts) => Pending): Promise<void> {
  const facts = await run.ctx.resolver.resolve(q);
  const p = then(facts);
  if (p) await p;
}

/**
 * The items still to be told about: deleted subjects drop out (expired), unreadable documents
 * too (suppressed:permission), except the notices that the user's access changed (subject kind
 * ACL_SUBJECT_KIND): "your access was removed" is about a document they can no longer read.
 */
export function liveItems(run: Run, items: readonly PendingItem[], facts: DigestFacts | undefined): PendingItem[] {
  if (!facts) return items.slice();
  const live: PendingItem[] = [];
  for (const it of items) {
    if (it.subject && facts.gone.size > 0 && facts.gone.has(subjectKey(it.subject.kind, it.subject.id))) {
      run.record(it.eventId, "expired", undefined, undefined, `its ${it.subject.kind} was deleted before it went out; dropped`);
    } else if (it.docId !== undefined && facts.noAccess.size > 0 && facts.noAccess.has(it.docId) && it.subject?.kind !== ACL_SUBJECT_KIND) {
      run.record(it.eventId, "suppressed:permission", undefined, undefined, "the user can no longer read the document");
    } else live.push(it);
  }
  return live;
}
