import {
  assertAuditBatch,
  docKey,
  type AuditBatch,
  type AuditPage,
  type AuditQuery,
  type AuditRecord,
  type AuditStore,
  type DocRef,
} from "@weft/core";
import { N, S, bin, num, packJson, padSeq, str, unpackJson } from "./codec.js";
import { Table, type DynamoAdapterOptions, type Item } from "./table.js";

const BATCH = "b#";
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

  private async firstPage(input: Parameters<Table["query"]>[0]): Promise<Item | undefined> {
    const pages = this.table.query({ ...input, ConsistentRead: true });
    const first = await pages.next();
    await pages.return(undefined);
    return first.done ? undefined : first.value[0];
  }
}
