import { randomBytes } from "node:crypto";
import { docKey, type DocHead, type DocRef, type DocStateStore, type StoredSnapshot } from "@weft/core";
import { N, S, bin, num, packText, padSeq, str, unpackText } from "./codec.js";
import { Table, type DynamoAdapterOptions, type Item } from "./table.js";

const HEAD = "head";
const META = "s#";
const PART = "p#";
/** Compressed bytes per part item: half of DynamoDB's 400 KB item limit, whatever the keys. */
export const SNAPSHOT_PART_BYTES = 200_000;
/** Largest version a sort key holds (12 digits, as log seqs). */
const MAX_KEY_VERSION = 999_999_999_999;
/** Reads that found a snapshot being replaced under them try again this often. */
const READ_ATTEMPTS = 3;

/**
 * DocStateStore on the `docs` table, per document (pk = docKey):
 * - `head`: version, snapshotVersion, snapshotBytes, logBytes, updatedAt, materializedAt.
 *   Written with one conditional PutItem (~100 bytes: 1 write unit) per materialized batch.
 * - `s#<version, 12 digits>`: a snapshot's meta item: its write id `wid`, part count, sizes.
 * - `p#<version>#<wid>#<part, 4 digits>`: the snapshot's encoding, Brotli-compressed
 *   (codec.ts packText) and cut into parts of SNAPSHOT_PART_BYTES, so a 2 MiB document
 *   (~4 MiB encoded, ~1 MB compressed for prose) is a handful of items far below 400 KB.
 *
 * A snapshot is written parts first, then its meta item (the commit point): a reader finds
 * the meta with one descending Limit-1 Query, then reads the parts of that write id with one
 * Query, so it never mixes two writes. Replacing a snapshot at the same version (a rebuild)
 * writes new parts under a new write id, switches the meta, then deletes the old parts; a
 * reader that loses that race finds parts missing and reads the meta again.
 */
export class DynamoDocStateStore implements DocStateStore {
  private readonly table: Table;

  constructor(opts: DynamoAdapterOptions) {
    this.table = new Table(opts);
  }

  async head(doc: DocRef): Promise<DocHead | undefined> {
    const item = await this.table.get({ pk: S(docKey(doc)), sk: S(HEAD) });
    return item && headFromItem(item);
  }

  /** One conditional PutItem: written iff absent or older by (version, snapshotVersion). */
  async putHead(doc: DocRef, head: DocHead): Promise<{ ok: true } | { ok: false; current: DocHead }> {
    checkVersion(head.version);
    const written = await this.table.conditional({
      put: {
        Item: {
          pk: S(docKey(doc)),
          sk: S(HEAD),
          v: N(head.version),
          sv: N(head.snapshotVersion),
          snapshotBytes: N(head.snapshotBytes),
          logBytes: N(head.logBytesSinceSnapshot),
          updatedAt: N(head.updatedAt),
          materializedAt: N(head.materializedAt),
        },
        ConditionExpression: "attribute_not_exists(pk) OR v < :v OR (v = :v AND sv <= :sv)",
        ExpressionAttributeValues: { ":v": N(head.version), ":sv": N(head.snapshotVersion) },
      },
    });
    if (written.ok) return { ok: true };
    if (!written.existing) throw new Error(`docs head of ${docKey(doc)}: condition failed without an item`);
    return { ok: false, current: headFromItem(written.existing) };
  }

  async putSnapshot(doc: DocRef, version: number, encoded: string): Promise<void> {
    checkVersion(version);
    if (version > MAX_KEY_VERSION) throw new RangeError(`snapshot version ${version} does not fit a sort key`);
    const pk = docKey(doc);
    const packed = packText(encoded);
    const wid = randomBytes(6).toString("hex");
    const parts: Item[] = [];
    for (let at = 0, k = 0; at < packed.length || k === 0; at += SNAPSHOT_PART_BYTES, k++) {
      parts.push({ pk: S(pk), sk: S(partPrefix(version, wid) + String(k).padStart(4, "0")), data: { B: packed.subarray(at, at + SNAPSHOT_PART_BYTES) } });
    }
    const metaKey = { pk: S(pk), sk: S(META + padSeq(version)) };
    const previous = await this.table.get(metaKey);
    await this.table.batchPut(parts);
    await this.table.put({
      Item: { ...metaKey, wid: S(wid), parts: N(parts.length), packedBytes: N(packed.length), encodedLength: N(encoded.length) },
    });
    if (previous && str(previous, "wid") !== wid) {
      const old = partPrefix(version, str(previous, "wid"));
      for (let k = 0; k < num(previous, "parts"); k++) await this.table.delete({ pk: S(pk), sk: S(old + String(k).padStart(4, "0")) });
    }
  }

  async snapshot(doc: DocRef, atOrBelow: number): Promise<StoredSnapshot | undefined> {
    if (!(atOrBelow >= 1)) return undefined;
    const pk = docKey(doc);
    const upTo = Math.min(Math.floor(atOrBelow), MAX_KEY_VERSION);
    for (let attempt = 1; ; attempt++) {
      const [meta] = await this.firstPage({
        KeyConditionExpression: "pk = :pk AND sk BETWEEN :lo AND :hi",
        ExpressionAttributeValues: { ":pk": S(pk), ":lo": S(META), ":hi": S(META + padSeq(upTo)) },
        ScanIndexForward: false,
        Limit: 1,
      });
      if (!meta) return undefined;
      const version = Number(str(meta, "sk").slice(META.length));
      const chunks: Uint8Array[] = [];
      for await (const items of this.table.query({
        KeyConditionExpression: "pk = :pk AND begins_with(sk, :p)",
        ExpressionAttributeValues: { ":pk": S(pk), ":p": S(partPrefix(version, str(meta, "wid"))) },
        ConsistentRead: true,
      })) {
        for (const item of items) chunks.push(binary(bin(item, "data")));
      }
      if (chunks.length === num(meta, "parts")) return { version, encoded: unpackText(Buffer.concat(chunks)) };
      if (attempt >= READ_ATTEMPTS) {
        throw new Error(`snapshot ${version} of ${pk}: ${chunks.length} of ${num(meta, "parts")} parts after ${attempt} reads`);
      }
    }
  }

  private async firstPage(input: Parameters<Table["query"]>[0]): Promise<Item[]> {
    const pages = this.table.query({ ...input, ConsistentRead: true });
    const first = await pages.next();
    await pages.return(undefined);
    return first.done ? [] : first.value;
  }
}

function partPrefix(version: number, wid: string): string {
  return `${PART}${padSeq(version)}#${wid}#`;
}

function binary(v: Uint8Array | string): Uint8Array {
  return typeof v === "string" ? Buffer.from(v, "base64") : v;
}

function headFromItem(item: Item): DocHead {
  return {
    version: num(item, "v"),
    snapshotVersion: num(item, "sv"),
    snapshotBytes: num(item, "snapshotBytes"),
    logBytesSinceSnapshot: num(item, "logBytes"),
    updatedAt: num(item, "updatedAt"),
    materializedAt: num(item, "materializedAt"),
  };
}

function checkVersion(version: number): void {
  if (!Number.isSafeInteger(version) || version < 1) throw new RangeError(`doc state version must be an integer >= 1, got ${version}`);
}
