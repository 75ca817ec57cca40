import { DEAD_LETTER_ID_PATTERN, WeftError } from "@weft/core";
import type { DeliveryDeadLetter, DeliveryDeadLetterPage, DeliveryDeadLetterStore } from "@weft/core/notify/delivery/dead-letter-store";
import { assertId, assertTenant } from "@weft/core/notify/stores/common";
import { N, S, bin, expiresAfter, packJson, str, unpackJson } from "./codec.js";
import { EXPIRES_AT, key } from "./notify-keys.js";
import { transactWrite, type TransactAction } from "./notify-transact.js";
import { Table, type DynamoAdapterOptions, type Item } from "./table.js";

/** Days a letter is kept at least (from when it was put), like the bus's dead letters. */
export const DELIVERY_DEAD_LETTER_RETENTION_DAYS = 30;
/** The uniqueness item outlives its letter by a day: TTL deletes the two at different times, and
 *  a guard without its letter only says "duplicate" a little longer, whereas a letter without its
 *  guard would let a second letter of the same delivery in. */
const GUARD_EXTRA_DAYS = 1;
/** Rounds of a transaction that keeps meeting a concurrent one on the same items. */
const CONFLICT_ATTEMPTS = 8;
/** Upper bound of one Query page's Limit (a filtered listing grows its pages up to it). */
const MAX_PAGE = 1000;

const LETTER = "l#";
/** Sorts after every id character, so `l$` bounds the letters from above. */
const LETTERS_END = "l$";
const GUARD = "u#";

/**
 * DeliveryDeadLetterStore on the `notify` table, one partition per tenant (dead letters are
 * rare: an admin's inspection list, not a hot path):
 *
 * | pk | sk | what |
 * |---|---|---|
 * | `x#<tenant>` | `l#<letter id>` | the letter: `l` = compressed JSON, `u` = userId (for the filter), `expiresAt` |
 * | `x#<tenant>` | `u#<channel>#<notificationId>` | uniqueness item of (notificationId, channel): `id` = the letter's id, `expiresAt` |
 *
 * `put` is one TransactWriteItems of both puts, each conditioned on its item's absence: that
 * is the idempotency (4 WCU for a letter under 1 KB, also when it is a duplicate). `delete` is
 * a GetItem of the letter (for its uniqueness key) and a transaction deleting both, the letter
 * conditioned on existing (1 RCU + 4 WCU). `list` is a descending, strongly consistent Query of
 * the `l#` range below the cursor (the last id returned, checked against
 * DEAD_LETTER_ID_PATTERN; the partition always comes from the tenant argument, so a cursor
 * cannot reach another tenant); a `userId` filter is a FilterExpression, so it reads (and pays
 * for) the tenant's letters it skips. Items carry `expiresAt` = max(deadAt, wall clock at put)
 * + 30 days: unlike the memory adapter, letters nobody deleted are dropped by TTL.
 */
export class DynamoDeliveryDeadLetterStore implements DeliveryDeadLetterStore {
  private readonly table: Table;
  private readonly meter: DynamoAdapterOptions["meter"];

  constructor(opts: DynamoAdapterOptions) {
    this.table = new Table(opts);
    this.meter = opts.meter;
  }

  async put(letter: DeliveryDeadLetter): Promise<"stored" | "duplicate"> {
    assertTenant(letter.tenant);
    if (typeof letter.id !== "string" || !DEAD_LETTER_ID_PATTERN.test(letter.id)) {
      throw new WeftError("invalid_request", "dead letter id must come from deliveryDeadLetterId", [{ path: "id", issue: `got ${JSON.stringify(String(letter.id).slice(0, 40))}` }]);
    }
    assertId(letter.notificationId, "notificationId");
    assertId(letter.userId, "userId");
    const pk = partition(letter.tenant);
    const expires = expiresAfter(Math.max(letter.deadAt, Date.now()), DELIVERY_DEAD_LETTER_RETENTION_DAYS);
    const absent = "attribute_not_exists(pk)";
    const actions: TransactAction[] = [
      {
        put: {
          Item: { ...key(pk, guardSk(letter)), id: S(letter.id), [EXPIRES_AT]: N(expires + GUARD_EXTRA_DAYS * 86_400) },
          ConditionExpression: absent,
        },
      },
      // Absent too: two different deliveries whose ids coincide (same ms, colliding 64-bit hashes) must not overwrite each other.
      { put: { Item: { ...key(pk, LETTER + letter.id), l: { B: packJson(letter) }, u: S(letter.userId), [EXPIRES_AT]: N(expires) }, ConditionExpression: absent } },
    ];
    return (await this.transact(actions)) ? "stored" : "duplicate";
  }

  async list(tenant: string, q: { limit: number; cursor?: string; userId?: string }): Promise<DeliveryDeadLetterPage> {
    if (q.cursor !== undefined && !DEAD_LETTER_ID_PATTERN.test(q.cursor)) {
      throw new WeftError("invalid_request", "invalid dead-letter cursor", [{ path: "cursor", issue: "not a cursor this store issued" }]);
    }
    const limit = Math.floor(q.limit);
    if (!(limit > 0)) return { letters: [] };
    const hi = q.cursor === undefined ? LETTERS_END : LETTER + q.cursor;
    const found: Item[] = [];
    const pages = this.table.query(
      {
        // BETWEEN is inclusive: the cursor's own letter is skipped below.
        KeyConditionExpression: "pk = :pk AND sk BETWEEN :lo AND :hi",
        ExpressionAttributeValues: {
          ":pk": S(partition(tenant)),
          ":lo": S(LETTER),
          ":hi": S(hi),
          ...(q.userId !== undefined ? { ":u": S(q.userId) } : {}),
        },
        ...(q.userId !== undefined ? { FilterExpression: "u = :u" } : {}),
        ScanIndexForward: false,
        ConsistentRead: true,
      },
      // limit + 1 letters tell whether more exist; one more covers the cursor's. A filtered listing
      // grows its pages, since the letters it wants may be sparse.
      (n) => Math.min(MAX_PAGE, q.userId === undefined ? limit + 2 - found.length : (limit + 2) * 2 ** n),
    );
    for await (const items of pages) {
      found.push(...items.filter((i) => str(i, "sk") !== hi));
      if (found.length > limit) break;
    }
    const letters = found.slice(0, limit).map((i) => unpackJson<DeliveryDeadLetter>(bin(i, "l")));
    return found.length > limit ? { letters, cursor: letters[limit - 1].id } : { letters };
  }

  async delete(tenant: string, id: string): Promise<boolean> {
    if (typeof id !== "string" || !DEAD_LETTER_ID_PATTERN.test(id)) return false;
    const letterKey = key(partition(tenant), LETTER + id);
    const item = await this.table.get(letterKey);
    if (!item) return false;
    const letter = unpackJson<DeliveryDeadLetter>(bin(item, "l"));
    return this.transact([
      { delete: { Key: letterKey, ConditionExpression: "attribute_exists(pk)" } },
      { delete: { Key: key(partition(tenant), guardSk(letter)) } },
    ]);
  }

  /**
   * Runs a transaction: true when it was written, false when a condition failed. A conflict
   * with a concurrent transaction on the same items is run again (its outcome then decides).
   */
  private async transact(actions: TransactAction[]): Promise<boolean> {
    for (let attempt = 0; attempt < CONFLICT_ATTEMPTS; attempt++) {
      const r = await transactWrite(this.table, this.meter, actions);
      if (r.ok) return true;
      if (r.codes.includes("ConditionalCheckFailed")) return false;
      if (!r.codes.includes("TransactionConflict")) throw new Error(`dead-letter transaction canceled: ${r.codes.join(", ")}`);
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * 2 ** attempt));
    }
    throw new Error(`dead-letter transaction kept conflicting (${CONFLICT_ATTEMPTS} attempts)`);
  }
}

function partition(tenant: string): string {
  return `x#${tenant}`;
}

function guardSk(letter: Pick<DeliveryDeadLetter, "channel" | "notificationId">): string {
  return `${GUARD}${letter.channel}#${letter.notificationId}`;
}
