import {
  MAX_FEED_PAGE,
  assertNotifyUser,
  checkFeedItem,
  checkMarkRead,
  feedCursorKey,
  feedPositionKey,
  type FeedListOptions,
  type FeedPage,
  type MarkReadTarget,
  type NotificationFeedStore,
  type NotifyUser,
} from "@weft/core/notify/stores/index";
import { assertId, assertLimit, encodeCursor } from "@weft/core/notify/stores/common";
import type { FeedItem } from "@weft/core/notify/vocabulary";
import { TransactionConflictException } from "@aws-sdk/client-dynamodb";
import { N, S, bin, num, packJson, str, unpackJson } from "./codec.js";
import { key, userPk } from "./notify-keys.js";
import { transactWrite, type TransactAction, type TransactResult } from "./notify-transact.js";
import { Table, type DynamoAdapterOptions, type Item } from "./table.js";

const POINTER = "i#";
const ITEM = "o#";
const UNREAD = "n#";
/** Sorts after every position (they start with digits). */
const TOP = "~";
/** Attempts of a write that keeps losing to concurrent writers of the same item before giving up. */
const ATTEMPTS = 8;
/** Re-reads (20, 40, 80 ms apart) of a first version's missing item before this call completes that write itself. */
const FIRST_WRITE_WAITS = 3;
/** Items marked read per transaction (2 actions each; a transaction holds 100). */
const MARK_CHUNK = 50;

/**
 * NotificationFeedStore on the `notify` table, partition `f#<tenant>#<userId>`, where
 * `<pos>` = 16-digit updatedAt + "#" + id (core's feedPositionKey: key order = feed order):
 *
 * | sk | what |
 * |---|---|
 * | `i#<id>` | pointer: `version`, `pos` (where the item lives now) |
 * | `o#<pos>` | the item: `version`, `item` (B: compressed JSON without readAt), `readAt` (N, iff read) |
 * | `n#<pos>` | unread marker (no payload), present iff the item is unread |
 *
 * So `list` is one descending Query of `o#` (whole items, no GSI, no second read), `list
 * {unread}` a Query of the tiny `n#` markers plus one BatchGetItem of their items, and
 * `unreadCount` a Query of the markers (keys only: ~60 markers per read unit).
 *
 * A first version (every new notification) is three plain writes, 1 write unit each: the
 * pointer (conditioned on none), the marker, then the item (conditioned on none), and one read
 * of the pointer after them (`upsertFirst` says why that order survives a crash and a
 * concurrent later version). A later version reads the pointer, then writes pointer
 * (conditioned on the version it read), item and marker, and deletes the old position's item
 * and marker, in one TransactWriteItems (2 units per item); a lost race re-reads and retries.
 * A pointer at version 1 without its item is a first version not stored yet (`get` answers
 * undefined; the next upsert of it completes it). `markRead` deletes the marker and sets
 * `readAt` in one transaction per item (chunks of 50 items, falling back to one per item when a chunk is
 * canceled), each conditioned on the marker still existing, so an item counts as changed
 * exactly once. Every read is strongly consistent.
 */
export class DynamoNotificationFeedStore implements NotificationFeedStore {
  private readonly table: Table;
  private readonly meter: DynamoAdapterOptions["meter"];

  constructor(opts: DynamoAdapterOptions) {
    this.table = new Table(opts);
    this.meter = opts.meter;
  }

  async upsert(feedItem: FeedItem): Promise<boolean> {
    const { readAt, ...rest } = JSON.parse(checkFeedItem(feedItem)) as FeedItem;
    const pk = userPk("f", feedItem);
    const pos = feedPositionKey(feedItem.updatedAt, feedItem.id);
    if (feedItem.version === 1) {
      const first = await this.upsertFirst(pk, rest, readAt, pos);
      if (first !== undefined) return first;
    }
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const pointer = await this.table.get(key(pk, POINTER + feedItem.id));
      if (pointer && num(pointer, "version") >= feedItem.version) return false;
      const old = pointer && str(pointer, "pos");
      const version = N(feedItem.version);
      const actions: TransactAction[] = [
        {
          put: {
            Item: { ...key(pk, POINTER + feedItem.id), version, pos: S(pos) },
            ConditionExpression: pointer ? "version = :old" : "attribute_not_exists(pk)",
            ...(pointer ? { ExpressionAttributeValues: { ":old": pointer.version } } : {}),
          },
        },
        { put: { Item: { ...key(pk, ITEM + pos), version, item: { B: packJson(rest) }, ...(readAt === undefined ? {} : { readAt: N(readAt) }) } } },
      ];
      if (old !== undefined && old !== pos) actions.push({ delete: { Key: key(pk, ITEM + old) } }, { delete: { Key: key(pk, UNREAD + old) } });
      if (readAt === undefined) actions.push({ put: { Item: key(pk, UNREAD + pos) } });
      else if (old === pos) actions.push({ delete: { Key: key(pk, UNREAD + pos) } });
      const r = await transactWrite(this.table, this.meter, actions);
      if (r.ok) return true;
      await pause(r, attempt);
    }
    throw new Error(`feed item ${feedItem.id}: upsert kept losing to concurrent writers (${ATTEMPTS} attempts)`);
  }

  async get(user: NotifyUser, id: string): Promise<FeedItem | undefined> {
    assertNotifyUser(user);
    assertId(id, "id");
    const pk = userPk("f", user);
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const pointer = await this.table.get(key(pk, POINTER + id));
      if (!pointer) return undefined;
      const item = await this.table.get(key(pk, ITEM + str(pointer, "pos")));
      if (item) return feedItemOf(item);
      // Absent: the item moved between the two reads (read the pointer again), or it is a first
      // version whose item is not written yet (its pointer is unchanged): not stored yet.
      const again = await this.table.get(key(pk, POINTER + id));
      if (!again || (num(again, "version") === 1 && str(again, "pos") === str(pointer, "pos"))) return undefined;
    }
    throw new Error(`feed item ${id}: kept moving while being read`);
  }

  async list(user: NotifyUser, opts: FeedListOptions): Promise<FeedPage> {
    assertNotifyUser(user);
    assertLimit(opts.limit, MAX_FEED_PAGE);
    const pk = userPk("f", user);
    const prefix = opts.unread ? UNREAD : ITEM;
    const after = opts.cursor === undefined ? undefined : feedCursorKey(opts.cursor);
    const found: Item[] = [];
    const pages = this.table.query(
      {
        KeyConditionExpression: "pk = :pk AND sk BETWEEN :lo AND :hi",
        ExpressionAttributeValues: { ":pk": S(pk), ":lo": S(prefix), ":hi": S(prefix + (after ?? TOP)) },
        ScanIndexForward: false,
        ConsistentRead: true,
      },
      () => opts.limit + 2,
    );
    for await (const items of pages) {
      // BETWEEN is inclusive: the cursor's own position is not part of the next page.
      found.push(...items.filter((i) => str(i, "sk") !== prefix + after));
      if (found.length > opts.limit) break;
    }
    const positions = found.slice(0, opts.limit).map((i) => str(i, "sk").slice(prefix.length));
    const cursor = found.length > opts.limit ? { cursor: encodeCursor(positions[positions.length - 1]) } : {};
    if (!opts.unread) return { items: found.slice(0, opts.limit).map(feedItemOf), ...cursor };
    const bySk = new Map((await this.table.batchGet(positions.map((p) => key(pk, ITEM + p)))).map((i) => [str(i, "sk"), i]));
    // A marker whose item is gone or read was overtaken by a concurrent write: skipped.
    const items = positions.map((p) => bySk.get(ITEM + p)).filter((i): i is Item => i !== undefined && i.readAt === undefined);
    return { items: items.map(feedItemOf), ...cursor };
  }

  async markRead(user: NotifyUser, target: MarkReadTarget, at: number): Promise<string[]> {
    const ids = checkMarkRead(user, target, at);
    const pk = userPk("f", user);
    let positions: string[];
    if (ids === "all") {
      positions = (await this.markers(pk)).map((sk) => sk.slice(UNREAD.length));
    } else {
      const pointers = await this.table.batchGet(ids.map((id) => key(pk, POINTER + id)));
      const candidates = pointers.map((p) => str(p, "pos"));
      const unread = new Set((await this.table.batchGet(candidates.map((p) => key(pk, UNREAD + p)))).map((m) => str(m, "sk").slice(UNREAD.length)));
      const posOf = new Map(candidates.filter((p) => unread.has(p)).map((p) => [idOf(p), p]));
      positions = ids.filter((id) => posOf.has(id)).map((id) => posOf.get(id)!);
    }
    const changed: string[] = [];
    for (let i = 0; i < positions.length; i += MARK_CHUNK) changed.push(...(await this.markPositions(pk, positions.slice(i, i + MARK_CHUNK), at)));
    return changed.map(idOf);
  }

  async unreadCount(user: NotifyUser): Promise<number> {
    assertNotifyUser(user);
    return (await this.markers(userPk("f", user))).length;
  }

  /**
   * A first version (the common case: every new notification) without a transaction, which
   * would bill each of its three items twice: plain writes in an order that keeps every state
   * a crash can leave readable and completable.
   * 1. The pointer, conditioned on none being there: it fixes the item's position, so a retry
   *    writes the same items, never a second copy elsewhere.
   * 2. The unread marker (when unread), then 3. the item, conditioned on none being at its
   *    position: the item is what makes the version stored (`get` answers undefined for a
   *    pointer without its item), and exactly one writer of it returns true.
   * A pointer already at version 1 without its item (still so after FIRST_WRITE_WAITS re-reads)
   * is a first write cut short by a crash (or a very slow one): this call completes it at the
   * pointer's position, with this item's times moved there. Finally the pointer is read again:
   * if a later version moved the item meanwhile (its transaction deleted the old position,
   * maybe before these writes), the items this call left at the old position are deleted.
   * Returns undefined when the general path must decide (no pointer after all).
   */
  private async upsertFirst(pk: string, item: Omit<FeedItem, "readAt">, readAt: number | undefined, pos: string): Promise<boolean | undefined> {
    const pointerKey = key(pk, POINTER + item.id);
    const claimed = await retryConflicts(() =>
      this.table.conditional({ put: { Item: { ...pointerKey, version: N(1), pos: S(pos) }, ConditionExpression: "attribute_not_exists(pk)" } }),
    );
    let at = pos;
    let stored = item;
    if (!claimed.ok) {
      const existing = claimed.existing;
      if (!existing) return undefined;
      if (num(existing, "version") !== 1) return false;
      at = str(existing, "pos");
      // Its writer is usually still at work (a delivery repeated at once): give it a moment, so
      // that the item stored is exactly the one that writer was given.
      for (let wait = 0; wait <= FIRST_WRITE_WAITS; wait++) {
        if (wait > 0) await new Promise((res) => setTimeout(res, 10 * 2 ** wait));
        if (await this.table.get(key(pk, ITEM + at))) return false;
      }
      const t = Number(at.slice(0, 16));
      stored = { ...item, updatedAt: t, createdAt: item.createdAt === item.updatedAt ? t : Math.min(item.createdAt, t) };
    }
    if (readAt === undefined) await retryConflicts(() => this.table.put({ Item: key(pk, UNREAD + at) }));
    const written = await retryConflicts(() =>
      this.table.conditional({
        put: {
          Item: { ...key(pk, ITEM + at), version: N(1), item: { B: packJson(stored) }, ...(readAt === undefined ? {} : { readAt: N(readAt) }) },
          ConditionExpression: "attribute_not_exists(pk)",
        },
      }),
    );
    if (!written.ok) {
      // Another writer of this version wrote the item first. Read by now: the marker this call
      // wrote may have come after the reader deleted it.
      if (readAt === undefined && written.existing?.readAt !== undefined) await retryConflicts(() => this.table.delete(key(pk, UNREAD + at)));
      return false;
    }
    const now = await this.table.get(pointerKey);
    if (now && str(now, "pos") === at && num(now, "version") === 1) return true;
    if (!now || str(now, "pos") !== at) await Promise.all([ITEM, UNREAD].map((k) => retryConflicts(() => this.table.delete(key(pk, k + at)))));
    return false;
  }

  /** Every unread marker's sk, newest first. */
  private async markers(pk: string): Promise<string[]> {
    const out: string[] = [];
    for await (const items of this.table.query({
      KeyConditionExpression: "pk = :pk AND begins_with(sk, :n)",
      ExpressionAttributeValues: { ":pk": S(pk), ":n": S(UNREAD) },
      ProjectionExpression: "sk",
      ScanIndexForward: false,
      ConsistentRead: true,
    })) {
      out.push(...items.map((i) => str(i, "sk")));
    }
    return out;
  }

  /** Marks the items at `positions` read; returns the positions this call changed. */
  private async markPositions(pk: string, positions: string[], at: number): Promise<string[]> {
    const actionsOf = (p: string): TransactAction[] => [
      { delete: { Key: key(pk, UNREAD + p), ConditionExpression: "attribute_exists(pk)" } },
      {
        update: {
          Key: key(pk, ITEM + p),
          UpdateExpression: "SET readAt = :at",
          ConditionExpression: "attribute_exists(pk) AND attribute_not_exists(readAt)",
          ExpressionAttributeValues: { ":at": N(at) },
        },
      },
    ];
    if (positions.length > 1 && (await transactWrite(this.table, this.meter, positions.flatMap(actionsOf))).ok) return positions;
    const changed: string[] = [];
    for (const p of positions) {
      for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
        const r = await transactWrite(this.table, this.meter, actionsOf(p));
        if (r.ok) changed.push(p);
        // Only a conflict with another transaction is worth another try: a failed condition
        // means the item is read already or was moved by a newer version.
        if (r.ok || !r.codes.includes("TransactionConflict")) break;
        await pause(r, attempt);
      }
    }
    return changed;
  }
}

/** A plain write that an ongoing transaction on the same item rejected (TransactionConflictException) is tried again. */
async function retryConflicts<T>(write: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await write();
    } catch (err) {
      if (!(err instanceof TransactionConflictException) || attempt >= ATTEMPTS) throw err;
      await new Promise((res) => setTimeout(res, Math.random() * 10 * 2 ** attempt));
    }
  }
}

function feedItemOf(item: Item): FeedItem {
  const out = unpackJson<FeedItem>(bin(item, "item"));
  return item.readAt === undefined ? out : { ...out, readAt: num(item, "readAt") };
}

/** The id of a position key (16 digits, "#", id). */
function idOf(pos: string): string {
  return pos.slice(17);
}

/** Backs off before retrying a transaction that lost to a concurrent one (jittered, growing). */
async function pause(r: TransactResult, attempt: number): Promise<void> {
  if (!r.ok && r.codes.includes("TransactionConflict")) await new Promise((res) => setTimeout(res, Math.random() * 10 * 2 ** attempt));
}
