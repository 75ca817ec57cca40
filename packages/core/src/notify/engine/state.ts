import type { NotifyIntent } from "./intent.js";
import { ENGINE_LIMITS } from "./limits.js";

/**
 * The per-user engine state: plain JSON, stored as one item and written only by
 * compare-and-set (NotifyUserStateStore), which is what serializes a user's decisions.
 * Every list is bounded (limits.ts): `seen` by seenEvents, items across `digests`, `held` and
 * `fallbacks` by storedItems, `digests` by openDigests, each `sends` list by its cap.
 */
export interface NotifyUserState {
  v: 1;
  /**
   * Hashes of the most recent event ids decided, in chunks of SEEN_CHUNK (oldest first).
   * Chunked so that remembering one more copies one small chunk, not the whole list: a decide
   * call must not change its input state, and copying 512 numbers per call was a fair share of
   * the engine's allocation.
   */
  seen: number[][];
  /** Times of the sends in the current rolling window, per budget (ascending). */
  sends: { regular: number[]; extra: number[]; critical: number[] };
  /** Open digests, in opening order. */
  digests: OpenDigest[];
  /** Items whose external delivery is deferred by the cap or quiet hours (the next send carries them). */
  held: PendingItem[];
  /** Transactional emails that go out if the item is still unread at `dueAt`. */
  fallbacks: PendingFallback[];
}

/**
 * One event waiting for external delivery: what rendering and the checks at send time need
 * (the intent's own fields, without tenant and user, which the state belongs to).
 */
export interface PendingItem extends Omit<NotifyIntent, "tenant" | "userId" | "readAccess"> {
  /** The in-app item it shows in (its own, or its digest's): what `markRead` is given. */
  feedId?: string;
  /** Set when its feed item was read (digest items only; read held items are dropped). */
  readAt?: number;
  /** Deferral reasons already recorded for it: 1 = cap, 2 = quiet hours (each is recorded once). */
  noted?: number;
}

export interface OpenDigest {
  key: string;
  /** The digest's id, which its in-app item keeps for the digest's whole life. */
  id: string;
  openedAt: number;
  /** When it flushes: openedAt + window, or earlier when it fills up. */
  dueAt: number;
  /** Version of its in-app item (0 = none emitted yet). */
  version: number;
  /** Hash of the in-app item's last title and body (a flush re-emits it only when it changed). */
  rendered?: string;
  items: PendingItem[];
}

export interface PendingFallback {
  item: PendingItem;
  dueAt: number;
  /** The send it falls back from (its email gets this send's channel id). */
  sendId: string;
}

/**
 * A copy of a digest holding `items`, fields in the order joinDigest gives them (`rendered`
 * is set after the digest is made). Field by field, not a spread, for the reason given at
 * intent.ts copyItem.
 */
export function digestWith(d: OpenDigest, items: PendingItem[]): OpenDigest {
  const o: OpenDigest = { key: d.key, id: d.id, openedAt: d.openedAt, dueAt: d.dueAt, version: d.version, items };
  if (d.rendered !== undefined) o.rendered = d.rendered;
  return o;
}

export const DEFERRED_CAP = 1;
export const DEFERRED_QUIET = 2;

export function emptyNotifyState(): NotifyUserState {
  return { v: 1, seen: [], sends: { regular: [], extra: [], critical: [] }, digests: [], held: [], fallbacks: [] };
}

/** The state as loaded from storage (undefined = a user never decided for). */
export function notifyStateOf(stored: unknown): NotifyUserState {
  if (stored === undefined || stored === null) return emptyNotifyState();
  const s = stored as NotifyUserState;
  if (s.v !== 1) throw new Error(`unknown notify state version ${String((s as { v?: unknown }).v)}`);
  // States written before `seen` was chunked hold a flat list.
  const seen = s.seen as unknown[];
  if (seen.length > 0 && typeof seen[0] === "number") {
    const flat = seen as number[];
    const chunks: number[][] = [];
    for (let i = 0; i < flat.length; i += SEEN_CHUNK) chunks.push(flat.slice(i, i + SEEN_CHUNK));
    return { ...s, seen: chunks };
  }
  return s;
}

/**
 * A copy that an engine call may change without touching its input. Only the top level is
 * new: everything below it is shared with the input and only ever replaced, never changed in
 * place (lists are rebuilt: `appended`, filter, `setSends`; a digest is copied before its first
 * change: Run.ownDigest). Copying the lists and digests up front cost every call, and each
 * copy lived as long as the state did.
 */
export function workingCopy(s: NotifyUserState): NotifyUserState {
  return { v: 1, seen: s.seen, sends: s.sends, digests: s.digests, held: s.held, fallbacks: s.fallbacks };
}

export function storedItemCount(s: NotifyUserState): number {
  let n = s.held.length + s.fallbacks.length;
  for (const d of s.digests) n += d.items.length;
  return n;
}

/** Event hashes per `seen` chunk. */
export const SEEN_CHUNK = 64;

/** Whether an event hash is among the remembered ones. */
export function hasSeen(s: NotifyUserState, hash: number): boolean {
  for (const chunk of s.seen) if (chunk.includes(hash)) return true;
  return false;
}

/** How many event hashes are remembered. */
export function seenCount(s: NotifyUserState): number {
  let n = 0;
  for (const chunk of s.seen) n += chunk.length;
  return n;
}

/**
 * Remembers an event hash (copying only the last chunk and the chunk list, which workingCopy
 * shares with the input). At most ENGINE_LIMITS.seenEvents are kept: the oldest chunk goes
 * when a new one would pass it, so at least seenEvents - SEEN_CHUNK + 1 recent ones remain.
 */
export function rememberEvent(s: NotifyUserState, hash: number): void {
  const chunks = s.seen.slice();
  const last = chunks.at(-1);
  // concat: an exact-size copy that keeps the chunk an array of unboxed doubles (which
  // `includes` scans fast); `appended` is shared with lists of objects, so its arrays hold
  // boxed numbers.
  if (last && last.length < SEEN_CHUNK) chunks[chunks.length - 1] = last.concat(hash);
  else chunks.push([hash]);
  while (chunks.length * SEEN_CHUNK > ENGINE_LIMITS.seenEvents) chunks.shift();
  s.seen = chunks;
}

/** True when nothing is pending: no digest, deferred item or fallback. */
export function isIdle(s: NotifyUserState): boolean {
  return s.digests.length === 0 && s.held.length === 0 && s.fallbacks.length === 0;
}

/** A copy of `list` with `x` appended, allocated at its exact size (a spread or a push would over-allocate). */
export function appended<T>(list: readonly T[], x: T): T[] {
  const n = list.length;
  const out = new Array<T>(n + 1);
  for (let i = 0; i < n; i++) out[i] = list[i];
  out[n] = x;
  return out;
}
