import type { DocRef } from "../../src/doc-ref.js";
import { ManualClock } from "../../src/ports/clock.js";
import { MemorySearchIndexStore } from "../../src/ports/memory/search-index-store.js";
import { MemoryTimerStore } from "../../src/ports/memory/timer-store.js";
import { debounceWindow, indexWhenDue, type DebouncedIndexDeps } from "../../src/search/index-debounced.js";
import type { IndexableState } from "../../src/search/index-document.js";

export const doc: DocRef = { tenant: "acme", docId: "roadmap" };
export const DEBOUNCE = 2_000;
/** The window after indexing a one-term text ("alpha": a posting and a dictionary entry): larger documents wait longer. */
export const W1 = debounceWindow(DEBOUNCE, { termCount: 1, written: 2 });

/**
 * A document whose materialized state the test moves, with the debounced indexer around it.
 * `busyMs` 0 (these tests' default) indexes at every due timer, typed into or not.
 */
export function setup(busyMs = 0) {
  const clock = new ManualClock(1_000_000);
  const store = new MemorySearchIndexStore();
  const timers = new MemoryTimerStore();
  let state: IndexableState | undefined;
  let ids = 0;
  const deps: DebouncedIndexDeps = {
    store,
    timers,
    now: () => clock.now(),
    newId: () => `claim-${++ids}`,
    sleep: async () => {},
    readState: async () => (state ? { ...state } : undefined),
    debounceMs: DEBOUNCE,
    busyMs,
  };
  const commit = (version: number, text: string) => {
    state = { version, text, updatedAt: clock.now() };
  };
  /** Runs every due timer the way the search-timers handler does. */
  const fireDue = async () => {
    for (const t of await timers.due(clock.now(), 100)) {
      await indexWhenDue(deps, t.doc, t.dueAt);
      await timers.remove(t.doc, t.dueAt);
    }
  };
  const found = async (term: string) => (await store.postings("acme", term, 10)).map((p) => p.docId);
  return { clock, store, timers, deps, commit, fireDue, found };
}

