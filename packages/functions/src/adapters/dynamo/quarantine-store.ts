import { WeftError, type QuarantineRecord, type QuarantineStore } from "@weft/core";
import { N, S, bin, expiresAfter, packJson, padTime, str, unpackJson } from "./codec.js";
import { Table, type DynamoAdapterOptions, type Item } from "./table.js";

const QUARANTINE_TTL_DAYS = 30;

/**
 * QuarantineStore on the `quarantine` table: pk = tenant, sk = 16-digit at + "#" + id, the
 * record as compressed JSON. Listing is a descending Query; the cursor is the base64url of
 * the last returned sort key (the partition always comes from the tenant argument, so a
 * cursor can never reach another tenant).
 */
export class DynamoQuarantineStore implements QuarantineStore {
  private readonly table: Table;

  constructor(opts: DynamoAdapterOptions) {
    this.table = new Table(opts);
  }

  /** Conditional, so a record is never modified; a put of an existing id is a no-op. */
  async put(record: QuarantineRecord): Promise<void> {
    await this.table.conditional({
      put: {
        Item: {
          pk: S(record.tenant),
          sk: S(sortKey(record)),
          record: { B: packJson(record) },
          expiresAt: N(expiresAfter(record.at, QUARANTINE_TTL_DAYS)),
        },
        ConditionExpression: "attribute_not_exists(pk)",
      },
    });
  }

  /** Reads limit + 1 items, so a cursor is returned only when another record exists. */
  async list(tenant: string, limit: number, cursor?: string): Promise<{ records: QuarantineRecord[]; cursor?: string }> {
    const from = cursor === undefined ? undefined : decodeCursor(cursor);
    if (limit <= 0) return { records: [] };
    const items: Item[] = [];
    const pages = this.table.query(
      {
        KeyConditionExpression: from === undefined ? "pk = :pk" : "pk = :pk AND sk < :from",
        ExpressionAttributeValues: { ":pk": S(tenant), ...(from === undefined ? {} : { ":from": S(from) }) },
        ScanIndexForward: false,
        ConsistentRead: true,
      },
      () => limit + 1 - items.length,
    );
    for await (const page of pages) {
      items.push(...page);
      if (items.length > limit) break;
    }
    const records = items.slice(0, limit).map((item) => unpackJson<QuarantineRecord>(bin(item, "record")));
    if (items.length <= limit) return { records };
    return { records, cursor: Buffer.from(str(items[limit - 1], "sk")).toString("base64url") };
  }
}

function sortKey(r: QuarantineRecord): string {
  return `${padTime(r.at)}#${r.id}`;
}

function decodeCursor(cursor: string): string {
  const key = Buffer.from(cursor, "base64url").toString("utf8");
  if (!/^\d{16}#./.test(key)) throw new WeftError("invalid_request", "invalid quarantine cursor");
  return key;
}
