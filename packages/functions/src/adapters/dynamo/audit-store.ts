import {
  ACCESS_EVENT_RETENTION_DAYS,
  assertAccessEvents,
  docKey,
  type AccessEvent,
  type AccessPage,
  type AccessQuery,
  type AuditStore,
  type DocRef,
} from "@weft/core";
import { N, S, expiresAfter, padTime, str } from "./codec.js";
import { Table, type DynamoAdapterOptions } from "./table.js";

/**
 * Access events: "x#" + 16-digit at + "#" + id. (The table once also held per-batch audit
 * records under "b#"; those are derived from the log now, and the prefix stays so that any
 * such leftover item never falls in an access range.)
 */
const ACCESS = "x#";
/** Writes in flight at once when storing many access events. */
const ACCESS_PUTS = 10;
/** Sorts after every digit, so "x#~" bounds every access key from above. */
const AFTER_DIGITS = "~";

/**
 * AuditStore on the `audit` table: access events, one small item each, pk = docKey, sk = "x#"
 * + 16-digit at + "#" + id (so the sort key order is the (at, id) order), the event as JSON in
 * `event`, its `userId` (for a FilterExpression) and `expiresAt` (TTL)
 * ACCESS_EVENT_RETENTION_DAYS after at. Each is one conditional PutItem, so a retried write
 * adds nothing; a query reads the key range from max(since, after) ascending in growing pages
 * until it has limit+1 events.
 */
export class DynamoAuditStore implements AuditStore {
  private readonly table: Table;

  constructor(opts: DynamoAdapterOptions) {
    this.table = new Table(opts);
  }

  async putAccessEvents(doc: DocRef, events: readonly AccessEvent[]): Promise<void> {
    assertAccessEvents(events);
    const pk = S(docKey(doc));
    for (let i = 0; i < events.length; i += ACCESS_PUTS) {
      await Promise.all(
        events.slice(i, i + ACCESS_PUTS).map((e) =>
          this.table.conditional({
            put: {
              Item: {
                pk,
                sk: S(accessKey(e.at, e.id)),
                userId: S(e.userId),
                event: S(JSON.stringify(e)),
                expiresAt: N(expiresAfter(e.at, ACCESS_EVENT_RETENTION_DAYS)),
              },
              ConditionExpression: "attribute_not_exists(pk)",
            },
          }),
        ),
      );
    }
  }

  async accessEvents(doc: DocRef, q: AccessQuery): Promise<AccessPage> {
    const limit = Math.max(0, q.limit);
    if (limit === 0) return { events: [] };
    const fromSince = ACCESS + padTime(q.since ?? 0);
    const cursor = q.after ? accessKey(q.after.at, q.after.id) : undefined;
    const from = cursor !== undefined && cursor > fromSince ? cursor : fromSince;
    const byUser = q.userId !== undefined;
    const pages = this.table.query(
      {
        KeyConditionExpression: "pk = :pk AND sk BETWEEN :lo AND :hi",
        ...(byUser ? { FilterExpression: "#user = :u", ExpressionAttributeNames: { "#user": "userId" } } : {}),
        ExpressionAttributeValues: { ":pk": S(docKey(doc)), ":lo": S(from), ":hi": S(ACCESS + AFTER_DIGITS), ...(byUser ? { ":u": S(q.userId!) } : {}) },
        ConsistentRead: true,
      },
      // +2: the cursor's own item is in the (inclusive) range and skipped.
      (page) => Math.min((limit + 2) * 2 ** page, 1000),
    );
    const events: AccessEvent[] = [];
    for await (const items of pages) {
      for (const item of items) if (str(item, "sk") !== cursor) events.push(JSON.parse(str(item, "event")) as AccessEvent);
      if (events.length > limit) break;
    }
    const page = events.slice(0, limit);
    const last = page[page.length - 1];
    return events.length > limit ? { events: page, next: { at: last.at, id: last.id } } : { events: page };
  }
}

function accessKey(at: number, id: string): string {
  return `${ACCESS}${padTime(at)}#${id}`;
}
