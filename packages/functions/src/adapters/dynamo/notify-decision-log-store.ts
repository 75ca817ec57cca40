import {
  DEFAULT_DECISION_RETENTION_MS,
  MAX_DECISIONS_PER_LOOKUP,
  MAX_DECISION_PAGE,
  assertNotifyUser,
  checkDecisions,
  decisionCursor,
  decisionCursorKey,
  decisionKey,
  type DecisionLogStore,
  type DecisionPage,
} from "@weft/core/notify/stores/index";
import { assertId, assertLimit, expirySeconds } from "@weft/core/notify/stores/common";
import type { DecisionRecord } from "@weft/core/notify/vocabulary";
import { N, S, str } from "./codec.js";
import { EXPIRES_AT, key, userPk } from "./notify-keys.js";
import { Table, type DynamoAdapterOptions, type Item } from "./table.js";

const BY_TIME = "t#";
const BY_EVENT = "e#";
const BY_NOTIFICATION = "n#";
/** Sorts after every decision key (they start with digits). */
const TOP = "~";

/**
 * DecisionLogStore on the `notify` table, partition `d#<tenant>#<userId>`, where `<key>` is
 * core's decisionKey (16-digit `at`, then the percent-encoded identity: ASCII, no "#" inside
 * a part) and `<enc(x)>` is encodeURIComponent(x):
 *
 * | sk | what |
 * |---|---|
 * | `t#<key>` | the record (`r`: JSON) and `expiresAt` (N, epoch s: at + retention; the table's TTL) |
 * | `e#<enc(eventId)>#<key>` | the same, for byEvent |
 * | `n#<enc(notificationId)>#<key>` | the same, for byNotification (records with a notificationId) |
 *
 * A record costs 2 (3 with a notificationId) write units, written by BatchWriteItem puts
 * keyed by identity, so a replay overwrites instead of adding. Every lookup is one Query of
 * one key range (records are under 4 KB: a read unit returns several), filtered on
 * `expiresAt` because DynamoDB deletes expired items only days later.
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
    const items = new Map<string, Item>();
    for (const r of records) {
      const pk = userPk("d", r);
      const k = decisionKey(r);
      const body = { r: S(JSON.stringify(r)), [EXPIRES_AT]: N(expirySeconds(r.at, this.retentionMs)) };
      const sks = [BY_TIME + k, `${BY_EVENT}${encodeURIComponent(r.eventId)}#${k}`];
      if (r.notificationId !== undefined) sks.push(`${BY_NOTIFICATION}${encodeURIComponent(r.notificationId)}#${k}`);
      // One BatchWriteItem may not name a key twice: the first of a batch's duplicates wins.
      for (const sk of sks) if (!items.has(pk + "\n" + sk)) items.set(pk + "\n" + sk, { ...key(pk, sk), ...body });
    }
    await this.table.batchPut([...items.values()]);
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
    assertNotifyUser({ tenant, userId });
    assertLimit(opts.limit, MAX_DECISION_PAGE);
    const before = opts.cursor === undefined ? undefined : BY_TIME + decisionCursorKey(opts.cursor);
    const found: Item[] = [];
    for await (const items of this.table.query(
      {
        KeyConditionExpression: "pk = :pk AND sk BETWEEN :lo AND :hi",
        FilterExpression: "#exp > :now",
        ExpressionAttributeNames: { "#exp": EXPIRES_AT },
        ExpressionAttributeValues: {
          ":pk": S(userPk("d", { tenant, userId })),
          ":lo": S(BY_TIME),
          ":hi": S(before ?? BY_TIME + TOP),
          ":now": this.nowSeconds(),
        },
        ScanIndexForward: false,
        ConsistentRead: true,
      },
      () => opts.limit + 2,
    )) {
      // BETWEEN is inclusive: the cursor's own record belongs to the previous page.
      found.push(...items.filter((i) => str(i, "sk") !== before));
      if (found.length > opts.limit) break;
    }
    const records = found.slice(0, opts.limit);
    const last = records[records.length - 1];
    return {
      records: records.map(recordOf),
      ...(found.length > opts.limit ? { cursor: decisionCursor(str(last, "sk").slice(BY_TIME.length)) } : {}),
    };
  }

  /** The user's live records under one sk prefix, ascending. */
  private async range(user: { tenant: string; userId: string }, prefix: string): Promise<DecisionRecord[]> {
    assertNotifyUser(user);
    const out: DecisionRecord[] = [];
    for await (const items of this.table.query({
      KeyConditionExpression: "pk = :pk AND begins_with(sk, :prefix)",
      FilterExpression: "#exp > :now",
      ExpressionAttributeNames: { "#exp": EXPIRES_AT },
      ExpressionAttributeValues: { ":pk": S(userPk("d", user)), ":prefix": S(prefix), ":now": this.nowSeconds() },
      ConsistentRead: true,
    })) {
      out.push(...items.map(recordOf));
      if (out.length >= MAX_DECISIONS_PER_LOOKUP) break;
    }
    return out.slice(0, MAX_DECISIONS_PER_LOOKUP);
  }

  private nowSeconds() {
    return N(Math.floor(this.now() / 1000));
  }
}

function recordOf(item: Item): DecisionRecord {
  return JSON.parse(str(item, "r")) as DecisionRecord;
}
