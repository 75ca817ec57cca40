import { CompactionSchedule, aclKey, docKey, parseAcl, parseDocKey, type DocRef, type LogBatch, type LogEntry, type LogHead, type LogStore, type ObjectStore, type TimerStore } from "@weft/core";
import { N, S, bin, num, packJson, padSeq, str, unpackJson, type ItemImage } from "./codec.js";
import { lastSegment, segmentBatches, segmentItems, segmentRange, segmentsNewestFirst, withBodiesIn } from "./log-segments.js";
import { Table, type DynamoAdapterOptions, type Item } from "./table.js";

const BATCH = "b#";
/** The table's TTL attribute (epoch s): set on batch items when the store has a hot retention. */
const EXPIRES_AT = "expiresAt";
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
 *
 * Segments (log-segments.ts, `compact`): with a hot retention, batch items expire (TTL) once
 * `compact` has put them in segments; reads take a range from the batch items and fill what
 * they no longer hold from the segments. The invariant that makes a read's end right: a log's
 * newest batch is always an item (appended items expire only after the hot retention, and
 * `compact` takes the TTL off the newest one), so every batch must be compacted within the hot
 * retention of its append. The store itself sees to it: each append makes sure a compaction
 * timer is due at most a day after it (CompactionSchedule; the log compactor function runs the
 * timers, handlers/log-compactor.ts). Without a hot retention batch items are kept and nothing is
 * scheduled. With `segmentObjects` (the segments bucket) the compactor puts segments' bodies
 * there (log-segments.ts); reads follow either kind of segment item.
 */
export class DynamoLogStore implements LogStore {
  private readonly table: Table;
  private readonly hot?: HotRetention & { schedule: CompactionSchedule };
  private readonly now: () => number;
  private readonly objects?: ObjectStore;
  private readonly expireAfterMs?: number;

  /**
   * `expireAfterMs` (without `hot`): every batch item expires that long after its append and
   * nothing is compacted, for a log kept only a while (the log writer's shadow, wiring.ts).
   */
  constructor(opts: DynamoAdapterOptions & { hot?: HotRetention; now?: () => number; segmentObjects?: ObjectStore; expireAfterMs?: number }) {
    if (opts.hot && opts.expireAfterMs !== undefined) throw new Error("DynamoLogStore: hot retention and expireAfterMs exclude each other");
    this.table = new Table(opts);
    this.expireAfterMs = opts.expireAfterMs;
    this.objects = opts.segmentObjects;
    this.hot = opts.hot ? { ...opts.hot, schedule: opts.hot.schedule ?? new CompactionSchedule() } : undefined;
    this.now = opts.now ?? Date.now;
  }

  async append(batch: LogBatch): Promise<"ok" | "conflict"> {
    assertConsecutive(batch);
    const now = this.now();
    if (this.hot) {
      // The timer before the batch: a batch item that expires is never written without a
      // compaction due before it does. A timer write that fails fails the append with nothing
      // written; a timer for a batch that then loses the race (conflict) compacts what the
      // winner appended, or nothing.
      const key = docKey(batch.doc);
      const dueAt = this.hot.schedule.plan(key, now, batch.entries.length);
      if (dueAt !== undefined) {
        await this.hot.timers.add(batch.doc, dueAt);
        this.hot.schedule.added(key, now, batch.entries.length, dueAt);
      }
    }
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
          ...(this.hot ? { [EXPIRES_AT]: N(this.expiresAt(now)) } : {}),
          ...(this.expireAfterMs !== undefined ? { [EXPIRES_AT]: N(Math.ceil((now + this.expireAfterMs) / 1000)) } : {}),
        },
        ConditionExpression: "attribute_not_exists(pk)",
      },
    });
    return written.ok ? "ok" : "conflict";
  }

  /** A batch item's TTL (epoch s) when appended at `now`. */
  private expiresAt(now: number): number {
    return Math.ceil((now + this.hot!.retentionMs) / 1000);
  }

  async tail(doc: DocRef): Promise<LogBatch | undefined> {
    const [last] = await this.firstPage({
      KeyConditionExpression: "pk = :pk AND begins_with(sk, :p)",
      ExpressionAttributeValues: { ":pk": S(docKey(doc)), ":p": S(BATCH) },
      ScanIndexForward: false,
      Limit: 1,
    });
    return tailFrom(this.table, this.objects, doc, last);
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
    // Older ops live in segments only once their batch items expired (a page's bodies fetched
    // together: with the segments bucket each is a GET).
    for await (const items of segmentsNewestFirst(this.table, docKey(doc))) {
      for (const batches of await Promise.all(items.map((item) => segmentBatches(doc, item, this.objects)))) {
        for (const b of batches) {
          const e = b.entries.find((x) => x.id === opId);
          if (e) return { seq: e.seq };
        }
      }
    }
    return undefined;
  }

  /**
   * Compacts the document's batches after its last segment into segments (log-segments.ts)
   * and takes the TTL off its newest batch item, so that the log's end never expires: after
   * this, every committed seq up to `through` is in a segment, and reads no longer need those
   * batch items. The tail item the previous compaction protected gets its TTL back (it is no
   * longer the newest). Refuses (throws) when the batches after the last segment are not consecutive
   * (an item expired before it was compacted: the compactor ran too late), writing nothing.
   * Idempotent: a repeated or concurrent call writes the same segments or nothing.
   */
  async compact(doc: DocRef): Promise<{ segments: number; ops: number; through: number }> {
    const pk = docKey(doc);
    const last = await lastSegment(this.table, pk);
    const after = last ? num(last, "seqEnd") : 0;
    const batches: LogBatch[] = [];
    const pages = this.table.query({
      KeyConditionExpression: "pk = :pk AND sk BETWEEN :lo AND :hi",
      ExpressionAttributeValues: { ":pk": S(pk), ":lo": S(BATCH + padSeq(after + 1)), ":hi": S(BATCH + AFTER_DIGITS) },
      ConsistentRead: true,
    });
    for await (const items of pages) for (const item of items) batches.push(toBatch(doc, item));
    if (batches.length === 0) return { segments: 0, ops: 0, through: after };
    batches.forEach((b, k) => {
      const expected = k === 0 ? after + 1 : batches[k - 1].seqEnd + 1;
      if (b.seqStart !== expected) throw new Error(`log ${pk}: batches after seq ${after} are not consecutive (seq ${expected} is missing): not compacted`);
    });
    const items = this.objects ? await withBodiesIn(this.objects, pk, segmentItems(pk, batches)) : segmentItems(pk, batches);
    for (const Item of items) {
      await this.table.conditional({ put: { Item, ConditionExpression: "attribute_not_exists(pk)" } });
    }
    const tail = batches[batches.length - 1];
    await this.table.conditional({
      update: { Key: { pk: S(pk), sk: S(BATCH + padSeq(tail.seqStart)) }, UpdateExpression: `REMOVE ${EXPIRES_AT}`, ConditionExpression: "attribute_exists(pk)" },
    });
    if (last?.lastStart?.N && this.hot) {
      // The previous compaction's tail: kept until now, in a segment since then.
      await this.table.conditional({
        update: {
          Key: { pk: S(pk), sk: S(BATCH + padSeq(num(last, "lastStart"))) },
          UpdateExpression: `SET ${EXPIRES_AT} = :e`,
          ConditionExpression: `attribute_exists(pk) AND attribute_not_exists(${EXPIRES_AT})`,
          ExpressionAttributeValues: { ":e": N(this.expiresAt(this.now())) },
        },
      });
    }
    return { segments: items.length, ops: tail.seqEnd - after, through: tail.seqEnd };
  }

  /**
   * Batches holding a seq > after, ascending: the batch holding after+1 is found with one
   * descending Limit-1 query, the rest with an ascending query starting just past it.
   */
  private async *batchesFrom(doc: DocRef, after: number, pageLimit?: (page: number) => number): AsyncGenerator<LogBatch> {
    // Every seq after `after` once, ascending: from the batch items, and from the segments
    // where those no longer hold a range (their TTL deleted them, in any order).
    const pk = docKey(doc);
    let next = after + 1;
    for await (const batch of this.batchItemsFrom(doc, after, pageLimit)) {
      if (batch.seqEnd < next) continue;
      if (batch.seqStart > next) {
        for await (const b of segmentRange(this.table, this.objects, doc, pk, next - 1, batch.seqStart - 1)) {
          if (b.seqEnd < next) continue;
          if (b.seqStart > next) throw new Error(`log ${pk}: seq ${next} is in neither a batch item nor a segment`);
          yield b;
          next = b.seqEnd + 1;
        }
        if (next !== batch.seqStart) throw new Error(`log ${pk}: seqs ${next}..${batch.seqStart - 1} are in neither batch items nor segments`);
      }
      yield batch;
      next = batch.seqEnd + 1;
    }
  }

  /** Batch items holding a seq > after, ascending (segments not consulted). */
  private async *batchItemsFrom(doc: DocRef, after: number, pageLimit?: (page: number) => number): AsyncGenerator<LogBatch> {
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

  private firstPage(input: Parameters<Table["query"]>[0]): Promise<Item[]> {
    return firstPage(this.table, input);
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

/**
 * The sort key of the sequencer's checkpoint item, kept in the log table
 * (DynamoSequencerStateStore): it sorts right after every batch item ("b#~" < it < "s#"), so
 * one descending Query returns it with the log's last batch, and no batch range or segment
 * range of this store ever includes it.
 */
export const LOG_CHECKPOINT_SK = "b~ckpt";

/**
 * The checkpoint item and the log's last batch of `doc` in one strongly consistent Query (1 read
 * unit while both fit in 4 KB), falling back to the last segment as `tail` does.
 */
export async function readCheckpointAndTail(table: Table, doc: DocRef, objects?: ObjectStore): Promise<{ checkpoint?: Item; tail?: LogBatch }> {
  const items = await firstPage(table, {
    KeyConditionExpression: "pk = :pk AND sk BETWEEN :lo AND :hi",
    ExpressionAttributeValues: { ":pk": S(docKey(doc)), ":lo": S(BATCH), ":hi": S(LOG_CHECKPOINT_SK) },
    ScanIndexForward: false,
    Limit: 2,
  });
  const checkpoint = items.find((item) => str(item, "sk") === LOG_CHECKPOINT_SK);
  return { checkpoint, tail: await tailFrom(table, objects, doc, items.find((item) => str(item, "sk").startsWith(BATCH))) };
}

/** The first page of a strongly consistent Query. */
async function firstPage(table: Table, input: Parameters<Table["query"]>[0]): Promise<Item[]> {
  const pages = table.query({ ...input, ConsistentRead: true });
  const first = await pages.next();
  await pages.return(undefined);
  return first.done ? [] : first.value;
}

/**
 * The log's last batch given its newest batch item, if any. Without one: a new document (one
 * Query more, on its first run only), or every batch is in segments because the compactor's
 * protection of the newest item failed. The sequencer takes its next seq from here: without the
 * segment it would append seq 1 again over the segments.
 */
async function tailFrom(table: Table, objects: ObjectStore | undefined, doc: DocRef, last: Item | undefined): Promise<LogBatch | undefined> {
  if (last) return toBatch(doc, last);
  const seg = await lastSegment(table, docKey(doc));
  return seg ? (await segmentBatches(doc, seg, objects)).at(-1) : undefined;
}

/** Where the log compactor's timers live in the state table (DynamoTimerStore options). */
export const LOG_COMPACTION_TIMERS = { prefix: "log-compact", buckets: 1 } as const;

/**
 * A log whose batch items expire: `retentionMs` after its append each batch item gets
 * `expiresAt` (epoch s, the table's TTL attribute), and each append makes sure a compaction is
 * due in `timers` (the log compactor's) well before that (CompactionSchedule).
 */
export interface HotRetention {
  retentionMs: number;
  timers: TimerStore;
  schedule?: CompactionSchedule;
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
