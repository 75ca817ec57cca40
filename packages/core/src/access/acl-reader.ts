import type { DocRef } from "../doc-ref.js";
import { docKey } from "../doc-ref.js";
import { TtlCache } from "../ttl-cache.js";
import type { LogStore } from "../ports/log-store.js";
import type { SequencerStateStore } from "../ports/sequencer-state-store.js";
import { aclAt, type StateReader } from "./acl-at.js";
import type { DocAcl } from "./doc-acl.js";

export interface AclReaderDeps {
  state: SequencerStateStore;
  log: LogStore;
  /** Materialized states, for documents whose log predates access control (optional). */
  states?: StateReader;
  /** Milliseconds for the cache's TTL (real time). */
  now?: () => number;
}

/** How long ingest and readers trust a cached ACL: a revocation applies there within this (the sequencer at once). */
export const ACL_CACHE_TTL_MS = 2000;

/**
 * A document's current ACL for the request path, from the sequencer's checkpoint item (one
 * strongly consistent GetItem), cached per process for ACL_CACHE_TTL_MS.
 *
 * Why a stale cache is safe: the cache only ever lets a request through that the sequencer
 * will judge again against the exact ACL as of the entry before it (a revoked user's change
 * accepted from a stale cache is rejected `forbidden` there), and readers re-read before
 * refusing, so a grant applies at once and a revocation within the TTL. Callers ask for a
 * fresh read (`fresh: true`) before a refusal and when the cached answer is "no document yet".
 *
 * `undefined` means the document does not exist (no committed entry).
 */
export class AclReader {
  private readonly cache: TtlCache<DocAcl | undefined>;

  constructor(
    private readonly deps: AclReaderDeps,
    ttlMs = ACL_CACHE_TTL_MS,
    maxEntries = 10_000,
  ) {
    this.cache = new TtlCache(ttlMs, maxEntries, deps.now ?? Date.now);
  }

  read(doc: DocRef, opts: { fresh?: boolean } = {}): Promise<DocAcl | undefined> {
    const key = docKey(doc);
    return (!opts.fresh && this.cache.fresh(key)) || this.cache.set(key, this.load(doc));
  }

  /**
   * `read(doc)` for many documents, one result per element of `docs` in order: entries cached
   * within the TTL as `read` serves them, the rest with one batched read of their checkpoints
   * (`SequencerStateStore.accessMany`) and cached like `read` caches. A document whose checkpoint
   * holds no ACL (not created yet, or a log from before access control) falls back to its log as
   * `read` does (legacy documents: log reads each).
   */
  readMany(docs: readonly DocRef[]): Promise<Array<DocAcl | undefined>> {
    const out: Array<Promise<DocAcl | undefined>> = [];
    const missing = new Map<string, { doc: DocRef; slots: number[] }>();
    docs.forEach((doc, i) => {
      const key = docKey(doc);
      const hit = this.cache.fresh(key);
      if (hit) out[i] = hit;
      else if (missing.has(key)) missing.get(key)!.slots.push(i);
      else missing.set(key, { doc, slots: [i] });
    });
    if (missing.size > 0) {
      const wanted = [...missing.values()];
      const batch = this.deps.state.accessMany(wanted.map((m) => m.doc));
      wanted.forEach(({ doc, slots }, j) => {
        const key = docKey(doc);
        const acl = this.cache.set(key, batch.then((found) => this.fromCheckpoint(doc, found[j])));
        for (const i of slots) out[i] = acl;
      });
    }
    return Promise.all(out);
  }

  private async load(doc: DocRef): Promise<DocAcl | undefined> {
    return this.fromCheckpoint(doc, await this.deps.state.access(doc));
  }

  /** The ACL from what the checkpoint item holds, falling back to the log when it holds none. */
  private async fromCheckpoint(doc: DocRef, { checkpoint, acl }: { checkpoint: number; acl?: DocAcl }): Promise<DocAcl | undefined> {
    if (acl) return acl;
    // No ACL stored: a document not created yet, or one whose log predates access control.
    const head = checkpoint > 0 ? checkpoint : (await this.deps.log.head(doc)).seq;
    return head > 0 ? aclAt(this.deps, doc, head) : undefined;
  }
}
