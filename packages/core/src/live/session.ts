import { docAccess } from "../access/authorize.js";
import { mayRead } from "../access/may-apply.js";
import { docKey, type DocRef } from "../doc-ref.js";
import type { Clock } from "../ports/clock.js";
import type { LogStore } from "../ports/log-store.js";
import type { TimerStore } from "../ports/timer-store.js";
import { effectiveRole, type DocAcl } from "../access/doc-acl.js";
import { aclAfterHead, aclAtHead, type LiveAccessDeps } from "./live-access.js";
import { parseClientMessage, type LiveError, type PresenceState } from "./client-messages.js";
import { dropGone, postAll, sendLeaves, type FanoutDeps } from "./fanout.js";
import { MAX_CONNECTION_MS, MAX_SUBSCRIPTIONS } from "./limits.js";
import { packOps } from "./pack-ops.js";
import { PRESENCE_RATE } from "./rate-limit.js";
import {
  PONG_MESSAGE,
  errorMessage,
  presenceMessage,
  subscribedMessage,
  unsubscribedMessage,
} from "./server-messages.js";

export interface LiveSessionDeps extends FanoutDeps, LiveAccessDeps {
  log: LogStore;
  clock: Clock;
  /**
   * When connections' tokens expire: one timer per connection, keyed `{tenant, docId:
   * connectionId}`, due at the token's `exp` (closeExpired closes them). Optional: without it
   * an expired connection is closed at its next message only.
   */
  tokenTimers?: TimerStore;
  /**
   * Called once a subscription is greeted, with the log head it saw (not awaited; must not
   * throw). The room tier checks the document's materialization against it
   * (rooms/materialized-check.ts).
   */
  onSubscribed?: (doc: DocRef, head: number) => void;
}

/** Who is on the other end: from the authorizer's context and the event (never from the message). */
export interface Caller {
  connectionId: string;
  tenant: string;
  userId: string;
  /** Epoch ms (API Gateway's requestContext.connectedAt). */
  connectedAt: number;
  /** The token's groups claim and admin flag: who the caller is to documents' ACLs. */
  groups?: string[];
  admin?: boolean;
  /** Epoch ms of the token's `exp`. */
  tokenExpiresAt?: number;
}

/** Log entries read per catch-up page (posted as packed messages before the next page is read). */
export const CATCH_UP_PAGE = 2000;

/** `$connect`: the connection is registered before any message of it can arrive. */
export async function onConnect(deps: LiveSessionDeps, caller: Caller): Promise<void> {
  await deps.connections.connect(caller);
  // API Gateway ends every connection after 2 hours: a token outliving that needs no timer.
  const outlives = caller.tokenExpiresAt !== undefined && caller.tokenExpiresAt >= caller.connectedAt + MAX_CONNECTION_MS;
  if (caller.tokenExpiresAt !== undefined && !outlives && deps.tokenTimers) {
    await deps.tokenTimers.add({ tenant: caller.tenant, docId: caller.connectionId }, caller.tokenExpiresAt);
  }
}

/** The message a connection gets right before it is closed for its expired token. */
export const TOKEN_EXPIRED_MESSAGE = errorMessage({ code: "token_expired", message: "your token has expired: reconnect with a fresh one" });

/** Tells a connection its token expired and closes it (its `$disconnect` cleans up). */
export async function closeExpired(deps: Pick<LiveSessionDeps, "gateway">, connectionId: string): Promise<void> {
  if ((await deps.gateway.post(connectionId, TOKEN_EXPIRED_MESSAGE)) === "gone") return;
  await deps.gateway.close(connectionId);
}

/**
 * `$disconnect`: removes the connection and its subscriptions (its user's `lastDisconnectAt`
 * is the clock's now); the others see its leaves.
 */
export async function onDisconnect(deps: LiveSessionDeps, connectionId: string): Promise<void> {
  await sendLeaves(deps, await deps.connections.disconnect(connectionId, [], deps.clock.now()));
}

/**
 * One message from a client. Replies go through the gateway (there are no route responses),
 * in order. A refused message gets an `error` and the connection stays open; an unexpected
 * failure is logged and reported as an `error` with code `internal` (the client may retry),
 * so it never surfaces as API Gateway's own "Internal server error".
 */
export async function onMessage(deps: LiveSessionDeps, caller: Caller, body: string | undefined | null): Promise<void> {
  if (caller.tokenExpiresAt !== undefined && deps.clock.now() >= caller.tokenExpiresAt) return closeExpired(deps, caller.connectionId);
  const parsed = parseClientMessage(body);
  if (!parsed.ok) return reply(deps, caller, errorMessage(parsed.error));
  const m = parsed.message;
  const docId = m.action === "ping" ? undefined : m.docId;
  try {
    switch (m.action) {
      case "ping":
        return await reply(deps, caller, PONG_MESSAGE);
      case "subscribe":
        return await subscribe(deps, caller, m.docId, m.after);
      case "unsubscribe":
        return await unsubscribe(deps, caller, m.docId);
      case "presence":
        return await presence(deps, caller, m.docId, m.state);
    }
  } catch (err) {
    deps.logSink({ kind: "ws_error", tenant: caller.tenant, action: m.action, docId, message: (err as Error)?.message });
    await reply(deps, caller, errorMessage({ code: "internal", message: "internal error; try again", ...(docId ? { docId } : {}) })).catch(
      () => undefined,
    );
  }
}

/**
 * The exact ACL at the log head first (a non-reader gets `forbidden` and nothing is
 * subscribed), then the index entry carrying that head as `since`, then the entries committed
 * since (judged here: the broadcaster may have posted them before it could find the entry),
 * then `subscribed` (with the role), the others' presence and the catch-up (after, head]. An op
 * committed after that read reaches the broadcaster after the index entry exists, and its
 * strongly consistent Query finds this connection, judging any acl entry after `since`. So every
 * seq > after arrives, some possibly twice, and nothing after a revocation.
 */
async function subscribe(deps: LiveSessionDeps, caller: Caller, docId: string, after: number | undefined): Promise<void> {
  const doc: DocRef = { tenant: caller.tenant, docId };
  const forbidden = { code: "forbidden" as const, message: `you have no access to document ${docId}`, docId };
  const mayWatch = (acl: DocAcl | undefined) => acl === undefined || mayRead(effectiveRole(acl, caller).role);
  // The exact ACL before the index entry exists; its head is the subscription's `since`: the
  // broadcaster judges only acl entries after it for this subscription.
  const exact = await aclAtHead(deps, doc);
  if (!mayWatch(exact.acl)) return refuse(deps, caller, forbidden);
  let result = await deps.connections.subscribe(caller.connectionId, doc, MAX_SUBSCRIPTIONS, exact.head);
  if (result === "gone") {
    // Not registered (its $connect record expired or was lost): register again from the
    // authorizer's identity. If the client really is gone, the next post says so and cleans up.
    await deps.connections.connect(caller);
    result = await deps.connections.subscribe(caller.connectionId, doc, MAX_SUBSCRIPTIONS, exact.head);
  }
  if (result === "too_many") {
    const message = `at most ${MAX_SUBSCRIPTIONS} documents per connection; unsubscribe from one first`;
    return refuse(deps, caller, { code: "too_many_subscriptions", message, docId });
  }
  if (result === "gone") return;
  // What committed between the exact read and the index entry: a batch the broadcaster may have
  // delivered before it could find this subscription. Judged here; later ones are its to judge.
  const { acl, head } = await aclAfterHead(deps, doc, exact);
  if (!mayWatch(acl)) {
    await deps.connections.unsubscribe(caller.connectionId, doc);
    return refuse(deps, caller, forbidden);
  }
  const role = acl === undefined ? "none" : effectiveRole(acl, caller).role;
  // Each state stamped with when it was set (as its own relay was); one stored without that time, when it was read.
  const readAt = deps.clock.now();
  const others = (await deps.connections.subscribers(doc)).filter((s) => s.connectionId !== caller.connectionId && s.presence !== null);
  const greeting = [subscribedMessage(docId, head, role), ...others.map((s) => presenceMessage(docId, s.userId, s.connectionId, s.presence, s.presenceAt ?? readAt))];
  if (!(await postInOrder(deps, caller, doc, greeting))) return;
  deps.onSubscribed?.(doc, head);
  for (let cursor = after ?? head; cursor < head; ) {
    const page = await deps.log.entries(doc, cursor, CATCH_UP_PAGE);
    if (page.length === 0) break;
    if (!(await postInOrder(deps, caller, doc, packOps(docId, page)))) return;
    cursor = page[page.length - 1].seq;
  }
}

async function unsubscribe(deps: LiveSessionDeps, caller: Caller, docId: string): Promise<void> {
  const doc: DocRef = { tenant: caller.tenant, docId };
  const removed = await deps.connections.unsubscribe(caller.connectionId, doc);
  await reply(deps, caller, unsubscribedMessage(docId));
  if (removed) await sendLeaves(deps, [{ ...removed, doc }]);
}

async function presence(deps: LiveSessionDeps, caller: Caller, docId: string, state: PresenceState | null): Promise<void> {
  const doc: DocRef = { tenant: caller.tenant, docId };
  const access = await docAccess(deps.acls, caller, doc);
  if (access.exists && !mayRead(access.role)) {
    return refuse(deps, caller, { code: "forbidden", message: `you have no access to document ${docId}`, docId });
  }
  // Taken before the subscription is checked: a leave stamped after its removal is newer.
  const at = deps.clock.now();
  const result = await deps.connections.setPresence(caller.connectionId, doc, state, at, PRESENCE_RATE);
  if (result === "rate_limited") {
    return refuse(deps, caller, {
      code: "rate_limited",
      message: `presence is limited to ${PRESENCE_RATE.burst} messages at once and ${1000 / PRESENCE_RATE.intervalMs} per second per connection`,
      docId,
    });
  }
  if (result !== "ok") {
    // A subscription ended by a revocation the cached ACL has not seen yet: say why.
    const fresh = await docAccess(deps.acls, caller, doc, "owner");
    if (fresh.exists && !mayRead(fresh.role)) return refuse(deps, caller, { code: "forbidden", message: `you have no access to document ${docId}`, docId });
    return refuse(deps, caller, { code: "not_subscribed", message: `not subscribed to ${docId}; subscribe first`, docId });
  }
  const subs = await deps.connections.subscribers(doc);
  const message = presenceMessage(docId, caller.userId, caller.connectionId, state, at);
  const others = subs.filter((s) => s.connectionId !== caller.connectionId);
  const gone = await postAll(deps.gateway, others.map((s) => ({ connectionId: s.connectionId, messages: [message] })));
  await dropGone(deps, gone, doc, new Map([[docKey(doc), subs]]));
}

/** Posts to the caller in order; false (after cleaning up) when the caller turned out to be gone. */
async function postInOrder(deps: LiveSessionDeps, caller: Caller, doc: DocRef, messages: string[]): Promise<boolean> {
  const gone = await postAll(deps.gateway, [{ connectionId: caller.connectionId, messages }]);
  if (gone.length === 0) return true;
  await dropGone(deps, gone, doc);
  return false;
}

function refuse(deps: LiveSessionDeps, caller: Caller, error: LiveError): Promise<void> {
  return reply(deps, caller, errorMessage(error));
}

/** A reply to the caller; a caller that is gone will be cleaned up by `$disconnect` or the next fan-out. */
async function reply(deps: LiveSessionDeps, caller: Caller, message: string): Promise<void> {
  await deps.gateway.post(caller.connectionId, message);
}
