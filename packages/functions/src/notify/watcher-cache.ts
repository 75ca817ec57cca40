import { docKey, type DocRef } from "@weft/core";
import type { WatcherActivity } from "@weft/core/notify/sources/committed-intents";
import type { DocWatchersStore } from "@weft/core/notify/sources/doc-watchers-store";

const PAGE = 1000;

/**
 * A document's watcher records, read through a per-process cache kept `ttlMs` (real time) and
 * updated by this process's own puts. Staleness only matters for the edit-notice throttle and
 * for who hears of an edit: another process's new watcher shows up here within `ttlMs`, and
 * at worst an editor's notice goes out twice in a window (the recipients' digests merge it).
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

  async put(doc: DocRef, records: WatcherActivity[]): Promise<void> {
    await this.store.put(doc, records);
    const hit = this.docs.get(docKey(doc));
    if (hit) for (const r of records) hit.watchers.set(r.userId, r);
  }
}
