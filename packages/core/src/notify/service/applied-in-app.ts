import type { NotifyUser } from "../stores/common.js";
import type { NotificationFeedStore } from "../stores/feed-store.js";
import type { OutboxEntry } from "./outbox.js";

/** Applied in-app entries this process remembers (then the feed is asked). */
const REMEMBERED = 20_000;

/**
 * In-app outbox entries need no write of their own once applied. Applying one is a feed upsert
 * by version, so the feed itself records that it happened: an entry whose item is in the feed
 * at its version (or a later one) is done, whoever applied it. So the committing process
 * leaves the in-app entries it applied in the outbox, still claimed, instead of a second
 * commit to remove them, and the user's next commit drops them (`pending`). Entries it did not
 * apply (a crash between commit and upsert) are not in the feed: they stay, and are claimed
 * again once their claim lapses, as before. External entries have no such record (a repeated
 * send is a second message), so they are still settled by a commit.
 */
export class AppliedInApp {
  /** `<tenant>\u0001<userId>\u0001<entry id>` of in-app entries applied here, oldest first. */
  private readonly applied = new Set<string>();

  constructor(private readonly feed: NotificationFeedStore) {}

  static isInApp(e: OutboxEntry): boolean {
    return e.delivery.channel === "in_app";
  }

  /** Records entries this process applied (their upsert returned). */
  remember(user: NotifyUser, entries: readonly OutboxEntry[]): void {
    for (const e of entries) {
      const k = this.key(user, e);
      this.applied.delete(k);
      this.applied.add(k);
    }
    while (this.applied.size > REMEMBERED) this.applied.delete(this.applied.values().next().value as string);
  }

  /** Whether this process applied the entry (no read). */
  knows(user: NotifyUser, e: OutboxEntry): boolean {
    return this.applied.has(this.key(user, e));
  }

  /**
   * The outbox without the claimed in-app entries that were applied: known here, else found in
   * the feed at their version or later (one read per entry not known here, in parallel).
   */
  async pending(user: NotifyUser, outbox: readonly OutboxEntry[]): Promise<OutboxEntry[]> {
    const done = await Promise.all(
      outbox.map(async (e) => {
        if (!AppliedInApp.isInApp(e) || e.claimUntil === undefined) return false;
        if (this.knows(user, e)) return true;
        // A failed read keeps the entry: it is claimed again when its claim lapses, as before.
        const item = await this.feed.get(user, e.delivery.notificationId).catch(() => undefined);
        if (item === undefined || item.version < e.delivery.version) return false;
        this.remember(user, [e]);
        return true;
      }),
    );
    return outbox.filter((_, i) => !done[i]);
  }

  private key(user: NotifyUser, e: OutboxEntry): string {
    return `${user.tenant}\u0001${user.userId}\u0001${e.id}`;
  }
}
