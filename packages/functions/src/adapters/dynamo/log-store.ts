import { aclKey, docKey, parseAcl, parseDocKey, type DocRef, type LogBatch, type LogEntry, type LogHead, type LogStore } from "@weft/core";
import { N, S, bin, num, packJson, padSeq, str, unpackJson, type ItemImage } from "./codec.js";
import { Table, type DynamoAdapterOptions, type Item } from "./table.js";

const BATCH = "b#";
/** Sorts after every digit, so "b#~" bounds every batch key from above. */
const AFTER_DIGITS = "~";

/**
 * LogStore on the `log` table: one item per batch (pk = docKey, sk = "b#" + 12-digit
 * seqStart) holding the entries and the progress of the batch's clients as one compressed
 * Binary attribute (`entries`: `{"entries": [...], "clients": [...]}`), so write units and the
 * year of storage follow compressed bytes, never op count (the clients' ids repeat the
 * entries', which the compressor takes once). The batch's op ids are also kept uncompressed in
 * `ids` (",a,b,c,": the k-th id has seq seqStart + k) so that findOp can filter on them. Items
 * written before the clients moved into the blob hold the entries alone there and the clients
 * as JSON in `clients`; both are read.
 *
 * Appending is one conditional PutItem and reading the tail one Query: on DynamoDB Local the
 * number of calls, not bytes, bounds throughput, and on AWS every call has its own latency.
 */
export class DynamoLogStore implements LogStore {
  private readonly table: Table;

  constructor(opts: DynamoAdapterOptions) {
    this.table = new Table(opts);
  }

  async append(batch: LogBatch): Promise<"ok" | "conflict"> {
    assertConsecutive(batch);
    const written = await this.table.conditional({
      put: {
        Item: {
          pk: S(docKey(batch.doc)),
          sk: S(BATCH + padSeq(batch.seqStart)),
          seqEnd: N(batch.seqEnd),
          lenAfter: N(batch.lenAfter),
          committedAt: N(batch.committedAt),
          ids: S(`,${batch.entries.map((e) => e.id).join(",")},`),
          entries: { B: packJson({ entries: batch.entries, clients: batch.clients } satisfies PackedBatch) },
          ...(batch.aclBefore ? { aclBefore: S(aclKey(batch.aclBefore)) } : {}),
          ...(batch.deliveredLive ? { deliveredLive: { BOOL: true } } : {}),
        },
        ConditionExpression: "attribute_not_exists(pk)",
      },
    });
    return written.ok ? "ok" : "conflict";
  }

  async tail(doc: DocRef): Promise<LogBatch | undefined> {
    const [last] = await this.firstPage({
      KeyConditionExpression: "pk = :pk AND begins_with(sk, :p)",
      ExpressionAttributeValues: { ":pk": S(docKey(doc)), ":p": S(BATCH) },
      ScanIndexForward: false,
      Limit: 1,
    });
    return last && toBatch(doc, last);
  }

  async head(doc: DocRef): Promise<LogHead> {
    const last = await this.tail(doc);
    return last ? { seq: last.seqEnd, len: last.lenAfter } : { seq: 0, len: 0 };
  }

  async entries(doc: DocRef, after: number, limit: number): Promise<LogEntry[]> {
    const out: LogEntry[] = [];
    if (limit <= 0) return out;
    // Pages of 2, 4, 8, ... batches: a short read (the common case) pays for few items.
    for await (const batch of this.batchesFrom(doc, after, (page) => Math.min(2 ** (page + 1), 64))) {
      for (const e of batch.entries) {
        if (e.seq <= after) continue;
        out.push(e);
        if (out.length >= limit) return out;
      }
    }
    return out;
  }

  async batchesAfter(doc: DocRef, after: number): Promise<LogBatch[]> {
    const out: LogBatch[] = [];
    for await (const batch of this.batchesFrom(doc, after)) out.push(batch);
    return out;
  }

  /**
   * Newest batches first, in growing pages; only batches whose ids hold the op come back
   * (FilterExpression). Reads are billed on whole batch items: receipts are the fallback,
   * clients learn seqs from the log and the live stream.
   */
  async findOp(doc: DocRef, opId: string): Promise<{ seq: number } | undefined> {
    const pages = this.table.query(
      {
        KeyConditionExpression: "pk = :pk AND begins_with(sk, :b)",
        FilterExpression: "contains(ids, :needle)",
        ProjectionExpression: "sk, ids",
        ExpressionAttributeValues: { ":pk": S(docKey(doc)), ":b": S(BATCH), ":needle": S(`,${opId},`) },
        ScanIndexForward: false,
        ConsistentRead: true,
      },
      (page) => Math.min(8 * 2 ** page, 512),
    );
    for await (const items of pages) {
      for (const item of items) {
        const k = str(item, "ids").slice(1, -1).split(",").indexOf(opId);
        if (k >= 0) return { seq: Number(str(item, "sk").slice(BATCH.length)) + k };
      }
    }
    return undefined;
  }

  /**
   * Batches holding a seq > after, ascending: the batch holding after+1 is found with one
   * descending Limit-1 query, the rest with an ascending query starting just past it.
   */
  private async *batchesFrom(doc: DocRef, after: number, pageLimit?: (page: number) => number): AsyncGenerator<LogBatch> {
    const pk = docKey(doc);
    const [holding] = await this.firstPage({
      KeyConditionExpression: "pk = :pk AND sk BETWEEN :lo AND :hi",
      ExpressionAttributeValues: { ":pk": S(pk), ":lo": S(BATCH), ":hi": S(BATCH + padSeq(after + 1)) },
      ScanIndexForward: false,
      Limit: 1,
    });
    let from = BATCH;
    if (holding) {
      const batch = toBatch(doc, holding);
      if (batch.seqEnd > after) yield batch;
      from = BATCH + padSeq(batch.seqStart + 1);
    }
    const pages = this.table.query(
      {
        KeyConditionExpression: "pk = :pk AND sk BETWEEN :lo AND :hi",
        ExpressionAttributeValues: { ":pk": S(pk), ":lo": S(from), ":hi": S(BATCH + AFTER_DIGITS) },
        ConsistentRead: true,
      },
      pageLimit,
    );
    for await (const items of pages) for (const item of items) yield toBatch(doc, item);
  }

  private async firstPage(input: Parameters<Table["query"]>[0]): Promise<Item[]> {
    const pages = this.table.query({ ...input, ConsistentRead: true });
    const first = await pages.next();
    await pages.return(undefined);
    return first.done ? [] : first.value;
  }

}

/**
 * A log table stream record's NewImage as the batch it stores, or undefined for an item that
 * is not a batch. Stream consumers (materializer, broadcaster) read batches only this way.
 */
export function logBatchFromImage(image: ItemImage): LogBatch | undefined {
  if (!str(image, "sk").startsWith(BATCH)) return undefined;
  return toBatch(parseDocKey(str(image, "pk")), image as Item);
}

/** What `entries` holds since the clients' progress moved into it. */
interface PackedBatch {
  entries: LogEntry[];
  clients: LogBatch["clients"];
}

function toBatch(doc: DocRef, item: Item): LogBatch {
  const seqStart = Number(str(item, "sk").slice(BATCH.length));
  const packed = unpackJson<PackedBatch | LogEntry[]>(bin(item, "entries"));
  // An item from before: the entries alone in the blob, the clients as JSON beside it.
  const { entries, clients } = Array.isArray(packed) ? { entries: packed, clients: JSON.parse(str(item, "clients")) as LogBatch["clients"] } : packed;
  return {
    doc: { tenant: doc.tenant, docId: doc.docId },
    seqStart,
    seqEnd: num(item, "seqEnd"),
    entries,
    lenAfter: num(item, "lenAfter"),
    clients,
    committedAt: num(item, "committedAt"),
    ...(item.aclBefore?.S ? { aclBefore: parseAcl(item.aclBefore.S) } : {}),
    ...(item.deliveredLive?.BOOL ? { deliveredLive: true as const } : {}),
  };
}

/** `ids` maps the k-th id to seqStart + k, so a batch must hold exactly seqStart..seqEnd in order. */
function assertConsecutive(batch: LogBatch): void {
  const ok =
    batch.entries.length === batch.seqEnd - batch.seqStart + 1 && batch.entries.every((e, k) => e.seq === batch.seqStart + k);
  if (!ok) throw new Error(`log batch ${batch.seqStart}..${batch.seqEnd} does not hold exactly those seqs in order`);
}
