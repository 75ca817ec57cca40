import { docKey, type DocRef } from "../../doc-ref.js";
import type { WatcherActivity } from "../../notify/sources/committed-intents.js";
import type { DocWatchersStore } from "../../notify/sources/doc-watchers-store.js";

/** In-memory DocWatchersStore (the reference implementation of the contract). */
export class MemoryDocWatchersStore implements DocWatchersStore {
  private readonly docs = new Map<string, Map<string, WatcherActivity>>();

  async put(doc: DocRef, records: WatcherActivity[]): Promise<void> {
    const key = docKey(doc);
    const users = this.docs.get(key) ?? new Map<string, WatcherActivity>();
    for (const r of records) users.set(r.userId, { ...r });
    this.docs.set(key, users);
  }

  async claimEditNotice(doc: DocRef, userId: string, at: number, windowMs: number): Promise<boolean> {
    const key = docKey(doc);
    const users = this.docs.get(key) ?? new Map<string, WatcherActivity>();
    this.docs.set(key, users);
    const known = users.get(userId);
    if (known?.editsNotifiedAt !== undefined && known.editsNotifiedAt > at - windowMs && known.editsNotifiedAt !== at) return false;
    users.set(userId, { userId, since: known?.since ?? at, editsNotifiedAt: at });
    return true;
  }

  async remove(doc: DocRef, userIds: readonly string[]): Promise<void> {
    const users = this.docs.get(docKey(doc));
    if (users) for (const id of userIds) users.delete(id);
  }

  async list(doc: DocRef, opts: { cursor?: string; limit: number }) {
    const all = [...(this.docs.get(docKey(doc))?.values() ?? [])].sort((a, b) => (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0));
    const from = opts.cursor === undefined ? all : all.filter((w) => w.userId > opts.cursor!);
    const watchers = from.slice(0, Math.max(0, opts.limit)).map((w) => ({ ...w }));
    return watchers.length < from.length ? { watchers, cursor: watchers.at(-1)!.userId } : { watchers };
  }
}
