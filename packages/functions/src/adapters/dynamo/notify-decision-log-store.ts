import {
  DEFAULT_DECISION_RETENTION_MS,
  MAX_DECISIONS_PER_LOOKUP,
  MAX_DECISION_PAGE,
  assertNotifyUser,
  checkDecisions,
  decisionCursor,
  decisionCursorKey,
  type DecisionLogStore,
  type DecisionPage,
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
/** Sorts after every decision key and bundle id (they are digits, hex and percent-encoded ASCII). */
const TOP = "~";

/**
 * DecisionLogStore on the `notify` table, partition `d#<tenant>#<userId>`. Records are stored
 * in bundles (notify-decision-bundles.ts): the records one `append` makes for the user at one
 * `at` (at most 16), as compressed JSON without tenant and userId (`b`), with `expiresAt` (N,
 * epoch s: at + retention; the table's TTL). `<at>` is 16 digits, `<id>` the bundle's 16-hex
 * name (a hash of its records' identities), `<enc(x)>` encodeURIComponent(x):
 *
 * | sk | what |
 * |---|---|
 * | `t#<at>#<id>` | the bundle, for byUser |
 * | `e#<enc(eventId)>#<at>#<id>` | its records of that event, for byEvent |
 * | `n#<enc(notificationId)>#<at>#<id>` | its records of that notification, for byNotification |
 *
 * So an engine call's decisions cost one write unit per index item (1 + its events + its
 * notification ids), not per record and index: the records of one decision usually share one
 * event and one or two notification ids. A replayed append writes the same items again (same
 * ids). The layout before this one stored one record per item (`r`: JSON) under
 * `t#<key>` / `e#<enc(eventId)>#<key>` / `n#<enc(notificationId)>#<key>` (`<key>`: core's
 * decisionKey, which also starts with the 16-digit `at`): both sort by `at` within each index
 * and every read takes both, so records written before keep being found until they expire.
 *
 * Reads are one Query of one key range, filtered on `expiresAt` (DynamoDB deletes expired
 * items days later). Records of one `at` may sit in several items, so a page is cut only at a
 * change of `at`, and identities are made distinct on read (two appends may hold the same one).
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
      const pk = userPk("d", b.records[0]);
      const suffix = `${padTimeKey(b.at)}#${b.id}`;
      const item = (sk: string, part: DecisionRecord[]) => ({ ...key(pk, sk), b: { B: packRecords(part) }, [EXPIRES_AT]: N(expirySeconds(b.at, this.retentionMs)) });
      items.push(item(`${BY_TIME}${suffix}`, b.records));
      for (const [eventId, part] of groupBy(b.records, (r) => r.eventId)) items.push(item(`${BY_EVENT}${encodeURIComponent(eventId)}#${suffix}`, part));
      for (const [id, part] of groupBy(b.records, (r) => r.notificationId)) items.push(item(`${BY_NOTIFICATION}${encodeURIComponent(id)}#${suffix}`, part));
    }
    await this.table.batchPut(items);
  }

  async byEvent(tenant: string, userId: string, eventId: string): Promise<DecisionRecord[]> {
    assertId(eventId, "eventId");
    return this.range({ tenant, userId }, `${BY_EVENT}${encodeURIComponent(eventId)}#`);
  }

  async byNotification(tenant: string, userId: string, notificationId: string): Promise<DecisionRecord[]> {
    assertId(notificationId, "notificationId");
    return this.range({ tenant, userId }, `${BY_NOTIFICATION}${encodeURIComponent(notificationId)}#`);
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

  /** The user's live records under one sk prefix (an event's or a notification's), ascending. */
  private async range(user: { tenant: string; userId: string }, prefix: string): Promise<DecisionRecord[]> {
    assertNotifyUser(user);
    const found = await this.collect(user, { ":p": S(prefix) }, "begins_with(sk, :p)", prefix.length, true, MAX_DECISIONS_PER_LOOKUP, () => true);
    return found.slice(0, MAX_DECISIONS_PER_LOOKUP).map((f) => f.record);
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
  ): Promise<Array<{ key: string; record: DecisionRecord }>> {
    const records: DecisionRecord[] = [];
    const order = (list: DecisionRecord[]) => (ascending ? distinctSorted(list) : distinctSorted(list).reverse()).filter((f) => keep(f.key));
    for await (const items of this.table.query(
      {
        KeyConditionExpression: `pk = :pk AND ${range}`,
        FilterExpression: "#exp > :now",
        ExpressionAttributeNames: { "#exp": EXPIRES_AT },
        ExpressionAttributeValues: { ":pk": S(userPk("d", user)), ":now": N(Math.floor(this.now() / 1000)), ...values },
        ScanIndexForward: ascending,
        ConsistentRead: true,
      },
      (page) => (page === 0 ? enough + 2 : undefined),
    )) {
      for (const i of items) records.push(...recordsOf(i, user));
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

/** Records grouped by a field (records without it are left out), in their order. */
function groupBy(records: DecisionRecord[], field: (r: DecisionRecord) => string | undefined): Map<string, DecisionRecord[]> {
  const out = new Map<string, DecisionRecord[]>();
  for (const r of records) {
    const k = field(r);
    if (k !== undefined) out.set(k, [...(out.get(k) ?? []), r]);
  }
  return out;
}
