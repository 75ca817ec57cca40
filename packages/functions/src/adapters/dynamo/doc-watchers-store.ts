import type { DocRef } from "@weft/core";
import type { WatcherActivity } from "@weft/core/notify/sources/committed-intents";
import type { DocWatchersStore } from "@weft/core/notify/sources/doc-watchers-store";
import { N, S, num, str } from "./codec.js";
import { Table, type DynamoAdapterOptions, type Item } from "./table.js";

/**
 * DocWatchersStore on the `notify` table: pk `w#<tenant>#<docId>`, sk userId, attributes
 * `since` and `editsNotifiedAt`. One item per (document, active user): the notify consumer
 * writes one only when a user first acts in a document or when their edit notice goes out
 * (at most once per edit window), deletes it when the user lost access to the document, and
 * reads the collection page by page to expand recipients.
 */
export class DynamoDocWatchersStore implements DocWatchersStore {
  private readonly table: Table;

  constructor(opts: DynamoAdapterOptions) {
    this.table = new Table(opts);
  }

  async put(doc: DocRef, records: WatcherActivity[]): Promise<void> {
    const items: Item[] = records.map((r) => ({
      pk: S(watchersPk(doc)),
      sk: S(r.userId),
      since: N(r.since),
      ...(r.editsNotifiedAt !== undefined ? { editsNotifiedAt: N(r.editsNotifiedAt) } : {}),
    }));
    await this.table.batchPut(items);
  }

  /** One conditional UpdateItem (1 write unit, as the put it replaces). */
  async claimEditNotice(doc: DocRef, userId: string, at: number, windowMs: number): Promise<boolean> {
    const written = await this.table.conditional({
      update: {
        Key: { pk: S(watchersPk(doc)), sk: S(userId) },
        UpdateExpression: "SET editsNotifiedAt = :at, since = if_not_exists(since, :at)",
        ConditionExpression: "attribute_not_exists(editsNotifiedAt) OR editsNotifiedAt <= :cutoff OR editsNotifiedAt = :at",
        ExpressionAttributeValues: { ":at": N(at), ":cutoff": N(at - windowMs) },
      },
    });
    return written.ok;
  }

  async remove(doc: DocRef, userIds: readonly string[]): Promise<void> {
    // Rare (a watcher who lost access, once): one DeleteItem each.
    await Promise.all([...new Set(userIds)].map((userId) => this.table.delete({ pk: S(watchersPk(doc)), sk: S(userId) })));
  }

  async list(doc: DocRef, opts: { cursor?: string; limit: number }): Promise<{ watchers: WatcherActivity[]; cursor?: string }> {
    const watchers: WatcherActivity[] = [];
    if (opts.limit <= 0) return { watchers };
    // One more than asked: whether a next page exists, without an empty last page.
    const pages = this.table.query(
      {
        KeyConditionExpression: opts.cursor === undefined ? "pk = :pk" : "pk = :pk AND sk > :after",
        ExpressionAttributeValues: { ":pk": S(watchersPk(doc)), ...(opts.cursor === undefined ? {} : { ":after": S(opts.cursor) }) },
        ConsistentRead: true,
      },
      () => opts.limit + 1 - watchers.length,
    );
    for await (const items of pages) {
      for (const item of items) {
        watchers.push({ userId: str(item, "sk"), since: num(item, "since"), ...(item.editsNotifiedAt ? { editsNotifiedAt: num(item, "editsNotifiedAt") } : {}) });
      }
      if (watchers.length > opts.limit) break;
    }
    if (watchers.length <= opts.limit) return { watchers };
    watchers.length = opts.limit;
    return { watchers, cursor: watchers.at(-1)!.userId };
  }
}

function watchersPk(doc: DocRef): string {
  return `w#${doc.tenant}#${doc.docId}`;
}
