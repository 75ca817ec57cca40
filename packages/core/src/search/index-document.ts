import type { DocRef } from "../doc-ref.js";
import type { SearchDocMeta, SearchIndexStore } from "../ports/search-index-store.js";
import { diffTerms, isEmptyDelta, termSetOfAsync, touchedTerms } from "./term-diff.js";

/** The text to index: a materialized document state (any object with these fields). */
export interface IndexableState {
  version: number;
  text: string;
  updatedAt: number;
}

export interface IndexDeps {
  store: SearchIndexStore;
  now: () => number;
  /** A fresh unique id for a claim. */
  newId: () => string;
  sleep?: (ms: number) => Promise<void>;
}

/** How long a claim protects a write: far past the search function's 60 s timeout, so its owner is dead by then. */
export const INDEX_LEASE_MS = 180_000;
const ATTEMPTS = 8;

export type IndexOutcome =
  | { status: "unchanged"; version: number }
  /** Only with `lastIndexedAt`: another writer indexed the document since (nothing written). */
  | { status: "superseded"; version: number }
  | { status: "advanced"; version: number }
  | { status: "indexed"; version: number; put: number; removed: number; truncated: boolean };

/**
 * Brings the index of `doc` up to `state` (the document's current state, read after the
 * event: so an old or replayed event indexes the current text, never an old one).
 *
 * - If the index already holds `state.version` or a newer one, nothing is written
 *   ("unchanged"): a replayed or late event can never regress the index.
 * - If the terms did not change, the version moves with one conditional write ("advanced").
 * - Otherwise only the term delta is written, under a claim: begin (conditional on the
 *   version read), write postings and term set, commit. A claim left by a dead writer is
 *   taken over after its lease, forcing every term it touched to this write's target.
 * A lost race (another writer moved the version or holds a live claim) re-reads and retries;
 * after ATTEMPTS it throws, and the event is retried by the bus. With `lastIndexedAt` (the
 * `indexedAt` of the index write the caller decided on), a write committed by another writer
 * since then ends it ("superseded"): a debounced caller waits for that write's window instead.
 */
export async function indexDocument(
  deps: IndexDeps,
  doc: DocRef,
  state: IndexableState,
  opts: { lastIndexedAt?: number } = {},
): Promise<IndexOutcome> {
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  let target: Awaited<ReturnType<typeof termSetOfAsync>> | undefined;
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    if (attempt > 0) await sleep(Math.min(1000, 20 * 2 ** attempt) * (0.5 + Math.random() / 2));
    const indexed = await deps.store.load(doc);
    const current = indexed.meta?.version ?? 0;
    if (current >= state.version) return { status: "unchanged", version: current };
    if (opts.lastIndexedAt !== undefined && (indexed.meta?.indexedAt ?? 0) !== opts.lastIndexedAt) return { status: "superseded", version: current };
    const pending = indexed.pending;
    if (pending && pending.until > deps.now()) continue;
    target ??= await termSetOfAsync(state.text);
    const meta: SearchDocMeta = {
      version: state.version,
      updatedAt: state.updatedAt,
      truncated: target.truncated,
      termCount: target.terms.size,
      indexedAt: deps.now(),
      written: 0,
    };
    const delta = diffTerms(indexed.terms, target.terms, pending?.touched ?? []);
    meta.written = delta.put.length + delta.remove.length + delta.added.length;
    if (!pending && isEmptyDelta(delta)) {
      if (await deps.store.advance(doc, current, meta)) return { status: "advanced", version: state.version };
      continue;
    }
    const claim = { id: deps.newId(), version: state.version, until: deps.now() + INDEX_LEASE_MS, touched: touchedTerms(delta) };
    if (!(await deps.store.begin(doc, { version: current, pendingId: pending?.id }, claim))) continue;
    await deps.store.write(doc, delta, target.terms);
    if (await deps.store.commit(doc, claim.id, meta)) {
      return { status: "indexed", version: state.version, put: delta.put.length, removed: delta.remove.length, truncated: target.truncated };
    }
  }
  throw new Error(`search index of ${doc.tenant}/${doc.docId} is busy (another writer holds it); the event will be retried`);
}
