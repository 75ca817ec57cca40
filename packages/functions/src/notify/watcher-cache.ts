import { docKey, type DocRef } from "@weft/core";
import type { WatcherActivity } from "@weft/core/notify/sources/committed-intents";
import type { DocWatchersStore } from "@weft/core/notify/sources/doc-watchers-store";

const PAGE = 1000;

/**
 * A document's watcher records, read through a per-process cache kept `ttlMs` (real time) and
 * updated by this process's own puts. Staleness only matters for who hears of an edit: another
 * process's new watcher shows up here within `ttlMs`. The edit-notice throttle itself is the
 * store's atomic claim, so an editor's notice goes out once per window however many consumers
 * see their batches at once.
 */
export class WatcherCache {
  private readonly docs = new Map<string, { at: number; watchers: Map<string, WatcherActivity> }>();

  constructor(
    private readonly store: DocWatchersStore,
    private readonly ttlMs: number,
    private readonly maxDocs = 10_000,
  ) {}

  async get(doc: DocRef): Promise<Map<string, WatcherActivity>> {
    const key = docKey(doc);
    const hit = this.docs.get(key);
    if (hit && Date.now() - hit.at < this.ttlMs) return hit.watchers;
    const watchers = new Map<string, WatcherActivity>();
    let cursor: string | undefined;
    do {
      const page = await this.store.list(doc, { cursor, limit: PAGE });
      for (const x of page.watchers) watchers.set(x.userId, x);
      cursor = page.cursor;
    } while (cursor !== undefined);
    if (this.docs.size >= this.maxDocs) this.docs.delete(this.docs.keys().next().value!);
    this.docs.set(key, { at: Date.now(), watchers });
    return watchers;
  }

  async remove(doc: DocRef, userIds: readonly string[]): Promise<void> {
    await this.store.remove(doc, userIds);
    const hit = this.docs.get(docKey(doc));
    if (hit) for (const id of userIds) hit.watchers.delete(id);
  }

  /**
   * The store's claim (DocWatchersStore.claimEditNotice); the cached record follows either way:
   * a lost claim means another consumer told the others within the window.
   */
  async claimEditNotice(doc: DocRef, userId: string, at: number, windowMs: number): Promise<boolean> {
    const claimed = await this.store.claimEditNotice(doc, userId, at, windowMs);
    const hit = this.docs.get(docKey(doc));
    if (hit) {
      const known = hit.watchers.get(userId);
      hit.watchers.set(userId, { userId, since: known?.since ?? at, editsNotifiedAt: Math.max(at, known?.editsNotifiedAt ?? 0) });
    }
    return claimed;
  }

  async put(doc: DocRef, records: WatcherActivity[]): Promise<void> {
    await this.store.put(doc, records);
    const hit = this.docs.get(docKey(doc));
    if (hit) for (const r of records) hit.watchers.set(r.userId, r);
  }
}
