import { compare } from "../../search/term-diff.js";
import { assertId, assertLimit, assertNotifyUser, type NotifyUser } from "../../notify/stores/common.js";
import {
  MAX_FEED_PAGE,
  checkFeedItem,
  checkMarkRead,
  feedCursor,
  feedCursorKey,
  feedPositionKey,
  type FeedListOptions,
  type FeedPage,
  type MarkReadTarget,
  type NotificationFeedStore,
} from "../../notify/stores/feed-store.js";
import type { FeedItem } from "../../notify/vocabulary.js";

/** In-memory NotificationFeedStore: the reference implementation of the port contract. */
export class MemoryNotificationFeedStore implements NotificationFeedStore {
  private readonly users = new Map<string, Map<string, FeedItem>>();

  async upsert(item: FeedItem): Promise<boolean> {
    const json = checkFeedItem(item);
    const feed = this.feed(item);
    const stored = feed.get(item.id);
    if (stored && stored.version >= item.version) return false;
    feed.set(item.id, JSON.parse(json));
    return true;
  }

  async get(user: NotifyUser, id: string): Promise<FeedItem | undefined> {
    assertNotifyUser(user);
    assertId(id, "id");
    const item = this.feed(user).get(id);
    return item && structuredClone(item);
  }

  async list(user: NotifyUser, opts: FeedListOptions): Promise<FeedPage> {
    assertNotifyUser(user);
    assertLimit(opts.limit, MAX_FEED_PAGE);
    const after = opts.cursor === undefined ? undefined : feedCursorKey(opts.cursor);
    const matching = [...this.feed(user).values()]
      .filter((i) => !opts.unread || i.readAt === undefined)
      .map((i) => ({ i, pos: feedPositionKey(i.updatedAt, i.id) }))
      .filter(({ pos }) => after === undefined || compare(pos, after) < 0)
      .sort((a, b) => compare(b.pos, a.pos))
      .map(({ i }) => i);
    const items = structuredClone(matching.slice(0, opts.limit));
    return matching.length > items.length ? { items, cursor: feedCursor(items[items.length - 1]) } : { items };
  }

  async markRead(user: NotifyUser, target: MarkReadTarget, at: number): Promise<string[]> {
    const ids = checkMarkRead(user, target, at);
    const feed = this.feed(user);
    const changed: string[] = [];
    for (const id of ids === "all" ? [...feed.keys()] : ids) {
      const item = feed.get(id);
      if (!item || item.readAt !== undefined) continue;
      item.readAt = at;
      changed.push(id);
    }
    return changed;
  }

  async unreadCount(user: NotifyUser): Promise<number> {
    assertNotifyUser(user);
    let n = 0;
    for (const item of this.feed(user).values()) if (item.readAt === undefined) n++;
    return n;
  }

  private feed(user: NotifyUser): Map<string, FeedItem> {
    const k = `${user.tenant}#${user.userId}`;
    let feed = this.users.get(k);
    if (!feed) this.users.set(k, (feed = new Map()));
    return feed;
  }
}
