import type { NotifyUser } from "../stores/common.js";
import type { DecisionLogStore } from "../stores/decision-log-store.js";
import type { NotificationFeedStore } from "../stores/feed-store.js";
import type { OutboxEntry } from "./outbox.js";

/** Applied entries this process remembers (then the feed or the decision log is asked). */
const REMEMBERED = 20_000;

/**
 * Outbox entries that need no write of their own once applied, because something the pipeline
 * writes anyway records that they were:
 * - In-app entries. Applying one is a feed upsert by version, so the feed itself records that
 *   it happened: an entry whose item is in the feed at its version (or a later one) is done,
 *   whoever applied it.
 * - External entries sent on their first attempt by the commit that decided them. That commit's
 *   decision records (a `sent` record of the entry's notification id and channel) are appended
 *   only after its sends all went through (NotifyService), so a `sent` record with no other
 *   record of that notification id and channel (a failure, a dead letter) says the send
 *   happened (the record is the decision's own: made at the entry's due time, the decision's
 *   `now`). Any other external entry (a retry, one re-claimed after a crash, one whose send
 *   failed) is still settled by a commit.
 * So the committing process leaves such entries in the outbox, still claimed, instead of a
 * second commit to remove them, and the user's next commit drops them (`pending`). Entries it
 * did not apply (a crash between commit and send) have no such record: they stay, and are
 * claimed again once their claim lapses, as before.
 */
export class AppliedEntries {
  /** `<tenant>\u0001<userId>\u0001<entry id>` of entries applied here, oldest first. */
  private readonly applied = new Set<string>();

  constructor(
    private readonly feed: NotificationFeedStore,
    private readonly decisions?: DecisionLogStore,
  ) {}

  static isInApp(e: OutboxEntry): boolean {
    return e.delivery.channel === "in_app";
  }

  /** Records entries this process applied (an upsert that returned; a send recorded as above). */
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
   * The outbox without the claimed entries that were applied: known here, else found in the
   * feed at their version or later (in-app), or recorded as sent in the decision log (external
   * first attempts): one read per notification not known here, in parallel.
   */
  async pending(user: NotifyUser, outbox: readonly OutboxEntry[]): Promise<OutboxEntry[]> {
    const logs = new Map<string, ReturnType<DecisionLogStore["byNotification"]>>();
    const done = await Promise.all(
      outbox.map(async (e) => {
        if (e.claimUntil === undefined) return false;
        if (this.knows(user, e)) return true;
        if (AppliedEntries.isInApp(e)) {
          // A failed read keeps the entry: it is claimed again when its claim lapses, as before
          // (applying it again is an upsert of the same version: a no-op).
          const item = await this.feed.get(user, e.delivery.notificationId).catch(() => undefined);
          if (item === undefined || item.version < e.delivery.version) return false;
        } else {
          if (e.attempt !== 1 || !this.decisions) return false;
          const id = e.delivery.notificationId;
          // The decision's records are made at the entry's first due time: read from there.
          const lookup = `${e.dueAt}\u0001${id}`;
          if (!logs.has(lookup)) logs.set(lookup, this.decisions.byNotification(user.tenant, user.userId, id, { since: e.dueAt }));
          // A failed read fails the call (nothing is written yet; it is retried): taking the
          // entry as not sent could send it again once its claim lapses.
          const records = await logs.get(lookup)!;
          const mine = records.filter((r) => r.channel === e.delivery.channel);
          // The decision's own record: made at the entry's first due time (the decision's `now`).
          if (!mine.some((r) => r.reason === "sent" && r.at === e.dueAt) || mine.some((r) => r.reason !== "sent")) return false;
        }
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
