import type { DocRef } from "../doc-ref.js";
import type { TimerStore } from "../ports/timer-store.js";
import { indexDocument, type IndexDeps, type IndexOutcome, type IndexableState } from "./index-document.js";

/**
 * Search indexing at most once per document per debounce window (`debounceMs` plus
 * DEBOUNCE_PER_TERM_MS per indexed term), plus the first event after a quiet spell, at once. A document being typed into commits a batch every few hundred ms;
 * indexing each would rewrite the same postings and term-set parts over and over (the
 * dominant DynamoDB write cost of the whole pipeline). Coalescing keeps the index at most
 * `debounceMs` + one timer tick behind the text, and writes each changed term once per window.
 */
export interface DebouncedIndexDeps extends IndexDeps {
  /** Deferred index writes, one timer per (document, due time): the search table's own timers. */
  timers: TimerStore;
  /** The document's current materialized state (read only when indexing now). */
  readState: (doc: DocRef) => Promise<IndexableState | undefined>;
  debounceMs: number;
}

/**
 * Extra debounce per indexed term: an index write re-tokenizes the whole text, so a large
 * document is re-indexed less often (10,000 terms, the per-document cap: +20 s), keeping the
 * indexing CPU per hot document roughly flat instead of growing with its size.
 */
export const DEBOUNCE_PER_TERM_MS = 2;

/** The debounce window after an index write of a document with `termCount` terms. */
export function debounceWindow(debounceMs: number, termCount: number): number {
  return debounceMs + DEBOUNCE_PER_TERM_MS * termCount;
}

/** A recorded deferral older than this (past its due time) is treated as lost: index at once. */
export const STALE_DEFERRAL_MS = 60_000;

export type CommittedIndexOutcome = IndexOutcome | { status: "deferred"; dueAt: number };

/**
 * A committed batch up to `seqEnd` of `doc`: index now, or make sure an index write is due.
 *
 * - The index already holds `seqEnd` (a replayed or late event): nothing ("unchanged").
 * - A deferral is recorded: the timer will index the then current text ("deferred", no write).
 * - The last index write is younger than `debounceMs`: a timer is added for the end of the
 *   window, then the deferral is recorded (timer first, so a recorded deferral always has its
 *   timer; a spare timer only costs an "unchanged" run). One or two writes per window.
 * - Otherwise the current state is indexed at once (see indexDocument).
 */
export async function indexOnCommit(deps: DebouncedIndexDeps, doc: DocRef, seqEnd: number): Promise<CommittedIndexOutcome> {
  const head = await deps.store.head(doc);
  const current = head.meta?.version ?? 0;
  if (current >= seqEnd) return { status: "unchanged", version: current };
  const now = deps.now();
  if (head.dueAt !== undefined && head.dueAt + STALE_DEFERRAL_MS > now) return { status: "deferred", dueAt: head.dueAt };
  const last = head.meta?.indexedAt ?? 0;
  const window = debounceWindow(deps.debounceMs, head.meta?.termCount ?? 0);
  if (now < last + window) {
    const dueAt = last + window;
    await deps.timers.add(doc, dueAt);
    await deps.store.defer(doc, dueAt);
    return { status: "deferred", dueAt };
  }
  return indexNow(deps, doc, seqEnd);
}

/**
 * A search timer fired: index the current text, clear the deferral, and defer again if a
 * commit landed while indexing. That re-check closes the one gap: an event that saw the
 * deferral (so wrote nothing) before this run cleared it committed its state before it looked,
 * so a state read after the clear sees it. The caller removes the timer afterwards.
 */
export async function indexWhenDue(deps: DebouncedIndexDeps, doc: DocRef, dueAt: number): Promise<CommittedIndexOutcome> {
  const state = await deps.readState(doc);
  if (!state) {
    await deps.store.clearDue(doc, dueAt);
    return { status: "unchanged", version: 0 };
  }
  const outcome = await indexDocument(deps, doc, state);
  if (outcome.status === "unchanged") await deps.store.clearDue(doc, dueAt);
  const after = await deps.readState(doc);
  if (after && after.version > outcome.version) {
    const next = deps.now() + debounceWindow(deps.debounceMs, (await deps.store.head(doc)).meta?.termCount ?? 0);
    await deps.timers.add(doc, next);
    await deps.store.defer(doc, next);
  }
  return outcome;
}

async function indexNow(deps: DebouncedIndexDeps, doc: DocRef, seqEnd: number): Promise<IndexOutcome> {
  const state = await deps.readState(doc);
  if (!state || state.version < seqEnd) {
    throw new Error(`search: ${doc.tenant}/${doc.docId} is materialized to ${state?.version ?? 0}, below the event's seqEnd ${seqEnd}; retry later`);
  }
  return indexDocument(deps, doc, state);
}
