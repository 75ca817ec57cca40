import {
  DEFAULT_FEED_RETENTION_MS,
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
import { assertId, assertLimit, encodeCursor, expirySeconds } from "@weft/core/notify/stores/common";
import type { FeedItem } from "@weft/core/notify/vocabulary";
import { ConditionalCheckFailedException, DeleteItemCommand, TransactionConflictException, type AttributeValue } from "@aws-sdk/client-dynamodb";
import { failedWriteUnits } from "./capacity.js";
import { N, S, bin, num, packJson, str, unpackJson } from "./codec.js";
import { EXPIRES_AT, key, userPk } from "./notify-keys.js";
import { transactWrite, type TransactAction, type TransactResult } from "./notify-transact.js";
import { Table, type DynamoAdapterOptions, type Item } from "./table.js";

const POINTER = "i#";
const ITEM = "o#";
const UNREAD = "n#";
/** Sorts after every position (they start with digits). */
const TOP = "~";
/** Attempts of a write that keeps losing to concurrent writers of the same item before giving up. */
const ATTEMPTS = 8;
/**
 * Re-reads (20, 40, 80 ms apart) of the copy a pointer names before this call presumes its
 * writer gone: it then completes that write itself (same version) or shuts it out (a later one).
 */
const FIRST_WRITE_WAITS = 3;
/** Items marked read per transaction (2 actions each; a transaction holds 100). */
const MARK_CHUNK = 50;

/** What a reader makes of one position item, given its pointer. */
type Verdict = "current" | "pending" | "stale";

/** A pointer's position and what `settle` found there and at its `prev` positions. */
interface Settled {
  /** The position the pointer names. */
  at: string;
  /** What is at `at`: a copy, a stub, or nothing (undefined). */
  atRec?: Item;
  /** The copy readers see now: the copy at `at`, else the newest copy at a `prev` position. */
  from?: { pos: string; rec: Item };
  /** `prev` positions other than `from` that still hold a copy (a move cut short before its cleanup). */
  stale: string[];
}

/**
 * NotificationFeedStore on the `notify` table, partition `f#<tenant>#<userId>`, where
 * `<pos>` = 16-digit updatedAt + "#" + id (core's feedPositionKey: key order = feed order):
 *
 * | sk | what |
 * |---|---|
 * | `i#<id>` | pointer: `version`, `pos` (where the version lives), `prev` (SS: the positions it moved from whose copies may still stand) |
 * | `o#<pos>` | a copy of the item: `version`, `item` (B: compressed JSON without readAt), `readAt` (N, iff read); or a stub (`version` only, see below) |
 * | `n#<pos>` | unread marker, `version` of the copy it marks (markers written before this layout have none) |
 *
 * Every item also holds `expiresAt` (N, epoch s: the updatedAt of its version, i.e. its
 * position's time, plus the retention, 180 days by default; the table's TTL), so DynamoDB
 * reclaims an item a retention after its last version, pointer, copy and marker at slightly
 * different times: a copy whose pointer is gone is stale to readers, a pointer whose copy is
 * gone reads as no item (its `prev` copies are gone too, being older), and a later upsert of the
 * id starts afresh. Items written before carry no `expiresAt` and are kept.
 *
 * Every write is a plain conditional write (1 unit per KB; no transaction, which bills twice).
 * Which copy readers see is decided by the pointer: the copy at `pos`, else (its version is not
 * written yet) the newest copy at a `prev` position. Any other copy or marker is stale: readers
 * skip it and the next write of the item deletes it.
 *
 * `upsert` of version v at position `p`:
 * 1. Pointer. Version 1 first tries `put` conditioned on no pointer (a fan-out writes thousands
 *    of new items: no read); otherwise read it: at v or above, v is a no-op (or a write of v cut
 *    short is completed, below); below v, `settle` reads the copies at its `pos` and `prev`
 *    positions (one BatchGetItem). The copy at `pos` may be missing: its writer is at work or
 *    gone. After re-reads 20, 40, 80 ms apart it is presumed gone and shut out: a stub (a
 *    position item without `item`, version v) is put there conditioned on nothing being there,
 *    so that writer's later item write fails its condition, and its marker is deleted (the
 *    stub stays: tiny, invisible, and it keeps that writer out for good). Then v claims the
 *    pointer: `put` {v, p, prev: [the position of the copy readers see now, and any stale copy
 *    found]} conditioned on the version read (a lost race re-reads). From here the position of
 *    v is fixed: every retry of v writes there, never a second copy elsewhere.
 * 2. The unread marker at `p` (when v is unread), conditioned on no newer marker being there.
 * 3. The copy at `p`, conditioned on nothing newer being there (a newer version's copy or
 *    stub: then this call deletes its marker and returns false). From this write on, readers
 *    see v (the pointer names it and it exists).
 * 4. The old position: its marker (if the old copy was unread), then its copy, each deleted
 *    conditioned on holding a version below v; then any stale copy in the same way.
 * A crash after any step leaves readers a consistent feed: after 1 or 2 the old copy is still
 *    what they see (the pointer names `p`, which holds nothing yet; `get` falls back to `prev`),
 *    after 3 the new copy, and the old one is a stale duplicate they skip; never none, never two,
 *    never a lower version over a higher one. The write is completed by its retry (an
 *    in-app delivery is applied until `get` shows its version: the same v finds `p` empty and,
 *    after the re-reads, writes its copy there and deletes the old one), or superseded by the
 *    next version (which, finding `p` empty, stubs it and moves from the copy readers see; or,
 *    finding `p` written, deletes what step 4 left). Markers follow the first versions' rule:
 *    between steps 2 and 3 (and after a crash there) a new unread version's marker may count
 *    once before its copy shows (`unreadCount` counts ids, so the old copy's marker and the new
 *    one count once); a version written read leaves the old marker counted until step 4.
 * A concurrent later version w of the same item either finds v's copy (and moves from it, so
 *    v's step 4 and w's delete the same old items) or stubs v's position out (v's step 3 then
 *    fails and v returns false): the highest version ends up the one copy either way.
 * Units (AWS, a copy under 1 KB): a new item 3 writes (pointer, marker, copy) and no read; a
 * later version 5 writes (pointer, marker, copy, old marker, old copy; 4 when either version
 * is read), where the 5-action transaction cost 10, and 2-3 reads instead of 1 (the pointer,
 * the copy it moves from, and after an earlier move that move's old position, normally gone).
 * A repeated version reads the same and writes nothing.
 *
 * Readers: `get` reads the pointer and the copy at `pos` (one more read of the `prev` copies
 * when that one is not written yet). `list` is a descending Query of `o#` (whole items) and one
 * BatchGetItem of the page's pointers to drop stale copies; `list {unread}` a Query of the
 * markers and one BatchGetItem of their copies and pointers; `unreadCount` a keys-only Query of
 * the markers, counting distinct ids (~50 markers per read unit). `markRead` deletes the
 * marker and sets `readAt` in one transaction per item (chunks of 50 items, falling back to
 * one per item when a chunk is canceled), each conditioned on the marker and the copy holding
 * the same version and the copy being unread, so an item counts as changed exactly once and a
 * copy being replaced is never marked in its successor's name; `{all: true}` marks the copies
 * readers see and deletes stale markers. Every read is strongly consistent.
 */
export class DynamoNotificationFeedStore implements NotificationFeedStore {
  private readonly table: Table;
  private readonly meter: DynamoAdapterOptions["meter"];
  private readonly retentionMs: number;

  constructor(opts: DynamoAdapterOptions & { retentionMs?: number }) {
    this.table = new Table(opts);
    this.meter = opts.meter;
    this.retentionMs = opts.retentionMs ?? DEFAULT_FEED_RETENTION_MS;
  }

  /** The TTL of every item a version at position `pos` writes: its updatedAt (the position's time) + the retention. */
  private expiry(pos: string): Item {
    return { [EXPIRES_AT]: N(expirySeconds(Number(pos.slice(0, 16)), this.retentionMs)) };
  }

  async upsert(feedItem: FeedItem): Promise<boolean> {
    const { readAt, ...item } = JSON.parse(checkFeedItem(feedItem)) as FeedItem;
    const pk = userPk("f", feedItem);
    const pos = feedPositionKey(feedItem.updatedAt, feedItem.id);
    const v = feedItem.version;
    const pointerKey = key(pk, POINTER + feedItem.id);
    let pointer: Item | undefined;
    let known = false;
    if (v === 1) {
      // A first version is almost always new: claim without reading; a retried delivery fails
      // the condition and gets the pointer back with the failure.
      const claimed = await this.claim(pointerKey, v, pos, [], undefined);
      if (claimed.ok) return this.place(pk, item, readAt, pos, v, undefined);
      pointer = claimed.existing;
      known = true;
    }
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      if (!known) pointer = await this.table.get(pointerKey);
      known = false;
      if (!pointer) {
        const claimed = await this.claim(pointerKey, v, pos, [], undefined);
        if (claimed.ok) return this.place(pk, item, readAt, pos, v, undefined);
        pointer = claimed.existing;
        known = true;
        continue;
      }
      const stored = num(pointer, "version");
      if (stored > v) return false;
      const s = await this.settle(pk, pointer, v);
      if (stored === v) return this.finish(pk, item, readAt, v, s);
      const prev = [...new Set([...(s.from ? [s.from.pos] : []), ...s.stale])].filter((q) => q !== pos);
      const claimed = await this.claim(pointerKey, v, pos, prev, pointer);
      if (claimed.ok) return this.place(pk, item, readAt, pos, v, s);
      pointer = claimed.existing;
      known = true;
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
      const at = await this.table.get(key(pk, ITEM + str(pointer, "pos")));
      if (isCopy(at)) return feedItemOf(at);
      // Not there: its version is not written yet (the newest `prev` copy is what readers see),
      // or the item moved on between the two reads (read the pointer again).
      const prev = prevOf(pointer);
      const fallback = prev.length > 0 ? newest([...(await this.copies(pk, prev)).values()]) : undefined;
      const again = await this.table.get(key(pk, POINTER + id));
      if (again && num(again, "version") === num(pointer, "version")) return fallback && feedItemOf(fallback);
    }
    throw new Error(`feed item ${id}: kept moving while being read`);
  }

  async list(user: NotifyUser, opts: FeedListOptions): Promise<FeedPage> {
    assertNotifyUser(user);
    assertLimit(opts.limit, MAX_FEED_PAGE);
    const pk = userPk("f", user);
    const prefix = opts.unread ? UNREAD : ITEM;
    const after = opts.cursor === undefined ? undefined : feedCursorKey(opts.cursor);
    const found: Array<{ pos: string; rec: Item }> = [];
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
      const here = items.filter((i) => str(i, "sk") !== prefix + after);
      const positions = here.map((i) => str(i, "sk").slice(prefix.length));
      let entries: Array<{ pos: string; rec: Item | undefined }>;
      let pointers: Map<string, Item> | undefined;
      if (opts.unread) {
        // The markers' copies and pointers in one BatchGetItem.
        const ids = [...new Set(positions.map(idOf))];
        const got = await this.table.batchGet([...positions.map((p) => key(pk, ITEM + p)), ...ids.map((id) => key(pk, POINTER + id))]);
        const bySk = new Map(got.map((i) => [str(i, "sk"), i]));
        entries = positions.map((p) => ({ pos: p, rec: bySk.get(ITEM + p) }));
        pointers = new Map(ids.flatMap((id) => (bySk.has(POINTER + id) ? [[id, bySk.get(POINTER + id)!]] : [])));
      } else {
        // Stubs are never shown (nor looked up).
        entries = here.flatMap((rec, k) => (isCopy(rec) ? [{ pos: positions[k], rec }] : []));
      }
      const verdicts = await this.verdicts(pk, entries, pointers);
      // Stale copies and markers are skipped (a marker whose copy is gone, not yet there or read
      // is too).
      for (const [k, e] of entries.entries()) {
        if (verdicts[k] === "current" && (!opts.unread || e.rec!.readAt === undefined)) found.push({ pos: e.pos, rec: e.rec! });
      }
      if (found.length > opts.limit) break;
    }
    const page = found.slice(0, opts.limit);
    const cursor = found.length > opts.limit ? { cursor: encodeCursor(page[page.length - 1].pos) } : {};
    return { items: page.map((e) => feedItemOf(e.rec)), ...cursor };
  }

  async markRead(user: NotifyUser, target: MarkReadTarget, at: number): Promise<string[]> {
    const ids = checkMarkRead(user, target, at);
    const pk = userPk("f", user);
    let marks: Mark[];
    if (ids === "all") {
      const markers = await this.markers(pk);
      const positions = markers.map((m) => str(m, "sk").slice(UNREAD.length));
      const distinct = [...new Set(positions.map(idOf))];
      const got = await this.table.batchGet([...positions.map((p) => key(pk, ITEM + p)), ...distinct.map((id) => key(pk, POINTER + id))]);
      const bySk = new Map(got.map((i) => [str(i, "sk"), i]));
      const entries = positions.map((p) => ({ pos: p, rec: bySk.get(ITEM + p) }));
      const pointers = new Map(distinct.flatMap((id) => (bySk.has(POINTER + id) ? [[id, bySk.get(POINTER + id)!]] : [])));
      const verdicts = await this.verdicts(pk, entries, pointers);
      const current = (k: number) => verdicts[k] === "current" && entries[k].rec!.readAt === undefined;
      // A marker of another version than its copy is ahead of it (a version written in place).
      const readCopy = (k: number) => verdicts[k] === "current" && !current(k) && (!markers[k].version || markers[k].version!.N === entries[k].rec!.version.N);
      marks = markers.flatMap((m, k) => (current(k) ? [{ pos: positions[k], version: m.version }] : []));
      // Markers of stale positions (a copy superseded by a write cut short, a writer shut out)
      // or of a read copy are deleted, so the count drops them; a marker ahead of its copy is
      // left to its writer.
      await Promise.all(
        markers.flatMap((m, k) =>
          verdicts[k] === "stale" || readCopy(k)
            ? [this.deleteIf(key(pk, UNREAD + positions[k]), m.version ? "version = :v" : "attribute_exists(pk)", m.version ? { ":v": m.version } : undefined)]
            : [],
        ),
      );
    } else {
      const pointers = await this.table.batchGet(ids.map((id) => key(pk, POINTER + id)));
      const candidates = pointers.map((p) => str(p, "pos"));
      const markers = new Map((await this.table.batchGet(candidates.map((p) => key(pk, UNREAD + p)))).map((m) => [str(m, "sk").slice(UNREAD.length), m]));
      const byId = new Map(candidates.filter((p) => markers.has(p)).map((p) => [idOf(p), p]));
      marks = ids.filter((id) => byId.has(id)).map((id) => ({ pos: byId.get(id)!, version: markers.get(byId.get(id)!)!.version }));
    }
    const changed: string[] = [];
    for (let i = 0; i < marks.length; i += MARK_CHUNK) changed.push(...(await this.markPositions(pk, marks.slice(i, i + MARK_CHUNK), at)));
    return [...new Set(changed.map(idOf))];
  }

  async unreadCount(user: NotifyUser): Promise<number> {
    assertNotifyUser(user);
    // Distinct ids: while a version moves, the old position's marker and the new one are one item.
    return new Set((await this.markers(userPk("f", user))).map((m) => idOf(str(m, "sk").slice(UNREAD.length)))).size;
  }

  /** Puts the pointer {v, pos, prev}, conditioned on `expected`'s version, or on no pointer. */
  private claim(pointerKey: Item, v: number, pos: string, prev: string[], expected: Item | undefined) {
    return retryConflicts(() =>
      this.table.conditional({
        put: {
          Item: { ...pointerKey, version: N(v), pos: S(pos), ...(prev.length > 0 ? { prev: { SS: prev } } : {}), ...this.expiry(pos) },
          ConditionExpression: expected ? "version = :old" : "attribute_not_exists(pk)",
          ...(expected ? { ExpressionAttributeValues: { ":old": expected.version } } : {}),
        },
      }),
    );
  }

  /**
   * Reads the copies at `pointer`'s position and its `prev` positions (step 1). When this call
   * writes a later version v and the pointer's position holds nothing, its writer gets
   * FIRST_WRITE_WAITS re-reads to write it; after them it is shut out with a stub of version v
   * (and its marker deleted). The same version is not shut out: `finish` completes it.
   */
  private async settle(pk: string, pointer: Item, v: number): Promise<Settled> {
    const at = str(pointer, "pos");
    const prev = prevOf(pointer).filter((q) => q !== at);
    const found = await this.copies(pk, [at, ...prev], true);
    const stored = num(pointer, "version");
    let atRec = found.get(at);
    if (stored < v && !written(atRec, stored)) {
      atRec = (await this.awaitCopy(pk, at, stored)) ?? atRec;
      if (atRec === undefined) {
        const stub = { ...key(pk, ITEM + at), version: N(v), ...this.expiry(at) };
        const shut = await retryConflicts(() => this.table.conditional({ put: { Item: stub, ConditionExpression: "attribute_not_exists(pk)" } }));
        atRec = shut.ok ? stub : shut.existing;
        if (shut.ok) await this.deleteIf(key(pk, UNREAD + at), "attribute_not_exists(version) OR version < :v", { ":v": N(v) });
      }
      // (An older copy still there is an in-place write cut short: that copy is what readers
      // see, and this version moves from it.)
    } else if (stored < v && atRec && !isCopy(atRec)) {
      // Another later version shut the writer out: the marker it may have left goes too.
      await this.deleteIf(key(pk, UNREAD + at), "attribute_not_exists(version) OR version < :v", { ":v": atRec.version });
    }
    const copies = prev.flatMap((q) => (isCopy(found.get(q)) ? [{ pos: q, rec: found.get(q)! }] : []));
    const from = isCopy(atRec) ? { pos: at, rec: atRec } : copies.reduce<{ pos: string; rec: Item } | undefined>((best, c) => (!best || num(c.rec, "version") > num(best.rec, "version") ? c : best), undefined);
    return { at, ...(atRec ? { atRec } : {}), ...(from ? { from } : {}), stale: copies.filter((c) => c.pos !== from?.pos).map((c) => c.pos) };
  }

  /**
   * The pointer is already at this version: a repeated delivery (a no-op, which deletes what a
   * cut-short step 4 left), or the retry of a write cut short before its copy (no copy at the
   * pointer's position after FIRST_WRITE_WAITS re-reads): this call writes it there, with this
   * item's times moved to that position, and retires the old one.
   */
  private async finish(pk: string, item: Omit<FeedItem, "readAt">, readAt: number | undefined, v: number, s: Settled): Promise<boolean> {
    const atRec = written(s.atRec, v) ? s.atRec : ((await this.awaitCopy(pk, s.at, v)) ?? s.atRec);
    // A stub: a later version shut this one out.
    if (atRec && !isCopy(atRec)) return false;
    if (isCopy(atRec) && num(atRec, "version") >= v) {
      // Written: what a cut-short step 4 left (or its writer, still at work, is about to delete) goes.
      const left = [...s.stale, ...(s.from && s.from.pos !== s.at ? [s.from.pos] : [])];
      if (left.length > 0) await this.retire(pk, s.at, v, readAt === undefined, { ...s, from: undefined, stale: left });
      return false;
    }
    const t = Number(s.at.slice(0, 16));
    const stored = { ...item, updatedAt: t, createdAt: item.createdAt === item.updatedAt ? t : Math.min(item.createdAt, t) };
    return this.place(pk, stored, readAt, s.at, v, s);
  }

  /** Steps 2-4: the marker, the copy (whose write decides the result), then the old position's items. */
  private async place(pk: string, item: Omit<FeedItem, "readAt">, readAt: number | undefined, at: string, v: number, s: Settled | undefined): Promise<boolean> {
    const unread = readAt === undefined;
    if (unread) {
      await retryConflicts(() =>
        this.table.conditional({
          put: { Item: { ...key(pk, UNREAD + at), version: N(v), ...this.expiry(at) }, ConditionExpression: "attribute_not_exists(version) OR version <= :v", ExpressionAttributeValues: { ":v": N(v) } },
        }),
      );
    }
    const written = await retryConflicts(() =>
      this.table.conditional({
        put: {
          Item: { ...key(pk, ITEM + at), version: N(v), item: { B: packJson(item) }, ...(unread ? {} : { readAt: N(readAt) }), ...this.expiry(at) },
          // Nothing there, an older copy (in place), or a stub of this version.
          ConditionExpression: "attribute_not_exists(pk) OR version < :v OR (version = :v AND attribute_not_exists(#item))",
          ExpressionAttributeNames: { "#item": "item" },
          ExpressionAttributeValues: { ":v": N(v) },
        },
      }),
    );
    if (!written.ok) {
      // A newer version holds this position (its copy, or the stub that shut this call out), or
      // another writer of this version wrote the copy first and it is read by now: the marker
      // this call wrote may have come after the reader deleted it.
      const e = written.existing;
      if (unread && (!e || num(e, "version") !== v || e.readAt !== undefined)) await this.deleteIf(key(pk, UNREAD + at), "version = :v", { ":v": N(v) });
      return false;
    }
    if (s) await this.retire(pk, at, v, unread, s);
    return true;
  }

  /**
   * Step 4: deletes the position readers saw before (its marker first, if it was unread) and
   * any stale copy, each conditioned on holding a version below v (a later version may have
   * taken the same position since). In place (same position), only a marker the new version
   * does not keep.
   */
  private async retire(pk: string, at: string, v: number, unread: boolean, s: Settled): Promise<void> {
    const below = { ":v": N(v) };
    const remove = async (q: string, marker: boolean) => {
      if (marker) await this.deleteIf(key(pk, UNREAD + q), "attribute_not_exists(version) OR version < :v", below);
      await this.deleteIf(key(pk, ITEM + q), "version < :v", below);
    };
    const jobs: Array<Promise<void>> = [];
    if (s.from && s.from.pos !== at) jobs.push(remove(s.from.pos, s.from.rec.readAt === undefined));
    else if (s.from && !unread && s.from.rec.readAt === undefined) jobs.push(this.deleteIf(key(pk, UNREAD + at), "attribute_not_exists(version) OR version < :v", below));
    for (const q of s.stale) if (q !== at) jobs.push(remove(q, true));
    await Promise.all(jobs);
  }

  /**
   * What readers make of position items (`entries`: a position and what is there), by their
   * pointers (given, or read in one BatchGetItem): the copy at the pointer's position is
   * current (nothing there yet: pending); at a `prev` position, current iff the pointer's
   * position holds no copy yet and it is the newest copy among `prev` (one more BatchGetItem,
   * only for items in the middle of a write); anything else is stale.
   */
  private async verdicts(pk: string, entries: Array<{ pos: string; rec: Item | undefined }>, given?: Map<string, Item>): Promise<Verdict[]> {
    if (entries.length === 0) return [];
    const pointers = given ?? new Map((await this.table.batchGet([...new Set(entries.map((e) => idOf(e.pos)))].map((id) => key(pk, POINTER + id)))).map((p) => [str(p, "sk").slice(POINTER.length), p]));
    const moving = new Set<string>();
    const verdicts: Array<Verdict | undefined> = entries.map((e) => {
      const pointer = pointers.get(idOf(e.pos));
      if (!pointer) return "stale";
      if (str(pointer, "pos") === e.pos) return isCopy(e.rec) ? "current" : e.rec ? "stale" : "pending";
      if (!isCopy(e.rec) || !prevOf(pointer).includes(e.pos)) return "stale";
      moving.add(idOf(e.pos));
      return undefined;
    });
    if (moving.size === 0) return verdicts as Verdict[];
    const positions = [...moving].flatMap((id) => [str(pointers.get(id)!, "pos"), ...prevOf(pointers.get(id)!)]);
    const found = await this.copies(pk, positions);
    const shown = new Map(
      [...moving].map((id) => {
        const pointer = pointers.get(id)!;
        if (isCopy(found.get(str(pointer, "pos")))) return [id, undefined];
        const best = prevOf(pointer).reduce<string | undefined>((b, q) => (isCopy(found.get(q)) && (!b || num(found.get(q)!, "version") > num(found.get(b)!, "version")) ? q : b), undefined);
        return [id, best];
      }),
    );
    return entries.map((e, k) => verdicts[k] ?? (shown.get(idOf(e.pos)) === e.pos ? "current" : "stale"));
  }

  /** The position items at `positions` (copies and stubs), by position; one GetItem for one. */
  private async copies(pk: string, positions: string[], stubs = false): Promise<Map<string, Item>> {
    const distinct = [...new Set(positions)];
    const found = distinct.length === 1 ? [await this.table.get(key(pk, ITEM + distinct[0]))].filter((i): i is Item => i !== undefined) : await this.table.batchGet(distinct.map((p) => key(pk, ITEM + p)));
    return new Map(found.filter((i) => stubs || isCopy(i)).map((i) => [str(i, "sk").slice(ITEM.length), i]));
  }

  /**
   * Re-reads the position item at `at` FIRST_WRITE_WAITS times (20, 40, 80 ms apart) until it
   * holds version `v` (or newer, or a stub); returns the last one read.
   */
  private async awaitCopy(pk: string, at: string, v: number): Promise<Item | undefined> {
    let found: Item | undefined;
    for (let wait = 1; wait <= FIRST_WRITE_WAITS; wait++) {
      await new Promise((res) => setTimeout(res, 10 * 2 ** wait));
      found = await this.table.get(key(pk, ITEM + at));
      if (written(found, v)) return found;
    }
    return found;
  }

  /** A DeleteItem with a condition; a failed condition is no error (it is metered as DynamoDB bills it). */
  private async deleteIf(Key: Item, ConditionExpression: string, values: Record<string, AttributeValue> | undefined): Promise<void> {
    await retryConflicts(async () => {
      try {
        const out = await this.table.client.send(
          new DeleteItemCommand({
            TableName: this.table.name,
            Key,
            ConditionExpression,
            ...(values ? { ExpressionAttributeValues: values } : {}),
            ReturnValuesOnConditionCheckFailure: "ALL_OLD",
            ReturnConsumedCapacity: "TOTAL",
          }),
        );
        this.meter?.add(out.ConsumedCapacity?.TableName ?? this.table.name, "write", out.ConsumedCapacity?.CapacityUnits ?? 0);
      } catch (err) {
        if (!(err instanceof ConditionalCheckFailedException)) throw err;
        this.meter?.add(this.table.name, "write", failedWriteUnits(err.Item));
      }
    });
  }

  /** Every unread marker (sk and version), newest first. */
  private async markers(pk: string): Promise<Item[]> {
    const out: Item[] = [];
    for await (const items of this.table.query({
      KeyConditionExpression: "pk = :pk AND begins_with(sk, :n)",
      ExpressionAttributeValues: { ":pk": S(pk), ":n": S(UNREAD) },
      ProjectionExpression: "sk, version",
      ScanIndexForward: false,
      ConsistentRead: true,
    })) {
      out.push(...items);
    }
    return out;
  }

  /** Marks the copies at the marks' positions read; returns the positions this call changed. */
  private async markPositions(pk: string, marks: Mark[], at: number): Promise<string[]> {
    const actionsOf = ({ pos, version }: Mark): TransactAction[] => [
      {
        delete: {
          Key: key(pk, UNREAD + pos),
          ConditionExpression: version ? "version = :v" : "attribute_exists(pk)",
          ...(version ? { ExpressionAttributeValues: { ":v": version } } : {}),
        },
      },
      {
        update: {
          Key: key(pk, ITEM + pos),
          UpdateExpression: "SET readAt = :at",
          ConditionExpression: `attribute_exists(#item) AND attribute_not_exists(readAt)${version ? " AND version = :v" : ""}`,
          ExpressionAttributeNames: { "#item": "item" },
          ExpressionAttributeValues: { ":at": N(at), ...(version ? { ":v": version } : {}) },
        },
      },
    ];
    if (marks.length > 1 && (await transactWrite(this.table, this.meter, marks.flatMap(actionsOf))).ok) return marks.map((m) => m.pos);
    const changed: string[] = [];
    for (const m of marks) {
      for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
        const r = await transactWrite(this.table, this.meter, actionsOf(m));
        if (r.ok) changed.push(m.pos);
        // Only a conflict with another transaction is worth another try: a failed condition
        // means the item is read already, or its copy is being replaced by a newer version.
        if (r.ok || !r.codes.includes("TransactionConflict")) break;
        await pause(r, attempt);
      }
    }
    return changed;
  }
}

/** A marker to act on: its position and the version it carries (none on markers older than this layout). */
interface Mark {
  pos: string;
  version: AttributeValue | undefined;
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

/** Whether the position item `rec` is settled for version `v`: a copy of `v` or newer, or a stub. */
function written(rec: Item | undefined, v: number): boolean {
  return rec !== undefined && (!isCopy(rec) || num(rec, "version") >= v);
}

/** A position item holding a copy of the item (not a stub). */
function isCopy(rec: Item | undefined): rec is Item & { item: AttributeValue } {
  return rec !== undefined && rec.item !== undefined;
}

/** The highest version among copies. */
function newest(copies: Item[]): Item | undefined {
  return copies.reduce<Item | undefined>((best, c) => (!best || num(c, "version") > num(best, "version") ? c : best), undefined);
}

/** The positions a pointer moved from whose copies may still stand. */
function prevOf(pointer: Item): string[] {
  return pointer.prev?.SS ?? [];
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
