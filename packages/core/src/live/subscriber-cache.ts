import { docKey, type DocRef } from "../doc-ref.js";
import type { LogEntry } from "../ops/types.js";
import type { ConnectionStore, Subscriber } from "../ports/connection-store.js";
import type { DocAcl } from "../access/doc-acl.js";
import type { BroadcastResult } from "./broadcast.js";

/** How long a delivering process reuses a document's subscriber list before reading it again. */
export const SUBSCRIBERS_TTL_MS = 1_000;

/**
 * The trailing read comes this many TTLs after the list was read: a document still being
 * delivered to has read it again by then (once per TTL), one that went quiet is read once more.
 */
const TRAILING_AFTER_TTLS = 1.5;

/** One delivery: committed entries of a document (consecutive, ascending) and their access (broadcast's `access`). */
export interface CachedDelivery {
  entries: readonly LogEntry[];
  access?: { aclBefore: DocAcl | undefined };
}

/** Posts a delivery to the given subscribers: core broadcast with its subscribers read fixed to `subs`. */
export type SendTo = (subs: Subscriber[], delivery: CachedDelivery) => Promise<BroadcastResult>;

export interface SubscriberCacheOptions {
  ttlMs?: number;
  now: () => number;
  /** Runs `fn` after `ms` (a process timer); returns its cancel. */
  setTimer: (fn: () => void, ms: number) => () => void;
  /** Reports a trailing refresh that failed (the next delivery reads the list again). */
  onError?: (doc: DocRef, err: unknown) => void;
}

interface DocState {
  readAt: number;
  subs: Subscriber[];
  /** Deliveries made from the list since it was read: what a subscriber it does not hold may have missed. */
  fromCache: CachedDelivery[];
  cancelTrailing?: () => void;
}

/**
 * The subscriber list of documents a process commits to, read at most once per `ttlMs` per
 * document instead of once per run (a strongly consistent Query per keystroke: docs/cost.md,
 * cut 26), without ever leaving a subscriber behind.
 *
 * Why a cached list is enough: a subscription is stored before its subscriber reads the log
 * head it catches up from (ConnectionStore.subscribe). A delivery made from a list read after
 * its commit is exact: a subscriber missing from it subscribed after that read, so after the
 * commit, and its catch-up holds the entries. A delivery made from an older list may miss a
 * subscriber that subscribed since that list was read; so every delivery made from the cache is
 * remembered, and when the list is read again (the first delivery after `ttlMs`, or a trailing
 * read 1.5 x `ttlMs` after the list's, so a document that went quiet is not left behind), each
 * subscriber the new list holds and the old one did not is sent those deliveries first, in order (broadcast skips the entries at or below its `since`, which its
 * catch-up sent). Every subscriber thus gets every entry after its `since` once, in order; one
 * that subscribed through another process may get the first ones up to `ttlMs` late.
 *
 * `invalidate(doc)` makes the next delivery read the list (this process's own subscribes,
 * unsubscribes and disconnects call it, so its own sockets see no delay); so does a delivery
 * that found connections gone or revoked. A subscriber that left through another process may
 * still be sent up to `ttlMs` of entries it had read access to (broadcast checks roles against
 * the ACL on every delivery, cached or not).
 */
export class SubscriberCache {
  private readonly docs = new Map<string, DocState>();
  /** Deliveries and refreshes of each document, one at a time; each runs on the document's state as it is then. */
  private readonly chains = new Map<string, Promise<unknown>>();
  private readonly ttlMs: number;

  constructor(
    private readonly store: Pick<ConnectionStore, "subscribers">,
    private readonly opts: SubscriberCacheOptions,
  ) {
    this.ttlMs = opts.ttlMs ?? SUBSCRIBERS_TTL_MS;
  }

  /** Delivers `delivery` of `doc` to its subscribers with `send`, reading the list only when it is older than the TTL. */
  deliver(doc: DocRef, delivery: CachedDelivery, send: SendTo): Promise<BroadcastResult> {
    return this.serialized(doc, async (state) => {
      const now = this.opts.now();
      const fresh = state.readAt + this.ttlMs <= now;
      if (fresh) await this.refresh(doc, state, send);
      const result = await send(state.subs, delivery);
      if (!fresh) state.fromCache.push(delivery);
      if (result.gone > 0 || result.revoked > 0) state.readAt = -Infinity;
      this.trailing(doc, state, send);
      return result;
    });
  }

  /** The next delivery of `doc` reads its subscriber list. */
  invalidate(doc: DocRef): void {
    const state = this.docs.get(docKey(doc));
    if (state) state.readAt = -Infinity;
  }

  /** Documents with a list or deliveries held (a bound for tests and metrics). */
  get size(): number {
    return this.docs.size;
  }

  /** Cancels the trailing refreshes (a closing process: its sockets are gone). */
  close(): void {
    for (const s of this.docs.values()) s.cancelTrailing?.();
    this.docs.clear();
  }

  /** Reads the list; sends the deliveries made from the old one to the subscribers it lacked. */
  private async refresh(doc: DocRef, state: DocState, send: SendTo): Promise<void> {
    const subs = await this.store.subscribers(doc);
    const known = new Set(state.subs.map((s) => s.connectionId));
    const joined = subs.filter((s) => !known.has(s.connectionId));
    if (joined.length > 0) for (const missed of state.fromCache) await send(joined, missed);
    state.subs = subs;
    state.readAt = this.opts.now();
    state.fromCache = [];
    state.cancelTrailing?.();
    state.cancelTrailing = undefined;
  }

  /**
   * When the list is TRAILING_AFTER_TTLS x `ttlMs` old (later than a busy document's next
   * delivery, which reads it at `ttlMs` and cancels this): a refresh if deliveries were made
   * from it (their catch-up), then the document is forgotten (the next delivery reads the
   * list), so a document that went quiet leaves no subscriber behind and holds no memory.
   */
  private trailing(doc: DocRef, state: DocState, send: SendTo): void {
    if (state.cancelTrailing) return;
    const key = docKey(doc);
    state.cancelTrailing = this.opts.setTimer(() => {
      if (this.docs.get(key) !== state) return;
      state.cancelTrailing = undefined;
      this.serialized(doc, async (s) => {
        // A delivery that ran first read the list again (and has its own trailing read).
        if (s !== state || s.cancelTrailing) return;
        if (s.fromCache.length > 0) await this.refresh(doc, s, send);
        if (this.docs.get(key) === s && !s.cancelTrailing) this.docs.delete(key);
      }).catch((err: unknown) => {
        // The list is read again at the next delivery, or at the next trailing read (a quiet
        // document has no next delivery), which sends what was missed then.
        state.readAt = -Infinity;
        this.opts.onError?.(doc, err);
        if (this.docs.get(key) === state) this.trailing(doc, state, send);
      });
    }, this.trailingDelay(state));
  }

  /** Until TRAILING_AFTER_TTLS x `ttlMs` after the list's read; `ttlMs` when it is to be read again anyway (invalidated, or a read failed). */
  private trailingDelay(state: DocState): number {
    if (!Number.isFinite(state.readAt)) return this.ttlMs;
    return Math.max(0, state.readAt + TRAILING_AFTER_TTLS * this.ttlMs - this.opts.now());
  }

  /** Runs `fn` after the document's earlier work, on its state as it is when `fn` starts (created if forgotten). */
  private serialized<T>(doc: DocRef, fn: (state: DocState) => Promise<T>): Promise<T> {
    const key = docKey(doc);
    const run = (this.chains.get(key) ?? Promise.resolve()).then(() => {
      let state = this.docs.get(key);
      if (!state) {
        state = { readAt: -Infinity, subs: [], fromCache: [] };
        this.docs.set(key, state);
      }
      return fn(state);
    });
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    this.chains.set(key, tail);
    void tail.then(() => {
      if (this.chains.get(key) === tail) this.chains.delete(key);
    });
    return run;
  }
}

/** `store` with its subscriber read answered by `subs` (broadcast to a list already read). */
export function withSubscribers(store: ConnectionStore, subs: Subscriber[]): ConnectionStore {
  return new Proxy(store, {
    get: (target, key) => {
      if (key === "subscribers") return async () => subs;
      const value = Reflect.get(target, key, target) as unknown;
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

/**
 * `store` telling `cache` about this process's own subscription changes: a subscribe,
 * unsubscribe or disconnect invalidates the documents it touched, so the next delivery to them
 * reads their list (the process's own sockets see no delay).
 */
export function invalidating(store: ConnectionStore, cache: Pick<SubscriberCache, "invalidate">): ConnectionStore {
  return new Proxy(store, {
    get: (target, key) => {
      const value = Reflect.get(target, key, target) as unknown;
      if (typeof value !== "function") return value;
      if (key === "subscribe" || key === "unsubscribe") {
        return async (connectionId: string, doc: DocRef, ...rest: unknown[]) => {
          try {
            return await (value as (...a: unknown[]) => Promise<unknown>).call(target, connectionId, doc, ...rest);
          } finally {
            cache.invalidate(doc);
          }
        };
      }
      if (key === "disconnect") {
        return async (...args: unknown[]) => {
          const removed = (await (value as (...a: unknown[]) => Promise<Array<{ doc: DocRef }>>).apply(target, args)) ?? [];
          for (const r of removed) cache.invalidate(r.doc);
          return removed;
        };
      }
      return value.bind(target);
    },
  });
}
