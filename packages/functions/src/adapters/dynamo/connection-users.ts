import { CONNECTION_TTL_SECONDS, type ConnectionInfo } from "@weft/core";
import { N, S, num, str } from "./codec.js";
import type { Item, Table } from "./table.js";

const LAST = "last";
const CONNECTION_PREFIX = "c#";

/**
 * The user -> connections index of the `connections` table (DynamoConnectionStore's
 * `userPresence`), one item collection per user of a tenant:
 * - `u#<tenant>#<userId>` / `c#<connectionId>`: connectedAt, `expiresAt` (the connection's TTL).
 * - `u#<tenant>#<userId>` / `last`: `lastDisconnectAt` (server ms, only ever raised) and an
 *   `expiresAt` CONNECTION_TTL_SECONDS after it (or after the real time, if later), so an idle
 *   user's record goes away; the engine's grace period is a minute.
 * The connection's own `c#<connectionId>` / `meta` item stays the truth about whether it is
 * live: this index only says which meta items to read.
 */
export class ConnectionUsers {
  constructor(private readonly table: Table) {}

  /** `connect`: the user's index item for the connection. */
  async added(info: ConnectionInfo): Promise<void> {
    await this.table.put({
      Item: {
        ...userKey(info.tenant, info.userId, CONNECTION_PREFIX + info.connectionId),
        connectedAt: N(info.connectedAt),
        expiresAt: N(Math.floor(info.connectedAt / 1000) + CONNECTION_TTL_SECONDS),
      },
    });
  }

  /**
   * Raises the user's `lastDisconnectAt` to `now` (a later one stays). Written before the
   * connection's meta item is deleted, so no reader sees the connection gone and the
   * disconnect unrecorded.
   */
  async left(tenant: string, userId: string, now: number): Promise<void> {
    const expiresAt = Math.floor(Math.max(now, Date.now()) / 1000) + CONNECTION_TTL_SECONDS;
    await this.table.conditional({
      update: {
        Key: userKey(tenant, userId, LAST),
        UpdateExpression: "SET lastDisconnectAt = :now, expiresAt = :e",
        ConditionExpression: "attribute_not_exists(lastDisconnectAt) OR lastDisconnectAt < :now",
        ExpressionAttributeValues: { ":now": N(now), ":e": N(expiresAt) },
      },
    });
  }

  /** `disconnect`, after the meta item is gone: the index item. */
  async removed(tenant: string, userId: string, connectionId: string): Promise<void> {
    await this.table.delete(userKey(tenant, userId, CONNECTION_PREFIX + connectionId));
  }

  /**
   * One strongly consistent Query of the user's collection: the ids of connections not past
   * their TTL (DynamoDB deletes expired items only eventually) and the last disconnect.
   */
  async read(tenant: string, userId: string): Promise<{ connectionIds: string[]; lastDisconnectAt?: number }> {
    const connectionIds: string[] = [];
    let lastDisconnectAt: number | undefined;
    const nowSeconds = Date.now() / 1000;
    const pages = this.table.query({
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: { ":pk": S(userPk(tenant, userId)) },
      ConsistentRead: true,
    });
    for await (const items of pages) {
      for (const item of items) {
        const sk = str(item, "sk");
        if (sk === LAST) lastDisconnectAt = num(item, "lastDisconnectAt");
        else if (sk.startsWith(CONNECTION_PREFIX) && live(item, nowSeconds)) connectionIds.push(sk.slice(CONNECTION_PREFIX.length));
      }
    }
    return lastDisconnectAt === undefined ? { connectionIds } : { connectionIds, lastDisconnectAt };
  }
}

/** Whether an item with the connection TTL is still within it (by the real clock: the TTL is). */
export function live(item: Item, nowSeconds = Date.now() / 1000): boolean {
  return item.expiresAt?.N === undefined || Number(item.expiresAt.N) > nowSeconds;
}

/** Tenant ids never contain `#`, so this is unambiguous whatever the user id holds. */
function userPk(tenant: string, userId: string): string {
  return `u#${tenant}#${userId}`;
}

function userKey(tenant: string, userId: string, sk: string): Item {
  return { pk: S(userPk(tenant, userId)), sk: S(sk) };
}
