import { randomBytes } from "node:crypto";
import { docKey, type DocRef, type InboxChange, type InboxRecord, type InboxStore, type Op } from "@weft/core";
import { N, S, bin, expiresAfter, num, packJson, padSeq, padTime, str, unpackJson, type ItemImage } from "./codec.js";
import { Table, type DynamoAdapterOptions, type Item } from "./table.js";

/** Inbox items outlive any sequencer retry window (stream records live 24 h), then expire by TTL. */
const INBOX_TTL_DAYS = 7;

/**
 * InboxStore on the `inbox` table, whose stream feeds the sequencer. One item per change
 * (pk = docKey, sk = "c#" + clientId + "#" + 12-digit firstSeq) with the ops as one
 * compressed Binary attribute; wake-ups are items sk = "w#" + 16-digit dueAt + "#" + nonce.
 *
 * The nonce makes every wake-up a new item, hence a stream INSERT (the only event the
 * sequencer consumes): rewriting an identical item would emit no stream record at all, and
 * a document re-armed with the same dueAt (say, a wake-up processed a moment before the
 * sequencer's clock reached dueAt) would then never be looked at again. A repeated wake-up
 * only makes the sequencer examine the document twice, which is harmless.
 */
export class DynamoInboxStore implements InboxStore {
  private readonly table: Table;

  constructor(opts: DynamoAdapterOptions) {
    this.table = new Table(opts);
  }

  /**
   * A conditional put. On a duplicate the stored change comes back on the failure itself
   * (ReturnValuesOnConditionCheckFailure, no extra read), falling back to a consistent get
   * for endpoints that ignore that option.
   */
  async put(change: InboxChange): Promise<{ created: true } | { created: false; existing: InboxChange }> {
    const written = await this.table.conditional({
      put: { Item: changeItem(change), ConditionExpression: "attribute_not_exists(pk)" },
    });
    if (written.ok) return { created: true };
    const existing = written.existing
      ? changeFromImage(written.existing)
      : await this.get(change.doc, change.clientId, change.firstSeq, change.partOf);
    if (!existing) throw new Error("inbox put failed its condition but the change is not there");
    return { created: false, existing };
  }

  async get(doc: DocRef, clientId: string, firstSeq: number, partOf?: number): Promise<InboxChange | undefined> {
    const item = await this.table.get({ pk: S(docKey(doc)), sk: S(changeKey(clientId, firstSeq, partOf)) });
    return item && changeFromImage(item);
  }

  /**
   * Reads every change of the document, letting DynamoDB return only those whose
   * ",id1,id2," list holds ",opId," (delimited, so no id matches inside another).
   */
  async findOp(doc: DocRef, opId: string): Promise<InboxChange | undefined> {
    let best: InboxChange | undefined;
    const pages = this.table.query({
      KeyConditionExpression: "pk = :pk AND begins_with(sk, :c)",
      FilterExpression: "contains(opIds, :needle)",
      ExpressionAttributeValues: { ":pk": S(docKey(doc)), ":c": S("c#"), ":needle": S(`,${opId},`) },
      ConsistentRead: true,
    });
    for await (const items of pages) {
      for (const item of items) {
        const change = changeFromImage(item);
        if (change.ops.some((op) => op.id === opId) && (!best || change.acceptedAt >= best.acceptedAt)) best = change;
      }
    }
    return best;
  }

  async wake(doc: DocRef, dueAt: number): Promise<void> {
    await this.table.put({
      Item: {
        pk: S(docKey(doc)),
        sk: S(`w#${padTime(dueAt)}#${randomBytes(6).toString("base64url")}`),
        kind: S("wake"),
        tenant: S(doc.tenant),
        docId: S(doc.docId),
        dueAt: N(dueAt),
        expiresAt: N(expiresAfter(dueAt, INBOX_TTL_DAYS)),
      },
    });
  }
}

/**
 * Decodes an inbox item as the stream delivers it (a NewImage). Accepts both the SDK's
 * AttributeValues and Lambda's JSON event form (Binary as base64). Throws on anything
 * that is not a change or wake-up item.
 */
export function inboxRecordFromImage(image: ItemImage): InboxRecord {
  const kind = str(image, "kind");
  if (kind === "change") return { kind: "change", change: changeFromImage(image) };
  if (kind === "wake") {
    return { kind: "wake", wake: { doc: { tenant: str(image, "tenant"), docId: str(image, "docId") }, dueAt: num(image, "dueAt") } };
  }
  throw new Error(`not an inbox record kind: ${kind}`);
}

/** A part of a large change sorts right after its primary: `c#<client>#<primary first>#p#<part first>`. */
function changeKey(clientId: string, firstSeq: number, partOf?: number): string {
  if (partOf !== undefined) return `c#${clientId}#${padSeq(partOf)}#p#${padSeq(firstSeq)}`;
  return `c#${clientId}#${padSeq(firstSeq)}`;
}

function changeItem(c: InboxChange): Item {
  return {
    pk: S(docKey(c.doc)),
    sk: S(changeKey(c.clientId, c.firstSeq, c.partOf)),
    kind: S("change"),
    tenant: S(c.doc.tenant),
    docId: S(c.doc.docId),
    clientId: S(c.clientId),
    userId: S(c.userId),
    ...(c.groups?.length ? { groups: S(JSON.stringify(c.groups)) } : {}),
    ...(c.admin ? { admin: N(1) } : {}),
    base: N(c.base),
    firstSeq: N(c.firstSeq),
    lastSeq: N(c.lastSeq),
    acceptedAt: N(c.acceptedAt),
    skewed: N(c.skewed),
    opIds: S(`,${c.ops.map((op) => op.id).join(",")},`),
    ops: { B: packJson(c.ops) },
    expiresAt: N(expiresAfter(c.acceptedAt, INBOX_TTL_DAYS)),
    ...(c.parts?.length ? { parts: S(c.parts.join(",")) } : {}),
    ...(c.partOf !== undefined ? { partOf: N(c.partOf) } : {}),
  };
}

function changeFromImage(image: ItemImage): InboxChange {
  return {
    doc: { tenant: str(image, "tenant"), docId: str(image, "docId") },
    clientId: str(image, "clientId"),
    userId: str(image, "userId"),
    ...("groups" in image ? { groups: JSON.parse(str(image, "groups")) as string[] } : {}),
    ...("admin" in image ? { admin: true } : {}),
    base: num(image, "base"),
    firstSeq: num(image, "firstSeq"),
    lastSeq: num(image, "lastSeq"),
    ops: unpackJson<Op[]>(bin(image, "ops")),
    acceptedAt: num(image, "acceptedAt"),
    skewed: num(image, "skewed"),
    ...("parts" in image ? { parts: str(image, "parts").split(",").map(Number) } : {}),
    ...("partOf" in image ? { partOf: num(image, "partOf") } : {}),
  };
}
