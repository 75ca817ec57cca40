import { docKey, type DocLease, type DocLeaseStore, type DocRef, type LeaseClaim } from "@weft/core";
import { N, S, num, str } from "./codec.js";
import { Table, type DynamoAdapterOptions, type Item } from "./table.js";

/** The lease's sort key in the document's item collection of the `state` table. */
const LEASE_SK = "lease";

/**
 * DocLeaseStore in the `state` table: one item per document (pk = docKey, sk = "lease":
 * owner, address, epoch, expiresAt). `acquire` is one conditional UpdateItem (the holder's item
 * comes back on refusal at no extra read), `release` one conditional UpdateItem that stores it
 * expired; both ~1 write unit. The item stays (a released or expired lease keeps its epoch).
 */
export class DynamoDocLeaseStore implements DocLeaseStore {
  private readonly table: Table;

  constructor(opts: DynamoAdapterOptions) {
    this.table = new Table(opts);
  }

  async acquire(doc: DocRef, claim: LeaseClaim): Promise<{ held: boolean; lease: DocLease }> {
    const result = await this.table.conditional({
      update: {
        Key: key(doc),
        UpdateExpression: "SET #o = :o, #a = :a, #x = :x ADD #e :one",
        ConditionExpression: "attribute_not_exists(pk) OR #o = :o OR #x <= :now",
        ExpressionAttributeNames: { "#o": "owner", "#a": "address", "#x": "expiresAt", "#e": "epoch" },
        ExpressionAttributeValues: { ":o": S(claim.owner), ":a": S(claim.address), ":x": N(claim.expiresAt), ":now": N(claim.now), ":one": N(1) },
        ReturnValues: "ALL_NEW",
      },
    });
    if (result.ok) return { held: true, lease: leaseOf(result.attributes!) };
    // Refused: the condition failed on an existing item, which came back with the failure.
    return { held: false, lease: leaseOf(result.existing!) };
  }

  async get(doc: DocRef): Promise<DocLease | undefined> {
    const item = await this.table.get(key(doc));
    return item && leaseOf(item);
  }

  async release(doc: DocRef, owner: string, epoch: number): Promise<boolean> {
    const result = await this.table.conditional({
      update: {
        Key: key(doc),
        UpdateExpression: "SET #x = :zero",
        ConditionExpression: "#o = :o AND #e = :e",
        ExpressionAttributeNames: { "#o": "owner", "#x": "expiresAt", "#e": "epoch" },
        ExpressionAttributeValues: { ":o": S(owner), ":e": N(epoch), ":zero": N(0) },
      },
    });
    return result.ok;
  }
}

function key(doc: DocRef): Item {
  return { pk: S(docKey(doc)), sk: S(LEASE_SK) };
}

function leaseOf(item: Item): DocLease {
  return { owner: str(item, "owner"), address: str(item, "address"), epoch: num(item, "epoch"), expiresAt: num(item, "expiresAt") };
}
