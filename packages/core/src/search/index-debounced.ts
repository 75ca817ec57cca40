import type { DocRef } from "../doc-ref.js";
import type { IndexedDocHead, SearchDocMeta } from "../ports/search-index-store.js";
import type { TimerStore } from "../ports/timer-store.js";
import { indexDocument, type IndexDeps, type IndexOutcome, type IndexableState } from "./index-document.js";

/**
 * Search indexing at most once per document per debounce window (`debounceMs` plus
 * DEBOUNCE_PER_TERM_MS per indexed term plus DEBOUNCE_PER_WRITTEN_MS per item the last write wrote), plus the first event after a quiet spell, at once. A document being typed into commits a batch every few hundred ms;
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
  /**
   * How long a document being typed into (a commit within QUIET_MS of its timer) may wait for
   * a pause before it is indexed anyway, from its last index write (default BUSY_INDEX_MS).
   */
  busyMs?: number;
  /**
   * An in-process scheduler for the checks of a document being typed into (optional). With it,
   * a timer that finds its document still typed into moves the deferral (its timer and its
   * record) to the end of the busy window in one step, and asks for `recheckBusy(deps, doc,
   * dueAt)` to run in this process at the end of each debounce window: those checks read and
   * write nothing until the editors pause (then they index) or the window ends. A check lost
   * with its process costs freshness, not correctness: the deferral's own timer still fires at
   * the busy window's end. Without it, each check moves the deferral one window on (a timer
   * added, the record moved, the fired timer removed: three writes a window).
   */
  checks?: { at(doc: DocRef, dueAt: number, runAt: number): void };
}

/**
 * A document is being typed into when its last commit is younger than this at its timer: its
 * index write waits for a pause (or for the busy window's end) instead of writing the words
 * typed halfway, which the next write would delete again.
 */
export const QUIET_MS = 3_000;

/**
 * While a document is typed into without a QUIET_MS pause, its index lags at most this behind
 * its last index write (plus a timer tick): one index write per 30 s instead of one per debounce
 * window, for a check of the text's age every window (a timer and a deferral moved).
 */
export const BUSY_INDEX_MS = 30_000;

/**
 * Extra debounce per indexed term: an index write re-tokenizes the whole text, so a large
 * document is re-indexed less often (10,000 terms, the per-document cap: +20 s), keeping the
 * indexing CPU per hot document roughly flat instead of growing with its size.
 */
export const DEBOUNCE_PER_TERM_MS = 2;

/**
 * Extra debounce per item the last index write wrote (postings, dictionary entries): a
 * document whose index churns (pasted text, a rewrite, term counts crossing buckets while it
 * grows) spends on average at most ~1000 / DEBOUNCE_PER_WRITTEN_MS = 100 index items per
 * second, so the search consumer's write units stay bounded per hot document instead of
 * following its edit rate; a write of a few terms adds only tens of ms.
 */
export const DEBOUNCE_PER_WRITTEN_MS = 10;

/** The debounce window after the index write that stored `meta` (none yet: `debounceMs`). */
export function debounceWindow(debounceMs: number, meta: Pick<SearchDocMeta, "termCount" | "written"> | undefined): number {
  return debounceMs + DEBOUNCE_PER_TERM_MS * (meta?.termCount ?? 0) + DEBOUNCE_PER_WRITTEN_MS * (meta?.written ?? 0);
}

/** A recorded deferral older than this (past its due time) is treated as lost: index at once. */
export const STALE_DEFERRAL_MS = 60_000;

export type CommittedIndexOutcome = IndexOutcome | { status: "deferred"; dueAt: number };

/**
 * A committed batch up to `seqEnd` of `doc`: index now, or make sure an index write is due.
 *
 * - The index already holds `seqEnd` (a replayed or late event): nothing ("unchanged").
 * - A deferral is recorded: the timer will index the then current text ("deferred", no write).
 * - The last index write is younger than its window: a timer is added for the end of the
 *   window, then the deferral is recorded (timer first, so a recorded deferral always has its
 *   timer; a spare timer finds another deferral recorded and does nothing). One or two writes
 *   per window.
 * - Otherwise the current state is indexed at once (see indexDocument). Events of one
 *   document arrive concurrently: if another of them indexed meanwhile, this one defers to
 *   the end of that write's window instead of writing right after it.
 */
export async function indexOnCommit(deps: DebouncedIndexDeps, doc: DocRef, seqEnd: number): Promise<CommittedIndexOutcome> {
  const head = await deps.store.head(doc);
  const current = head.meta?.version ?? 0;
  if (current >= seqEnd) return { status: "unchanged", version: current };
  const now = deps.now();
  if (liveDeferral(head, now)) return { status: "deferred", dueAt: head.dueAt! };
  const end = windowEnd(deps, head);
  if (now < end) return defer(deps, doc, end);
  const state = await deps.readState(doc);
  if (!state || state.version < seqEnd) {
    throw new Error(`search: ${doc.tenant}/${doc.docId} is materialized to ${state?.version ?? 0}, below the event's seqEnd ${seqEnd}; retry later`);
  }
  const outcome = await indexDocument(deps, doc, state, { lastIndexedAt: head.meta?.indexedAt ?? 0 });
  if (outcome.status !== "superseded") return outcome;
  const after = await deps.store.head(doc);
  if (liveDeferral(after, deps.now())) return { status: "deferred", dueAt: after.dueAt! };
  return defer(deps, doc, windowEnd(deps, after));
}

/**
 * A search timer fired: index the current text, clear the deferral, and defer again if a
 * commit landed while indexing. That re-check closes the one gap: an event that saw the
 * deferral (so wrote nothing) before this run cleared it committed its state before it looked,
 * so a state read after the clear sees it. A spare timer (another deferral is recorded, with
 * its own timer) does nothing. The caller removes the timer afterwards.
 *
 * A document still being typed into (busyUntil) is not indexed yet: its deferral moves one
 * window on (timer first, then the move), until a pause or the end of its busy window.
 */
export async function indexWhenDue(deps: DebouncedIndexDeps, doc: DocRef, dueAt: number): Promise<CommittedIndexOutcome> {
  return whenDue(deps, doc, dueAt, await deps.store.head(doc));
}

/** indexWhenDue from the index head already read. */
async function whenDue(deps: DebouncedIndexDeps, doc: DocRef, dueAt: number, head: IndexedDocHead): Promise<CommittedIndexOutcome> {
  if (head.dueAt !== undefined && head.dueAt !== dueAt && liveDeferral(head, deps.now())) return { status: "deferred", dueAt: head.dueAt };
  const state = await deps.readState(doc);
  if (!state) {
    await deps.store.clearDue(doc, dueAt);
    return { status: "unchanged", version: 0 };
  }
  const next = busyUntil(deps, head, state);
  if (next !== undefined && head.dueAt === dueAt) {
    if (deps.checks) {
      const end = busyEnd(deps, head.meta!);
      if (end > dueAt) {
        await deps.timers.add(doc, end);
        if (!(await deps.store.moveDue(doc, dueAt, end))) return indexNow(deps, doc, dueAt, state);
      }
      if (next < end) deps.checks.at(doc, end, next);
      return { status: "deferred", dueAt: end };
    }
    await deps.timers.add(doc, next);
    if (await deps.store.moveDue(doc, dueAt, next)) return { status: "deferred", dueAt: next };
  }
  return indexNow(deps, doc, dueAt, state);
}

/**
 * A busy document's check (DebouncedIndexDeps.checks), run in the process that asked for it:
 * nothing if its deferral is no longer `dueAt` (it moved, or an index write cleared it: whoever
 * did that has the document), else as its timer would (indexWhenDue): still typed into, another
 * check a window on and no write; paused (or the busy window over), index now, and remove the
 * deferral's timer, which the index write made a spare.
 */
export async function recheckBusy(deps: DebouncedIndexDeps, doc: DocRef, dueAt: number): Promise<CommittedIndexOutcome | undefined> {
  const head = await deps.store.head(doc);
  if (head.dueAt !== dueAt) return undefined;
  const outcome = await whenDue(deps, doc, dueAt, head);
  if (outcome.status !== "deferred" || outcome.dueAt !== dueAt) await deps.timers.remove(doc, dueAt);
  return outcome;
}

async function indexNow(deps: DebouncedIndexDeps, doc: DocRef, dueAt: number, state: IndexableState): Promise<CommittedIndexOutcome> {
  const outcome = await indexDocument(deps, doc, state);
  if (outcome.status === "unchanged") await deps.store.clearDue(doc, dueAt);
  const after = await deps.readState(doc);
  if (after && after.version > outcome.version) {
    await defer(deps, doc, deps.now() + debounceWindow(deps.debounceMs, (await deps.store.head(doc)).meta));
  }
  return outcome;
}

/**
 * When a document whose text moved past its index is still being typed into (its last commit
 * within QUIET_MS), the time of its next check: one debounce window on, at most the end of its
 * busy window (`busyMs` after its last index write). Undefined: index now (quiet, never indexed,
 * nothing new, or the busy window is over).
 */
function busyUntil(deps: DebouncedIndexDeps, head: IndexedDocHead, state: IndexableState): number | undefined {
  const meta = head.meta;
  if (!meta || state.version <= meta.version) return undefined;
  const now = deps.now();
  if (now - state.updatedAt >= QUIET_MS) return undefined;
  const end = busyEnd(deps, meta);
  return now + 1 >= end ? undefined : Math.min(end, now + debounceWindow(deps.debounceMs, meta));
}

/** The end of a document's busy window: `busyMs` (at least a debounce window) after its last index write. */
function busyEnd(deps: DebouncedIndexDeps, meta: SearchDocMeta): number {
  return meta.indexedAt + Math.max(deps.busyMs ?? BUSY_INDEX_MS, debounceWindow(deps.debounceMs, meta));
}

/** A deferral is recorded and not stale (its timer is still expected to run). */
function liveDeferral(head: IndexedDocHead, now: number): boolean {
  return head.dueAt !== undefined && head.dueAt + STALE_DEFERRAL_MS > now;
}

function windowEnd(deps: DebouncedIndexDeps, head: IndexedDocHead): number {
  return (head.meta?.indexedAt ?? 0) + debounceWindow(deps.debounceMs, head.meta);
}

/** Timer first, then the deferral (see indexOnCommit). */
async function defer(deps: DebouncedIndexDeps, doc: DocRef, dueAt: number): Promise<CommittedIndexOutcome> {
  await deps.timers.add(doc, dueAt);
  await deps.store.defer(doc, dueAt);
  return { status: "deferred", dueAt };
}
