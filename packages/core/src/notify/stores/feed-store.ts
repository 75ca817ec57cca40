import { WeftError } from "../../errors.js";
import type { FeedItem } from "../vocabulary.js";
import { assertId, assertNotifyUser, assertTime, decodeCursor, encodeCursor, jsonOf, padTimeKey, type NotifyUser } from "./common.js";

/** How long an item is kept after its `updatedAt` unless the store is configured otherwise (the notification state's 180 days). */
export const DEFAULT_FEED_RETENTION_MS = 180 * 24 * 3_600_000;
/** Largest feed item, in UTF-8 bytes of its JSON. */
export const MAX_FEED_ITEM_BYTES = 64_000;
/** Largest page `list` returns. */
export const MAX_FEED_PAGE = 100;
/** Most ids one `markRead({ids})` may name. */
export const MAX_MARK_READ_IDS = 500;

export interface FeedListOptions {
  /** Only items without `readAt`. */
  unread?: boolean;
  /** From a previous page of the same listing (same `unread`). */
  cursor?: string;
  /** 1..MAX_FEED_PAGE. */
  limit: number;
}

export interface FeedPage {
  items: FeedItem[];
  /** Present iff more items may follow: pass it back as `cursor`. */
  cursor?: string;
}

export type MarkReadTarget = { ids: string[] } | { all: true };

/**
 * The in-app feed: one current version per (tenant, userId, id) of FeedItem.
 *
 * Contract:
 * - `upsert(item)` stores the item iff no item with its id is stored or the stored one has a
 *   lower `version`, and returns whether it wrote. Same version: an idempotent no-op (false),
 *   even if the contents differ; lower version: ignored (false). The stored item is exactly
 *   the given one: a new version without `readAt` is unread again even if the old one was read.
 * - `get(user, id)` returns the stored item or undefined. Items round-trip deep-equal
 *   (as JSON: `data` as `JSON.parse(JSON.stringify(data))`).
 * - `list(user, {unread, cursor, limit})` returns at most `limit` items, newest first by
 *   (`updatedAt` desc, then `id` desc in code-point order), only unread ones when `unread`;
 *   `cursor` iff more may follow (a last page may be empty). Pages are keyset-paginated:
 *   each page holds only items strictly after the cursor's (updatedAt, id) position. Hence,
 *   across the pages of one listing: an item that is not upserted while the listing runs
 *   appears exactly once (or, for `unread`, until it is marked read); an item upserted meanwhile
 *   appears at most once per position it held (at most once overall when its updatedAt did
 *   not decrease), possibly with either version, or not at all if it moved above the cursor.
 * - `markRead(user, {ids} | {all: true}, at)` sets `readAt = at` on the named (or all) unread
 *   items and returns the ids that changed from unread to read (ids order for {ids}; unknown,
 *   already-read and repeated ids are skipped). An item upserted concurrently with the call
 *   may stay unread (its new version was not seen). Neither `version` nor `updatedAt` change.
 * - `unreadCount(user)` is the number of stored items without `readAt`.
 * - Retention: an item is kept at least the store's retention (DEFAULT_FEED_RETENTION_MS unless
 *   configured) after the `updatedAt` of its stored version. After that the store may reclaim
 *   it at any time (DynamoDB's TTL does, typically within days); a reclaimed item reads as
 *   never stored, and an item being reclaimed reads whole (one of its versions) or not at all,
 *   except that `unreadCount` may still count it. A store may also keep items forever.
 * - Reads are strongly consistent (they reflect every write that returned before them). An
 *   upsert that has not returned (under way, or cut short by a crash until it is repeated or a
 *   later version is upserted) shows `get` and `list` the version stored before it or its own:
 *   one of the two (none only if none was stored), never both; `unreadCount` may count the
 *   item as either.
 *   Users are isolated, across tenants too. Invalid input (a bad user, id, version or time, a
 *   limit outside 1..MAX_FEED_PAGE, a cursor this store did not return)
 *   is refused with WeftError "invalid_request", an item over MAX_FEED_ITEM_BYTES with
 *   "payload_too_large".
 */
export interface NotificationFeedStore {
  upsert(item: FeedItem): Promise<boolean>;
  get(user: NotifyUser, id: string): Promise<FeedItem | undefined>;
  list(user: NotifyUser, opts: FeedListOptions): Promise<FeedPage>;
  markRead(user: NotifyUser, target: MarkReadTarget, at: number): Promise<string[]>;
  unreadCount(user: NotifyUser): Promise<number>;
}

/** Checks an item before storing; returns its JSON text. */
export function checkFeedItem(item: FeedItem): string {
  assertNotifyUser(item);
  assertId(item.id, "id");
  if (!Number.isSafeInteger(item.version) || item.version < 1) {
    throw new WeftError("invalid_request", "version must be an integer >= 1", [{ path: "version", issue: `got ${item.version}` }]);
  }
  assertTime(item.createdAt, "createdAt");
  assertTime(item.updatedAt, "updatedAt");
  if (item.readAt !== undefined) assertTime(item.readAt, "readAt");
  return jsonOf(item, "item", MAX_FEED_ITEM_BYTES);
}

export function checkMarkRead(user: NotifyUser, target: MarkReadTarget, at: number): string[] | "all" {
  assertNotifyUser(user);
  assertTime(at, "at");
  if ("all" in target && target.all === true) return "all";
  const ids = (target as { ids?: unknown }).ids;
  if (!Array.isArray(ids) || ids.length > MAX_MARK_READ_IDS) {
    throw new WeftError("invalid_request", `markRead takes {all: true} or {ids} with at most ${MAX_MARK_READ_IDS} ids`, [
      { path: "ids", issue: Array.isArray(ids) ? `${ids.length} ids` : "missing" },
    ]);
  }
  ids.forEach((id, i) => assertId(id, `ids[${i}]`));
  return [...new Set(ids as string[])];
}

/**
 * The position of an item in its user's feed: ascending key order is oldest first (16-digit
 * updatedAt, then the id). Ids compare in code-point order, which is DynamoDB's order too.
 */
export function feedPositionKey(updatedAt: number, id: string): string {
  return `${padTimeKey(updatedAt)}#${id}`;
}

export function feedCursor(item: FeedItem): string {
  return encodeCursor(feedPositionKey(item.updatedAt, item.id));
}

/** The position key of a cursor (invalid_request if it is not a feed cursor). */
export function feedCursorKey(cursor: string): string {
  return decodeCursor(cursor, (key) => /^\d{16}#./s.test(key));
}
