import type { DocRef } from "../doc-ref.js";
import type { PresenceState } from "../live/client-messages.js";
import type { RateLimit } from "../live/rate-limit.js";

/** A live WebSocket connection as `$connect` registered it. */
export interface ConnectionInfo {
  connectionId: string;
  tenant: string;
  userId: string;
  /** Epoch ms. */
  connectedAt: number;
  /** The token's `groups` claim, when it had one: group ACL entries are judged with it. */
  groups?: string[];
  /** The token was a tenant admin's (acts as owner on every document). */
  admin?: boolean;
  /** Epoch ms when the token the connection was opened with expires (its `exp`), when it has one. */
  tokenExpiresAt?: number;
}

export interface ConnectionMeta extends ConnectionInfo {
  /** The docIds (of its tenant) the connection is subscribed to, in no particular order. */
  docs: string[];
}

/** One connection subscribed to a document, with its last presence state (null: none, or left). */
export interface Subscriber {
  connectionId: string;
  userId: string;
  presence: PresenceState | null;
  /** When `presence` was set (the `now` of its setPresence); absent without a state (or one stored before this field). */
  presenceAt?: number;
  /** The connection's token groups and admin flag (as `connect` got them): who it is to the document's ACL. */
  groups?: string[];
  admin?: boolean;
  /**
   * The log seq as of which the subscription's access was checked (the `since` given to
   * `subscribe`; absent: 0). Acl entries at or below it were already judged for it.
   */
  since?: number;
}

/** A subscription removed by `unsubscribe` or `disconnect`: whom to send a leave about. */
export interface RemovedSubscription extends Subscriber {
  doc: DocRef;
}

/**
 * A user's live connections in one tenant, for the notification engine: connected or not,
 * which documents they are looking at, and when they last left.
 */
export interface UserPresence {
  /** Each live connection of the user in that tenant with its subscribed docIds, in no particular order. */
  connections: ConnectionMeta[];
  /** Server ms (`disconnect`'s `now`) of the most recent disconnect of any of the user's connections; absent if never. */
  lastDisconnectAt?: number;
}

export type SubscribeResult = "ok" | "too_many" | "gone";
export type PresenceResult = "ok" | "rate_limited" | "not_subscribed" | "gone";

/**
 * Live connections, their subscriptions and presence: the connection -> user/tenant/docs
 * record, and the doc -> connections index the broadcaster reads for every committed batch
 * (the room tier at most once a second per document: live/subscriber-cache.ts).
 *
 * Contract:
 * - `connect` registers a connection (ids are unique: API Gateway never reuses one). `get`
 *   returns it with its subscribed docIds, or undefined once disconnected or never connected.
 * - `subscribe(id, doc, maxDocs, since?)` makes the connection a subscriber of `doc` (the document of
 *   `doc.tenant`, which is the connection's tenant): "ok", also when already subscribed (its
 *   presence is kept); "too_many" when that would make more than `maxDocs` documents (nothing
 *   changes); "gone" when the connection is not registered (nothing is written). When it
 *   resolves "ok" the index entry is durable and `subscribers(doc)` returns it: callers read
 *   the catch-up only after, so an op committed later finds it. `since` (default 0) is stored
 *   with it, replacing an earlier one, and `subscribers` returns it (absent when 0).
 * - `subscribers(doc)` is strongly consistent: every subscription whose `subscribe` resolved
 *   and that was not removed since, and only those of that tenant's document, each with the
 *   `groups` and `admin` its connection was registered with (absent when none / false).
 * - `unsubscribe` removes the subscription and returns what it was (userId, presence), or
 *   undefined when there was none.
 * - `setPresence(id, doc, state, now, rate)` stores the connection's presence for a document
 *   it is subscribed to (with `now` as its `presenceAt`), after taking one token from the connection's bucket (`rate`: one
 *   bucket per connection, shared by all its documents, as `admit` in live/rate-limit.ts
 *   computes it at time `now`). The check-and-take is atomic in storage: of any number of
 *   concurrent calls (from any number of processes) at most as many succeed as the bucket
 *   allows. Results: "ok"; "rate_limited" (nothing stored); "not_subscribed" (the connection
 *   is not subscribed to the document; no token taken); "gone" (no such connection). A
 *   connection known to be over its limit may get "rate_limited" without the other checks.
 * - `disconnect(id, also, now)` removes the connection and every subscription of it (those it
 *   recorded, plus any for the documents in `also`: a subscribe racing a disconnect can leave
 *   an index entry the connection record no longer names) and returns the subscriptions
 *   removed. Idempotent: a second call returns []. `now` (server ms; default Date.now(), but
 *   callers with a Clock pass its time so a test clock governs the grace period) becomes the
 *   user's `lastDisconnectAt` unless that is already later; only a call that finds the
 *   connection registered records it (an unknown or already removed id changes nothing).
 * - `userPresence(tenant, userId)` is strongly consistent and tenant-isolated: it lists every
 *   connection of that user in that tenant whose `connect` resolved and whose `disconnect`
 *   has not (with `docs` as `get` returns them), and `lastDisconnectAt` as above once a
 *   `disconnect` that recorded it resolved. Cheap: a few reads for a user with a few
 *   connections, never a scan. Callers treat a listed connection as possibly gone (a post
 *   says so: live/user-delivery.ts removes it).
 * - Stored records expire on their own some hours after connecting (API Gateway ends every
 *   connection after 2 hours), so a connection whose `$disconnect` was lost cannot linger:
 *   one connected more than CONNECTION_TTL_SECONDS (live/limits.ts) ago by the real clock may
 *   be left out of `userPresence` (and `get` may still return it until its record is
 *   deleted). A store may likewise forget a `lastDisconnectAt` more than
 *   CONNECTION_TTL_SECONDS old (it is then absent).
 */
export interface ConnectionStore {
  connect(info: ConnectionInfo): Promise<void>;
  get(connectionId: string): Promise<ConnectionMeta | undefined>;
  subscribe(connectionId: string, doc: DocRef, maxDocs: number, since?: number): Promise<SubscribeResult>;
  unsubscribe(connectionId: string, doc: DocRef): Promise<Subscriber | undefined>;
  subscribers(doc: DocRef): Promise<Subscriber[]>;
  setPresence(connectionId: string, doc: DocRef, state: PresenceState | null, now: number, rate: RateLimit): Promise<PresenceResult>;
  disconnect(connectionId: string, also?: DocRef[], now?: number): Promise<RemovedSubscription[]>;
  userPresence(tenant: string, userId: string): Promise<UserPresence>;
}
