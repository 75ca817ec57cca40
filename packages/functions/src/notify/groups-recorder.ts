import type { NotifyProfileStore } from "@weft/core/notify/stores/index";

/** How long a process trusts that what it recorded for a user is still stored (real time). */
export const GROUPS_RECORD_MS = 10 * 60_000;
const MAX_USERS = 10_000;

/**
 * Records users' token `groups` on their notify profile (NotifyProfileStore.putGroups), so the
 * engine can judge a document's group entries for users who are not connected (a live
 * connection's own token groups are used first: NotifyService's presence).
 *
 * Cheap: a process remembers what it recorded per user for GROUPS_RECORD_MS, so a user's calls
 * cost nothing until their groups change or that time passes; then one conditional PutItem
 * (it writes nothing when the stored groups are the same). Recording never fails the request
 * it rides on: an error is logged and the record is tried again on the next call.
 */
export class GroupsRecorder {
  private readonly seen = new Map<string, { at: number; json: string }>();

  constructor(
    private readonly profiles: Pick<NotifyProfileStore, "putGroups">,
    private readonly ttlMs = GROUPS_RECORD_MS,
    private readonly now: () => number = Date.now,
  ) {}

  async record(who: { tenant: string; userId: string; groups?: readonly string[] }): Promise<void> {
    const groups = [...new Set(who.groups ?? [])].sort();
    const json = JSON.stringify(groups);
    const key = `${who.tenant}\u0001${who.userId}`;
    const hit = this.seen.get(key);
    if (hit && hit.json === json && this.now() - hit.at < this.ttlMs) return;
    try {
      await this.profiles.putGroups({ tenant: who.tenant, userId: who.userId }, groups);
    } catch (err) {
      console.warn(JSON.stringify({ kind: "notify_groups_record_failed", tenant: who.tenant, userId: who.userId, error: String(err) }));
      return;
    }
    this.seen.delete(key);
    if (this.seen.size >= MAX_USERS) this.seen.delete(this.seen.keys().next().value!);
    this.seen.set(key, { at: this.now(), json });
  }
}
