import {
  ACCESS_EVENT_RETENTION_DAYS,
  assertAccessEvents,
  assertAuditBatch,
  docKey,
  type AccessEvent,
  type AccessPage,
  type AccessQuery,
  type AuditBatch,
  type AuditPage,
  type AuditQuery,
  type AuditRecord,
  type AuditStore,
  type DocRef,
} from "@weft/core";
import { N, S, bin, expiresAfter, num, packJson, padSeq, padTime, str, unpackJson } from "./codec.js";
import { Table, type DynamoAdapterOptions, type Item } from "./table.js";

const BATCH = "b#";
/** Access events: "x#" + 16-digit at + "#" + id. "x" sorts after "b", so no batch range ever reaches them. */
const ACCESS = "x#";
/** Writes in flight at once when storing many access events. */
const ACCESS_PUTS = 10;
/** Sorts after every digit, so "b#~" bounds every batch key from above. */
const AFTER_DIGITS = "~";
/**
 * Separator of the authors list in `users`. User ids never contain whitespace (the token
 * check refuses it), while commas and other punctuation are allowed: a newline cannot be
 * part of an id, so "\n<id>\n" matches one whole id and nothing else.
 */
const SEP = "\n";

/**
 * AuditStore on the `audit` table: ONE item per committed batch, pk = docKey, sk = "b#" +
 * 12-digit seqStart, the records as one brotli-compressed Binary attribute (the log's codec:
 * a batch of N ops costs one write of its compressed size, never N writes), `seqEnd`,
 * `committedAt`, and the batch's distinct authors in `users` ("\nu1\nu2\n") so a query by
 * user skips other users' batches with a FilterExpression instead of decompressing them.
 *
 * A put is one conditional PutItem (attribute_not_exists), so a replayed event changes
 * nothing. A query finds the batch holding after+1 with one descending Limit-1 Query, then
 * reads ascending in growing pages until it has limit+1 matching records.
 *
 * Access events are one small item each in the same partition: sk = "x#" + 16-digit at + "#"
 * + id (so the sort key order is the (at, id) order), the event as JSON in `event`, its
 * `userId` (for a FilterExpression) and `expiresAt` (TTL) ACCESS_EVENT_RETENTION_DAYS after at.
 * Each is one conditional PutItem, so a retried write adds nothing; a query reads the key
 * range from max(since, after) ascending in growing pages until it has limit+1 events.
 */
export class DynamoAuditStore implements AuditStore {
  private readonly table: Table;

  constructor(opts: DynamoAdapterOptions) {
    this.table = new Table(opts);
  }

  async put(batch: AuditBatch): Promise<"written" | "exists"> {
    assertAuditBatch(batch);
    const users = [...new Set(batch.records.map((r) => r.userId))];
    const written = await this.table.conditional({
      put: {
        Item: {
          pk: S(docKey(batch.doc)),
          sk: S(BATCH + padSeq(batch.seqStart)),
          seqEnd: N(batch.seqEnd),
          committedAt: N(batch.committedAt),
          users: S(SEP + users.join(SEP) + SEP),
          records: { B: packJson(batch.records) },
        },
        ConditionExpression: "attribute_not_exists(pk)",
      },
    });
    return written.ok ? "written" : "exists";
  }

  async query(doc: DocRef, q: AuditQuery): Promise<AuditPage> {
    const limit = Math.max(0, q.limit);
    const matching: AuditRecord[] = [];
    if (limit === 0) return { records: [] };
    let last = q.after;
    const take = (item: Item) => {
      for (const r of unpackJson<AuditRecord[]>(bin(item, "records"))) {
        if (r.seq <= last) continue;
        last = r.seq;
        if (q.userId === undefined || r.userId === q.userId) matching.push(r);
      }
    };
    const pk = S(docKey(doc));
    // The batch holding after+1 may start at or before it (its seqStart <= after+1).
    const holding = await this.firstPage({
      KeyConditionExpression: "pk = :pk AND sk BETWEEN :lo AND :hi",
      ExpressionAttributeValues: { ":pk": pk, ":lo": S(BATCH), ":hi": S(BATCH + padSeq(q.after + 1)) },
      ScanIndexForward: false,
      Limit: 1,
    });
    let from = BATCH;
    if (holding) {
      if (num(holding, "seqEnd") > q.after) take(holding);
      from = BATCH + padSeq(Number(str(holding, "sk").slice(BATCH.length)) + 1);
    }
    const byUser = q.userId !== undefined;
    const pages = this.table.query(
      {
        KeyConditionExpression: "pk = :pk AND sk BETWEEN :lo AND :hi",
        ...(byUser ? { FilterExpression: "contains(#users, :needle)", ExpressionAttributeNames: { "#users": "users" } } : {}),
        ExpressionAttributeValues: {
          ":pk": pk,
          ":lo": S(from),
          ":hi": S(BATCH + AFTER_DIGITS),
          ...(byUser ? { ":needle": S(SEP + q.userId + SEP) } : {}),
        },
        ConsistentRead: true,
      },
      // Pages of 2, 4, 8, ... batches: the first page usually answers a short query.
      (page) => Math.min(2 ** (page + 1), 64),
    );
    for await (const items of pages) {
      for (const item of items) take(item);
      if (matching.length > limit) break;
    }
    const records = matching.slice(0, limit);
    return matching.length > limit ? { records, next: records[records.length - 1].seq } : { records };
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

  private async firstPage(input: Parameters<Table["query"]>[0]): Promise<Item | undefined> {
    const pages = this.table.query({ ...input, ConsistentRead: true });
    const first = await pages.next();
    await pages.return(undefined);
    return first.done ? undefined : first.value[0];
  }
}

function accessKey(at: number, id: string): string {
  return `${ACCESS}${padTime(at)}#${id}`;
}
