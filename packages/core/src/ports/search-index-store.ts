import type { DocRef } from "../doc-ref.js";
import type { TermDelta, TermSet } from "../search/term-diff.js";

/** What the index says about a committed document. */
export interface SearchDocMeta {
  /** The document version whose text the index holds. */
  version: number;
  /** serverTs of that version (ranking's recency). */
  updatedAt: number;
  /** The per-document term cap cut the text (later new words are not searchable). */
  truncated: boolean;
  termCount: number;
  /** Server ms at which this meta was stored (the debounce measures from it; 0 if unknown). */
  indexedAt: number;
  /** Items the index write that stored this meta wrote (postings put or deleted, dictionary entries; 0 if unknown): the debounce grows with it. */
  written: number;
}

/**
 * An index write in progress: claimed before any posting is touched and cleared by `commit`.
 * If its writer dies, the next writer takes it over once `until` has passed, forcing every
 * `touched` term to its own target (see diffTerms' `force`), so a half-applied write never
 * leaves a wrong posting behind.
 */
export interface PendingIndexWrite {
  id: string;
  version: number;
  /** Server ms after which another writer may take it over (well past the function timeout). */
  until: number;
  touched: string[];
}

export interface IndexedDoc {
  /** Absent until the document's first index write is committed. */
  meta?: SearchDocMeta;
  /** The indexed term set (term -> tf bucket), as the last `write` left it. */
  terms: TermSet;
  pending?: PendingIndexWrite;
  /** A deferred index write is scheduled for then (see `defer`). */
  dueAt?: number;
}

/** The small part of IndexedDoc an event checks before deciding to index now or later. */
export type IndexedDocHead = Omit<IndexedDoc, "terms">;

export interface Posting {
  docId: string;
  tf: number;
}

/**
 * The search index of one deployment: per tenant an inverted index (term -> documents with
 * their tf bucket), a prefix dictionary of the tenant's indexed terms, and per document its
 * indexed term set and version. Writers of one document are serialised by a claim
 * (`begin`/`commit`), so concurrent or replayed events can never interleave their writes.
 *
 * Contract:
 * - `load(doc)` is strongly consistent: the committed meta (or none), the term set the last
 *   `write` stored (empty for a new document), the pending claim and the deferral, if any.
 *   `head(doc)` is the same without the term set (one small read).
 * - `defer(doc, dueAt)` atomically records that the document will be indexed at `dueAt` iff
 *   no deferral is recorded; returns whether it did. `commit` and `advance` clear it;
 *   `clearDue(doc, dueAt)` clears it iff it is still `dueAt`; `moveDue(doc, from, to)` sets it
 *   to `to` iff it is still `from` and returns whether it did (one write where clear and defer
 *   are two).
 * - `begin(doc, expect, pending)` atomically sets `pending` iff the committed version (0 when
 *   no meta) equals `expect.version` and the stored claim is absent, or is the claim with id
 *   `expect.pendingId` (a take-over). It returns whether it did; otherwise nothing changes.
 * - `write(doc, delta, terms)` puts the postings of `delta.put` (tf as given), deletes those
 *   of `delta.remove`, makes every `delta.added` term expandable from its prefixes, and stores
 *   `terms` as the document's term set. Idempotent: writing the same again changes nothing.
 *   Callers hold the claim.
 * - `commit(doc, id, meta)` atomically stores `meta` and clears the claim and any deferral iff
 *   the stored claim has that id; returns whether it did.
 * - `advance(doc, expectVersion, meta)` atomically stores `meta` and clears any deferral iff
 *   the committed version equals `expectVersion` (0: none) and there is no claim; returns
 *   whether it did. (An event whose text has the same terms moves the version with one small
 *   write.)
 * - `postings(tenant, term, limit)` returns at most `limit` documents holding the term,
 *   ascending by docId (code-point order).
 * - `expand(tenant, prefix, limit)` returns, ascending in code-point order, at most `limit`
 *   terms starting with `prefix` (>= 2 code points). It never misses a term that a document of
 *   the tenant holds (written through `write` with the term in `added`); a term whose last
 *   posting a `write` removed is dropped from it by that write.
 * - `metas(tenant, docIds)` returns the committed meta of each of those documents that has one.
 * - Tenants are isolated: nothing written for one tenant is ever returned for another.
 */
export interface SearchIndexStore {
  load(doc: DocRef): Promise<IndexedDoc>;
  head(doc: DocRef): Promise<IndexedDocHead>;
  defer(doc: DocRef, dueAt: number): Promise<boolean>;
  clearDue(doc: DocRef, dueAt: number): Promise<void>;
  moveDue(doc: DocRef, from: number, to: number): Promise<boolean>;
  begin(doc: DocRef, expect: { version: number; pendingId?: string }, pending: PendingIndexWrite): Promise<boolean>;
  write(doc: DocRef, delta: TermDelta, terms: TermSet): Promise<void>;
  commit(doc: DocRef, id: string, meta: SearchDocMeta): Promise<boolean>;
  advance(doc: DocRef, expectVersion: number, meta: SearchDocMeta): Promise<boolean>;
  postings(tenant: string, term: string, limit: number): Promise<Posting[]>;
  expand(tenant: string, prefix: string, limit: number): Promise<string[]>;
  metas(tenant: string, docIds: string[]): Promise<Map<string, SearchDocMeta>>;
}
