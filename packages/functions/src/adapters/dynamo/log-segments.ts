import type { DocRef, LogBatch, ObjectStore } from "@weft/core";
import { N, S, bin, num, packJson, padSeq, str, unpackJson } from "./codec.js";
import type { Item, Table } from "./table.js";

/**
 * Segments of the `log` table: a run of one document's consecutive batches compacted into one
 * item, sk `s#<12-digit seqStart>`, `seqEnd` (N), `lastStart` (N: its last batch's seqStart, the
 * key of that batch's item), `b` (B: Brotli JSON `{"batches": [...]}`, each batch as the log
 * stores it without its document). A keystroke's batch item costs ~250 bytes
 * as DynamoDB bills it; in a day's segment the same op is ~25 bytes (docs/cost.md, "The log's
 * year of raw ops in segments"). Segments are written by the compactor (DynamoLogStore.compact)
 * and read where the batch items no longer cover a range (their TTL deleted them).
 *
 * With an ObjectStore (S3: the segments bucket), a segment's body lives there instead of in `b`:
 * the item keeps its keys, `seqEnd` and `lastStart`, and names the object in `o` (S), so the table
 * holds ~100 bytes a segment and S3 the body at a tenth of DynamoDB's price a GB (docs/cost.md,
 * cut 30). The object is put before its item, under a key naming the segment's whole range
 * (`segmentObjectKey`), so an item only ever names an object that holds exactly its batches: two
 * racing compactions write different objects, and the loser's item write fails (its object is
 * left over, unread). Both kinds of item are read.
 */
export const SEGMENT = "s#";
/** Sorts after every digit. */
const AFTER_DIGITS = "~";
/** A segment's compressed size at most (DynamoDB's item limit is 400 KB). */
export const MAX_SEGMENT_BYTES = 300_000;

type StoredBatch = Omit<LogBatch, "doc">;

/** The segment items holding `batches` (consecutive, ascending), each under MAX_SEGMENT_BYTES compressed. */
export function segmentItems(pk: string, batches: readonly LogBatch[], maxBytes = MAX_SEGMENT_BYTES): Item[] {
  if (batches.length === 0) return [];
  const stored: StoredBatch[] = batches.map(({ doc: _doc, ...rest }) => rest);
  const packed = packJson({ batches: stored });
  if (packed.length > maxBytes && batches.length > 1) {
    const half = Math.ceil(batches.length / 2);
    return [...segmentItems(pk, batches.slice(0, half), maxBytes), ...segmentItems(pk, batches.slice(half), maxBytes)];
  }
  const first = batches[0];
  const last = batches[batches.length - 1];
  return [{ pk: S(pk), sk: S(SEGMENT + padSeq(first.seqStart)), seqEnd: N(last.seqEnd), lastStart: N(last.seqStart), b: { B: packed } }];
}

/** The object holding the body of the segment of `pk` from `seqStart` to `seqEnd`. */
export function segmentObjectKey(pk: string, seqStart: number, seqEnd: number): string {
  return `segments/${pk}/${padSeq(seqStart)}-${padSeq(seqEnd)}`;
}

/** The items to write for `items` (from segmentItems) when bodies go to `objects`: each body put first, the item then naming it. */
export async function withBodiesIn(objects: ObjectStore, pk: string, items: Item[]): Promise<Item[]> {
  const out: Item[] = [];
  for (const item of items) {
    const { b, ...rest } = item;
    const key = segmentObjectKey(pk, Number(str(item, "sk").slice(SEGMENT.length)), num(item, "seqEnd"));
    await objects.put(key, bytesOf(bin(item, "b")));
    out.push({ ...rest, o: S(key) });
  }
  return out;
}

/** A segment item's batches, ascending: from its `b`, or from the object its `o` names. */
export async function segmentBatches(doc: DocRef, item: Item, objects: ObjectStore | undefined): Promise<LogBatch[]> {
  const { batches } = unpackJson<{ batches: StoredBatch[] }>(await segmentBody(item, objects));
  return batches.map((b) => ({ ...b, doc: { tenant: doc.tenant, docId: doc.docId } }));
}

async function segmentBody(item: Item, objects: ObjectStore | undefined): Promise<Uint8Array> {
  if (item.b?.B) return bytesOf(bin(item, "b"));
  const key = str(item, "o");
  if (!objects) throw new Error(`log segment ${str(item, "pk")} ${str(item, "sk")} is in the segments bucket, which this process is not wired to`);
  const body = await objects.get(key);
  if (!body) throw new Error(`log segment ${str(item, "pk")} ${str(item, "sk")}: its object ${key} is missing`);
  return body;
}

/**
 * The segmented batches holding seqs after..through (inclusive), ascending: the segment holding
 * after+1 (one descending Limit-1 query), then the following ones up to `through`.
 */
export async function* segmentRange(
  table: Table,
  objects: ObjectStore | undefined,
  doc: DocRef,
  pk: string,
  after: number,
  through: number,
): AsyncGenerator<LogBatch> {
  const first = await firstItem(table, {
    KeyConditionExpression: "pk = :pk AND sk BETWEEN :lo AND :hi",
    ExpressionAttributeValues: { ":pk": S(pk), ":lo": S(SEGMENT), ":hi": S(SEGMENT + padSeq(after + 1)) },
    ScanIndexForward: false,
    Limit: 1,
  });
  const from = first && num(first, "seqEnd") > after ? str(first, "sk") : SEGMENT + padSeq(after + 1);
  const pages = table.query({
    KeyConditionExpression: "pk = :pk AND sk BETWEEN :lo AND :hi",
    ExpressionAttributeValues: { ":pk": S(pk), ":lo": S(from), ":hi": S(SEGMENT + padSeq(through)) },
    ConsistentRead: true,
  });
  for await (const items of pages) {
    for (const item of items) {
      for (const b of await segmentBatches(doc, item, objects)) if (b.seqEnd > after && b.seqStart <= through) yield b;
    }
  }
}

/** The last segment item of the document, if any. */
export function lastSegment(table: Table, pk: string): Promise<Item | undefined> {
  return firstItem(table, {
    KeyConditionExpression: "pk = :pk AND sk BETWEEN :lo AND :hi",
    ExpressionAttributeValues: { ":pk": S(pk), ":lo": S(SEGMENT), ":hi": S(SEGMENT + AFTER_DIGITS) },
    ScanIndexForward: false,
    Limit: 1,
  });
}

/** Segment items, newest first, in growing pages (findOp's fallback). */
export function segmentsNewestFirst(table: Table, pk: string): AsyncGenerator<Item[]> {
  return table.query(
    {
      KeyConditionExpression: "pk = :pk AND begins_with(sk, :s)",
      ExpressionAttributeValues: { ":pk": S(pk), ":s": S(SEGMENT) },
      ScanIndexForward: false,
      ConsistentRead: true,
    },
    (page) => Math.min(2 * 2 ** page, 32),
  );
}

async function firstItem(table: Table, input: Parameters<Table["query"]>[0]): Promise<Item | undefined> {
  const pages = table.query({ ...input, ConsistentRead: true });
  const first = await pages.next();
  await pages.return(undefined);
  return first.done ? undefined : first.value[0];
}

/** A Binary attribute's bytes (the SDK's codec may hand base64 text). */
function bytesOf(b: Uint8Array | string): Uint8Array {
  return typeof b === "string" ? Buffer.from(b, "base64") : b;
}
