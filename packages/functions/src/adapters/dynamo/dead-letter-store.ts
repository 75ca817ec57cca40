import {
  TransactionCanceledException,
  TransactWriteItemsCommand,
  UpdateItemCommand,
  type ConsumedCapacity,
  type TransactWriteItem,
} from "@aws-sdk/client-dynamodb";
import { DEAD_LETTER_ID_PATTERN, WeftError, type DeadLetter, type DeadLetterStore } from "@weft/core";
import type { CapacityMeter } from "./capacity.js";
import { N, S, bin, expiresAfter, num, packJson, str, unpackJson } from "./codec.js";
import { Table, type DynamoAdapterOptions, type Item } from "./table.js";

/** Dead letters expire 30 days after they were recorded (SQS keeps a dead-letter queue's messages 14 days at most). */
const DEAD_LETTER_TTL_DAYS = 30;

type Stored = Omit<DeadLetter, "status" | "redrivenAt" | "redrives">;

/**
 * DeadLetterStore on the `deadLetters` table, one partition per tenant:
 * - the letter: sk = "d#" + id (ids sort by deadAt), the letter as compressed JSON, with
 *   status / redrivenAt / redrives as plain attributes so a re-drive is one UpdateItem;
 * - a guard per (eventId, rule): sk = "e#" + eventId + "#" + rule, holding the letter's id.
 * `put` writes both in one transaction conditioned on the guard not existing (that is the
 * idempotency); `delete` removes both in one transaction. Listing is a descending Query over
 * the "d#" range; the cursor is the base64url of the last returned id (the partition always
 * comes from the tenant argument, so a cursor cannot reach another tenant).
 */
export class DynamoDeadLetterStore implements DeadLetterStore {
  private readonly table: Table;
  private readonly meter?: CapacityMeter;

  constructor(opts: DynamoAdapterOptions) {
    this.table = new Table(opts);
    this.meter = opts.meter;
  }

  async put(letter: DeadLetter): Promise<"stored" | "duplicate"> {
    const { status, redrivenAt, redrives, ...stored } = letter;
    const expiresAt = N(expiresAfter(letter.deadAt, DEAD_LETTER_TTL_DAYS));
    const letterItem: Item = {
      pk: S(letter.tenant),
      sk: S(letterKey(letter.id)),
      letter: { B: packJson(stored satisfies Stored) },
      status: S(status),
      redrives: N(redrives),
      ...(redrivenAt !== undefined ? { redrivenAt: N(redrivenAt) } : {}),
      expiresAt,
    };
    const guard: Item = { pk: S(letter.tenant), sk: S(guardKey(letter.eventId, letter.rule)), id: S(letter.id), expiresAt };
    const ok = await this.transact([
      { Put: { TableName: this.table.name, Item: guard, ConditionExpression: "attribute_not_exists(pk)" } },
      { Put: { TableName: this.table.name, Item: letterItem } },
    ]);
    return ok ? "stored" : "duplicate";
  }

  async list(tenant: string, limit: number, cursor?: string): Promise<{ deadLetters: DeadLetter[]; cursor?: string }> {
    const hi = cursor === undefined ? "d$" : letterKey(decodeCursor(cursor));
    if (limit <= 0) return { deadLetters: [] };
    const items: Item[] = [];
    const pages = this.table.query(
      {
        KeyConditionExpression: "pk = :pk AND sk BETWEEN :lo AND :hi",
        ExpressionAttributeValues: { ":pk": S(tenant), ":lo": S("d#"), ":hi": S(hi) },
        ScanIndexForward: false,
        ConsistentRead: true,
      },
      () => limit + 2 - items.length,
    );
    for await (const page of pages) {
      // BETWEEN is inclusive: the cursor's own item is skipped here.
      items.push(...page.filter((i) => str(i, "sk") !== hi));
      if (items.length > limit) break;
    }
    const deadLetters = items.slice(0, limit).map(fromItem);
    if (items.length <= limit) return { deadLetters };
    return { deadLetters, cursor: Buffer.from(deadLetters[limit - 1].id).toString("base64url") };
  }

  async get(tenant: string, id: string): Promise<DeadLetter | undefined> {
    if (!DEAD_LETTER_ID_PATTERN.test(id)) return undefined;
    const item = await this.table.get({ pk: S(tenant), sk: S(letterKey(id)) });
    return item && fromItem(item);
  }

  async markRedriven(tenant: string, id: string, at: number): Promise<DeadLetter | undefined> {
    if (!DEAD_LETTER_ID_PATTERN.test(id)) return undefined;
    try {
      const out = await this.table.client.send(
        new UpdateItemCommand({
          TableName: this.table.name,
          Key: { pk: S(tenant), sk: S(letterKey(id)) },
          ConditionExpression: "attribute_exists(pk)",
          UpdateExpression: "SET #status = :redriven, redrivenAt = :at ADD redrives :one",
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: { ":redriven": S("redriven"), ":at": N(at), ":one": N(1) },
          ReturnValues: "ALL_NEW",
          ReturnConsumedCapacity: "TOTAL",
        }),
      );
      this.report(out.ConsumedCapacity);
      return out.Attributes && fromItem(out.Attributes);
    } catch (err) {
      if ((err as Error).name === "ConditionalCheckFailedException") return undefined;
      throw err;
    }
  }

  async delete(tenant: string, id: string): Promise<boolean> {
    const letter = await this.get(tenant, id);
    if (!letter) return false;
    return this.transact([
      { Delete: { TableName: this.table.name, Key: { pk: S(tenant), sk: S(letterKey(id)) }, ConditionExpression: "attribute_exists(pk)" } },
      { Delete: { TableName: this.table.name, Key: { pk: S(tenant), sk: S(guardKey(letter.eventId, letter.rule)) } } },
    ]);
  }

  /** Runs a transaction; false when a condition failed (nothing written). */
  private async transact(items: TransactWriteItem[]): Promise<boolean> {
    try {
      const out = await this.table.client.send(new TransactWriteItemsCommand({ TransactItems: items, ReturnConsumedCapacity: "TOTAL" }));
      this.report(out.ConsumedCapacity);
      return true;
    } catch (err) {
      if (err instanceof TransactionCanceledException && err.CancellationReasons?.some((r) => r.Code === "ConditionalCheckFailed")) {
        return false;
      }
      throw err;
    }
  }

  private report(consumed: ConsumedCapacity | ConsumedCapacity[] | undefined): void {
    if (!this.meter || !consumed) return;
    for (const c of Array.isArray(consumed) ? consumed : [consumed]) this.meter.add(c.TableName ?? this.table.name, "write", c.CapacityUnits ?? 0);
  }
}

function letterKey(id: string): string {
  return `d#${id}`;
}

function guardKey(eventId: string, rule: string): string {
  return `e#${eventId}#${rule}`;
}

function fromItem(item: Item): DeadLetter {
  const stored = unpackJson<Stored>(bin(item, "letter"));
  const letter: DeadLetter = { ...stored, status: str(item, "status") === "redriven" ? "redriven" : "dead", redrives: num(item, "redrives") };
  if (item.redrivenAt?.N !== undefined) letter.redrivenAt = num(item, "redrivenAt");
  return letter;
}

function decodeCursor(cursor: string): string {
  const id = Buffer.from(cursor, "base64url").toString("utf8");
  if (!DEAD_LETTER_ID_PATTERN.test(id)) throw new WeftError("invalid_request", "invalid dead-letter cursor");
  return id;
}
