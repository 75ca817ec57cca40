import {
  DEFAULT_DECISION_RETENTION_MS,
  MAX_DECISIONS_PER_LOOKUP,
  MAX_DECISION_PAGE,
  assertNotifyUser,
  checkDecisions,
  checkSince,
  decisionCursor,
  decisionCursorKey,
  type DecisionLogStore,
  type DecisionPage,
  type LookupOptions,
} from "@weft/core/notify/stores/index";
import { assertId, assertLimit, expirySeconds, padTimeKey } from "@weft/core/notify/stores/common";
import type { DecisionRecord } from "@weft/core/notify/vocabulary";
import { N, S, bin, str } from "./codec.js";
import { bundlesOf, distinctSorted, packRecords, unpackRecords } from "./notify-decision-bundles.js";
import { EXPIRES_AT, key, userPk } from "./notify-keys.js";
import { Table, type DynamoAdapterOptions, type Item } from "./table.js";

const BY_TIME = "t#";
const BY_EVENT = "e#";
const BY_NOTIFICATION = "n#";
/** Prefixes of a bundle's `k` members. */
const EVENT_ID = "e:";
const NOTIFICATION_ID = "n:";
/** Sorts after every decision key and bundle id (they are digits, hex and percent-encoded ASCII). */
const TOP = "~";

/**
 * DecisionLogStore on the `notify` table, partition `d#<tenant>#<userId>`. Records are stored
 * in bundles (notify-decision-bundles.ts): the records one `append` makes for the user at one
 * `at` (at most 16), one item each, sk `t#<at>#<id>` (`<at>` 16 digits, `<id>` the bundle's
 * 16-hex name, a hash of its records' identities), holding:
 *
 * | attribute | what |
 * |---|---|
 * | `b` | the records, compressed JSON without tenant and userId |
 * | `k` | SS: `e:<eventId>` and `n:<notificationId>` of every record in it |
 * | `expiresAt` | N, epoch s: at + retention (the table's TTL) |
 *
 * So an engine call's decisions cost one write unit (an item under 1 KB), however many records,
 * events and notifications it holds. A replayed append writes the same items again (same ids).
 * `byUser` is a Query of the `t#` range. `byEvent` / `byNotification` are the same Query from
 * `since` (the whole retention without it) filtered on `k` server side: they pay read units for
 * the user's records in that range (~8 bundles per read unit), where an index item per event and
 * per notification would cost every append two more write units (the port contract: lookups are
 * rare, appends are not). The engine's own lookup passes the time of the record it looks for.
 *
 * Layouts before this one, still read until their items expire (30 days after they were made):
 * bundles without `k` under `t#`, each with index copies `e#<enc(eventId)>#<at>#<id>` and
 * `n#<enc(notificationId)>#<at>#<id>` holding the records of that event (notification); and
 * before that one record per item (`r`: JSON) under `t#<key>` / `e#<enc(eventId)>#<key>` /
 * `n#<enc(notificationId)>#<key>` (`<key>`: core's decisionKey, which also starts with the
 * 16-digit `at`; `<enc(x)>`: encodeURIComponent(x)). `byEvent` / `byNotification` also query
 * those `e#` / `n#` ranges (a `t#` item without `k` never passes the filter), one read unit more.
 *
 * Reads filter on `expiresAt` (DynamoDB deletes expired items days later). Records of one `at`
 * may sit in several items, so a page is cut only at a change of `at`, and identities are made
 * distinct on read (two appends may hold the same one).
 */
export class DynamoDecisionLogStore implements DecisionLogStore {
  private readonly table: Table;
  private readonly now: () => number;
  private readonly retentionMs: number;

  constructor(opts: DynamoAdapterOptions & { now?: () => number; retentionMs?: number }) {
    this.table = new Table(opts);
    this.now = opts.now ?? Date.now;
    this.retentionMs = opts.retentionMs ?? DEFAULT_DECISION_RETENTION_MS;
  }

  async append(records: DecisionRecord[]): Promise<void> {
    checkDecisions(records);
    const items: Item[] = [];
    for (const b of bundlesOf(records)) {
      const ids = new Set<string>();
      for (const r of b.records) {
        ids.add(EVENT_ID + r.eventId);
        if (r.notificationId !== undefined) ids.add(NOTIFICATION_ID + r.notificationId);
      }
      items.push({
        ...key(userPk("d", b.records[0]), `${BY_TIME}${padTimeKey(b.at)}#${b.id}`),
        b: { B: packRecords(b.records) },
        k: { SS: [...ids] },
        [EXPIRES_AT]: N(expirySeconds(b.at, this.retentionMs)),
      });
    }
    await this.table.batchPut(items);
  }

  async byEvent(tenant: string, userId: string, eventId: string, opts?: LookupOptions): Promise<DecisionRecord[]> {
    assertId(eventId, "eventId");
    return this.lookup({ tenant, userId }, EVENT_ID + eventId, (r) => r.eventId === eventId, `${BY_EVENT}${encodeURIComponent(eventId)}#`, checkSince(opts));
  }

  async byNotification(tenant: string, userId: string, notificationId: string, opts?: LookupOptions): Promise<DecisionRecord[]> {
    assertId(notificationId, "notificationId");
    return this.lookup({ tenant, userId }, NOTIFICATION_ID + notificationId, (r) => r.notificationId === notificationId, `${BY_NOTIFICATION}${encodeURIComponent(notificationId)}#`, checkSince(opts));
  }

  async byUser(tenant: string, userId: string, opts: { cursor?: string; limit: number }): Promise<DecisionPage> {
    const user = { tenant, userId };
    assertNotifyUser(user);
    assertLimit(opts.limit, MAX_DECISION_PAGE);
    const before = opts.cursor === undefined ? undefined : decisionCursorKey(opts.cursor);
    // Every item at or before the cursor's `at` (the cursor's own `at` may hold older records too).
    const hi = before === undefined ? BY_TIME + TOP : `${BY_TIME}${before.slice(0, 16)}#${TOP}`;
    const found = await this.collect(user, { ":lo": S(BY_TIME), ":hi": S(hi) }, "sk BETWEEN :lo AND :hi", BY_TIME.length, false, opts.limit + 1, (k) => before === undefined || k < before);
    const records = found.slice(0, opts.limit);
    return found.length > opts.limit ? { records: records.map((f) => f.record), cursor: decisionCursor(records[records.length - 1].key) } : { records: records.map((f) => f.record) };
  }

  /**
   * The user's live records naming an id (`member`: `e:`/`n:` + the id; `names`: whether a
   * record names it) made at or after `since`, ascending: those of the bundles whose `k` holds
   * it (a bundle holds others too), and the index copies of the layouts before under
   * `legacyPrefix` (which hold only that id's records). Both ranges start at `since` (every sk
   * has the record's 16-digit `at` after its prefix).
   */
  private async lookup(
    user: { tenant: string; userId: string },
    member: string,
    names: (r: DecisionRecord) => boolean,
    legacyPrefix: string,
    since: number,
  ): Promise<DecisionRecord[]> {
    assertNotifyUser(user);
    const from = padTimeKey(since);
    const [bundled, legacy] = await Promise.all([
      this.collect(user, { ":lo": S(BY_TIME + from), ":hi": S(BY_TIME + TOP), ":id": S(member) }, "sk BETWEEN :lo AND :hi", BY_TIME.length, true, MAX_DECISIONS_PER_LOOKUP, () => true, { expression: "contains(k, :id)", record: names }),
      this.collect(user, { ":lo": S(legacyPrefix + from), ":hi": S(legacyPrefix + TOP) }, "sk BETWEEN :lo AND :hi", legacyPrefix.length, true, MAX_DECISIONS_PER_LOOKUP, () => true),
    ]);
    return distinctSorted([...bundled, ...legacy].map((f) => f.record))
      .slice(0, MAX_DECISIONS_PER_LOOKUP)
      .map((f) => f.record);
  }

  /**
   * Live records of one key range in decision-key order (ascending or descending), distinct,
   * kept by `keep`: at least `enough` of them unless the range holds fewer. Items come in `at`
   * order (the 16 digits after `atFrom` in the sk), so records of an `at` are complete once an
   * item of another `at` was read.
   */
  private async collect(
    user: { tenant: string; userId: string },
    values: Item,
    range: string,
    atFrom: number,
    ascending: boolean,
    enough: number,
    keep: (key: string) => boolean,
    filter?: { expression: string; record: (r: DecisionRecord) => boolean },
  ): Promise<Array<{ key: string; record: DecisionRecord }>> {
    const records: DecisionRecord[] = [];
    const order = (list: DecisionRecord[]) => (ascending ? distinctSorted(list) : distinctSorted(list).reverse()).filter((f) => keep(f.key));
    for await (const items of this.table.query(
      {
        KeyConditionExpression: `pk = :pk AND ${range}`,
        FilterExpression: filter === undefined ? "#exp > :now" : `#exp > :now AND ${filter.expression}`,
        ExpressionAttributeNames: { "#exp": EXPIRES_AT },
        ExpressionAttributeValues: { ":pk": S(userPk("d", user)), ":now": N(Math.floor(this.now() / 1000)), ...values },
        ScanIndexForward: ascending,
        ConsistentRead: true,
      },
      // A filtered range is read in whole pages: its first items may all be someone else's.
      (page) => (page === 0 && filter === undefined ? enough + 2 : undefined),
    )) {
      for (const i of items) records.push(...(filter ? recordsOf(i, user).filter(filter.record) : recordsOf(i, user)));
      const last = items.at(-1);
      if (!last) continue;
      const lastAt = Number(str(last, "sk").slice(atFrom, atFrom + 16));
      if (order(records.filter((r) => r.at !== lastAt)).length >= enough) break;
    }
    return order(records);
  }
}

/** A stored item's records: a bundle, or one record of the layout before. */
function recordsOf(item: Item, user: { tenant: string; userId: string }): DecisionRecord[] {
  return item.b !== undefined ? unpackRecords(bin(item, "b"), user) : [JSON.parse(str(item, "r")) as DecisionRecord];
}
