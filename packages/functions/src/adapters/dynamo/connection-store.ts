import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  UpdateItemCommand,
  type ConsumedCapacity,
  type DeleteItemCommandInput,
  type UpdateItemCommandInput,
} from "@aws-sdk/client-dynamodb";
import {
  CONNECTION_TTL_SECONDS,
  rateCeiling,
  type ConnectionInfo,
  type ConnectionMeta,
  type ConnectionStore,
  type DocRef,
  type PresenceResult,
  type PresenceState,
  type RateLimit,
  type RemovedSubscription,
  type SubscribeResult,
  type Subscriber,
  type UserPresence,
} from "@weft/core";
import { failedWriteUnits, type CapacityMeter } from "./capacity.js";
import { N, S, num, str } from "./codec.js";
import { ConnectionUsers, live } from "./connection-users.js";
import { Table, type DynamoAdapterOptions, type Item } from "./table.js";

const META = "meta";
/** Rounds of the two-branch rate-limit write before giving up on a hot race (each round is one conditional write). */
const RATE_ROUNDS = 6;
/** Connections whose last bucket value this process remembers (see setPresence). */
const MAX_HINTS = 10_000;

/**
 * ConnectionStore on the `connections` table (pk/sk, TTL `expiresAt`):
 * - `c#<connectionId>` / `meta`: tenant, userId, connectedAt, `docs` (string set of subscribed
 *   docIds; absent when empty), `tat` (the presence bucket, see live/rate-limit.ts).
 * - `d#<tenant>#<docId>` / `<connectionId>`: userId and the last presence state (`presence`,
 *   JSON; absent = none) with when it was set (`presenceAt`). The doc -> connections index is this item collection, so the
 *   broadcaster reads it with one strongly consistent Query (a GSI could only be read
 *   eventually consistently, and a subscriber could miss ops committed right after its catch-up).
 * - `u#<tenant>#<userId>` / `c#<connectionId>` and `last`: the user -> connections index and
 *   the last disconnect (connection-users.ts). `userPresence` reads the collection (one
 *   strongly consistent Query) and the listed connections' meta items (one strongly
 *   consistent BatchGet), which hold the subscribed docIds: nothing is mirrored, so subscribe
 *   costs no extra write, and a connection is listed only while its meta item exists.
 * All carry `expiresAt` = connectedAt + CONNECTION_TTL_SECONDS (`last`: see connection-users.ts).
 *
 * Calls: connect 2 puts; subscribe 1 conditional update of the meta (limit and existence,
 * returning the identity) + 1 put of the index item; presence 1-2 conditional updates of the
 * meta (the bucket, see setPresence) + 1 conditional update of the index item; unsubscribe
 * 2 writes; disconnect 1 read of the meta, 1 conditional update of `last`, 1 delete of the
 * meta, 1 of the user index item and 1 per subscription; userPresence 1 Query + 1 BatchGet
 * (one read unit per connection).
 */
export class DynamoConnectionStore implements ConnectionStore {
  private readonly table: Table;
  private readonly meter?: CapacityMeter;
  private readonly tatHints = new Map<string, number>();
  private readonly users: ConnectionUsers;

  constructor(opts: DynamoAdapterOptions) {
    this.table = new Table(opts);
    this.meter = opts.meter;
    this.users = new ConnectionUsers(this.table);
  }

  async connect(info: ConnectionInfo): Promise<void> {
    const meta = this.table.put({
      Item: {
        ...metaKey(info.connectionId),
        tenant: S(info.tenant),
        userId: S(info.userId),
        connectedAt: N(info.connectedAt),
        ...(info.groups?.length ? { groups: S(JSON.stringify(info.groups)) } : {}),
        ...(info.admin ? { admin: N(1) } : {}),
        ...(info.tokenExpiresAt !== undefined ? { tokenExpiresAt: N(info.tokenExpiresAt) } : {}),
        expiresAt: N(Math.floor(info.connectedAt / 1000) + CONNECTION_TTL_SECONDS),
      },
    });
    await Promise.all([meta, this.users.added(info)]);
  }

  async get(connectionId: string): Promise<ConnectionMeta | undefined> {
    const item = await this.table.get(metaKey(connectionId));
    return item && metaOf(item);
  }

  /** The index names the candidates; their meta items (live, of this user) are the answer. */
  async userPresence(tenant: string, userId: string): Promise<UserPresence> {
    const { connectionIds, lastDisconnectAt } = await this.users.read(tenant, userId);
    const metas = connectionIds.length === 0 ? [] : await this.table.batchGet(connectionIds.map(metaKey));
    const connections = metas
      .filter((m) => live(m) && str(m, "tenant") === tenant && str(m, "userId") === userId)
      .map(metaOf);
    return lastDisconnectAt === undefined ? { connections } : { connections, lastDisconnectAt };
  }

  /** The meta update enforces existence and the limit atomically; the index item is written after it. */
  async subscribe(connectionId: string, doc: DocRef, maxDocs: number, since = 0): Promise<SubscribeResult> {
    const outcome = await this.updateReturning({
      Key: metaKey(connectionId),
      UpdateExpression: "ADD docs :set",
      ConditionExpression: "attribute_exists(pk) AND (attribute_not_exists(docs) OR contains(docs, :doc) OR size(docs) < :max)",
      ExpressionAttributeValues: { ":set": { SS: [doc.docId] }, ":doc": S(doc.docId), ":max": N(maxDocs) },
      ReturnValues: "ALL_NEW",
    });
    if (!outcome.ok) return outcome.existing ? "too_many" : "gone";
    const meta = outcome.item;
    // An update (not a put), so a second subscribe keeps the presence state.
    // The connection's identity is copied to the index item: the broadcaster judges each subscriber's role from it.
    const who = meta.groups?.S ? ", groupsJson = :g" : "";
    const admin = meta.admin?.N ? ", isAdmin = :a" : "";
    await this.table.update({
      Key: indexKey(doc, connectionId),
      UpdateExpression: `SET userId = :u, expiresAt = :e${since > 0 ? ", since = :s" : ""}${who}${admin}${since > 0 ? "" : " REMOVE since"}`,
      ExpressionAttributeValues: {
        ":u": S(str(meta, "userId")),
        ":e": N(num(meta, "expiresAt")),
        ...(since > 0 ? { ":s": N(since) } : {}),
        ...(who ? { ":g": S(meta.groups!.S!) } : {}),
        ...(admin ? { ":a": N(1) } : {}),
      },
    });
    return "ok";
  }

  async unsubscribe(connectionId: string, doc: DocRef): Promise<Subscriber | undefined> {
    const [removed] = await Promise.all([
      this.deleteReturning(indexKey(doc, connectionId)),
      this.table.conditional({
        update: {
          Key: metaKey(connectionId),
          UpdateExpression: "DELETE docs :set",
          ConditionExpression: "attribute_exists(pk)",
          ExpressionAttributeValues: { ":set": { SS: [doc.docId] } },
        },
      }),
    ]);
    return removed && subscriberOf(removed);
  }

  async subscribers(doc: DocRef): Promise<Subscriber[]> {
    const out: Subscriber[] = [];
    const pages = this.table.query({
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: { ":pk": S(indexPk(doc)) },
      ConsistentRead: true,
    });
    for await (const items of pages) for (const item of items) out.push(subscriberOf(item));
    return out;
  }

  /**
   * The bucket is one number, `tat` (live/rate-limit.ts), taken with conditional writes and no
   * read: "partly used" (`tat` in (now, ceiling]) is `ADD tat :interval`, "full" (`tat` absent
   * or <= now) is `SET tat = now + interval`. Each write's condition also requires the document
   * in `docs`. A failed write returns the item (ALL_OLD), which says which case holds now (or
   * that the connection is gone / not subscribed / limited); a race just means another round.
   *
   * `tat` never decreases, so the last value this process saw is a safe hint: it picks the
   * branch that usually succeeds first, and a hint already over the ceiling answers
   * "rate_limited" with no call at all (a flooding client costs nothing).
   */
  async setPresence(
    connectionId: string,
    doc: DocRef,
    state: PresenceState | null,
    now: number,
    rate: RateLimit,
  ): Promise<PresenceResult> {
    const ceiling = rateCeiling(now, rate);
    const hint = this.tatHints.get(connectionId);
    if (hint !== undefined && hint > ceiling) return "rate_limited";
    const Key = metaKey(connectionId);
    const partly = () =>
      this.updateReturning({
        Key,
        UpdateExpression: "ADD tat :i",
        ConditionExpression: "contains(docs, :doc) AND tat > :now AND tat <= :ceil",
        ExpressionAttributeValues: { ":doc": S(doc.docId), ":now": N(now), ":ceil": N(ceiling), ":i": N(rate.intervalMs) },
        ReturnValues: "UPDATED_NEW",
      });
    const full = () =>
      this.updateReturning({
        Key,
        UpdateExpression: "SET tat = :next",
        ConditionExpression: "contains(docs, :doc) AND (attribute_not_exists(tat) OR tat <= :now)",
        ExpressionAttributeValues: { ":doc": S(doc.docId), ":now": N(now), ":next": N(now + rate.intervalMs) },
        ReturnValues: "UPDATED_NEW",
      });
    let attempt = hint !== undefined && hint > now ? partly : full;
    let admitted = false;
    for (let round = 0; round < RATE_ROUNDS && !admitted; round++) {
      const r = await attempt();
      if (r.ok) {
        this.hint(connectionId, num(r.item, "tat"));
        admitted = true;
        break;
      }
      if (!r.existing) return "gone";
      if (!(r.existing.docs?.SS ?? []).includes(doc.docId)) return "not_subscribed";
      const tat = r.existing.tat?.N === undefined ? undefined : Number(r.existing.tat.N);
      if (tat !== undefined) this.hint(connectionId, tat);
      if (tat === undefined || tat <= now) attempt = full;
      else if (tat <= ceiling) attempt = partly;
      else return "rate_limited";
    }
    if (!admitted) return "rate_limited";
    const stored = await this.table.conditional({
      update: {
        Key: indexKey(doc, connectionId),
        UpdateExpression: state === null ? "REMOVE presence, presenceAt" : "SET presence = :p, presenceAt = :at",
        ConditionExpression: "attribute_exists(pk)",
        ...(state === null ? {} : { ExpressionAttributeValues: { ":p": S(JSON.stringify(state)), ":at": N(now) } }),
      },
    });
    return stored.ok ? "ok" : "not_subscribed";
  }

  /** Remembers the newest `tat` seen for a connection (bounded: the oldest entries go first). */
  private hint(connectionId: string, tat: number): void {
    const known = this.tatHints.get(connectionId) ?? tat;
    this.tatHints.delete(connectionId);
    this.tatHints.set(connectionId, Math.max(tat, known));
    if (this.tatHints.size > MAX_HINTS) this.tatHints.delete(this.tatHints.keys().next().value!);
  }

  /**
   * The user's `lastDisconnectAt` is raised before the meta item goes (so a reader never sees
   * the connection gone and the disconnect unrecorded), which takes a read of the meta first
   * to learn whose it is.
   */
  async disconnect(connectionId: string, also: DocRef[] = [], now = Date.now()): Promise<RemovedSubscription[]> {
    const before = await this.table.get(metaKey(connectionId));
    if (before) await this.users.left(str(before, "tenant"), str(before, "userId"), now);
    const meta = await this.deleteReturning(metaKey(connectionId));
    // A connect that raced in between the read and the delete: record it now.
    if (meta && !before) await this.users.left(str(meta, "tenant"), str(meta, "userId"), now);
    const docs = new Map<string, DocRef>();
    if (meta) {
      const tenant = str(meta, "tenant");
      for (const docId of meta.docs?.SS ?? []) docs.set(indexPk({ tenant, docId }), { tenant, docId });
    }
    for (const d of also) docs.set(indexPk(d), { tenant: d.tenant, docId: d.docId });
    const owner = meta ?? before;
    const [removed] = await Promise.all([
      Promise.all(
        [...docs.values()].map(async (doc) => {
          const item = await this.deleteReturning(indexKey(doc, connectionId));
          return item && { ...subscriberOf(item), doc };
        }),
      ),
      owner && this.users.removed(str(owner, "tenant"), str(owner, "userId"), connectionId),
    ]);
    return removed.filter((r): r is RemovedSubscription => r !== undefined);
  }

  /** A conditional UpdateItem that returns the item it wrote, or the item that failed the condition. */
  private async updateReturning(
    input: Omit<UpdateItemCommandInput, "TableName" | "ReturnConsumedCapacity">,
  ): Promise<{ ok: true; item: Item } | { ok: false; existing: Item | undefined }> {
    try {
      const out = await this.table.client.send(
        new UpdateItemCommand({
          ...input,
          TableName: this.table.name,
          ReturnConsumedCapacity: "TOTAL",
          ReturnValuesOnConditionCheckFailure: "ALL_OLD",
        }),
      );
      this.report(out.ConsumedCapacity);
      return { ok: true, item: out.Attributes ?? {} };
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
      this.meter?.add(this.table.name, "write", failedWriteUnits(err.Item));
      return { ok: false, existing: err.Item };
    }
  }

  /** DeleteItem returning the deleted item (undefined if there was none), at no extra cost. */
  private async deleteReturning(Key: Item): Promise<Item | undefined> {
    const input: DeleteItemCommandInput = { TableName: this.table.name, Key, ReturnValues: "ALL_OLD", ReturnConsumedCapacity: "TOTAL" };
    const out = await this.table.client.send(new DeleteItemCommand(input));
    this.report(out.ConsumedCapacity);
    return out.Attributes;
  }

  private report(consumed: ConsumedCapacity | undefined): void {
    if (consumed) this.meter?.add(consumed.TableName ?? this.table.name, "write", consumed.CapacityUnits ?? 0);
  }
}

function metaKey(connectionId: string): Item {
  return { pk: S(`c#${connectionId}`), sk: S(META) };
}

/** The index partition of a document. Tenant and doc ids never contain `#`, so this is unambiguous. */
function indexPk(doc: DocRef): string {
  return `d#${doc.tenant}#${doc.docId}`;
}

function indexKey(doc: DocRef, connectionId: string): Item {
  return { pk: S(indexPk(doc)), sk: S(connectionId) };
}

function metaOf(item: Item): ConnectionMeta {
  return {
    connectionId: str(item, "pk").slice("c#".length),
    tenant: str(item, "tenant"),
    userId: str(item, "userId"),
    connectedAt: num(item, "connectedAt"),
    docs: item.docs?.SS ?? [],
  };
}

function subscriberOf(item: Item): Subscriber {
  return {
    connectionId: str(item, "sk"),
    userId: str(item, "userId"),
    presence: item.presence?.S === undefined ? null : (JSON.parse(item.presence.S) as PresenceState),
    ...(item.presence?.S !== undefined && item.presenceAt?.N !== undefined ? { presenceAt: Number(item.presenceAt.N) } : {}),
    ...(item.groupsJson?.S ? { groups: JSON.parse(item.groupsJson.S) as string[] } : {}),
    ...(item.isAdmin?.N ? { admin: true } : {}),
    ...(item.since?.N && Number(item.since.N) > 0 ? { since: Number(item.since.N) } : {}),
  };
}
