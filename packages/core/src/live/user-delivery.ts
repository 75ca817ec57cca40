import type { LogSink } from "../metrics/recorder.js";
import type { Clock } from "../ports/clock.js";
import type { ConnectionStore } from "../ports/connection-store.js";
import type { Gateway } from "../ports/gateway.js";
import { postAll, sendLeaves } from "./fanout.js";
import type { ServerMessage } from "./server-messages.js";

export interface UserDeliveryDeps {
  connections: ConnectionStore;
  gateway: Gateway;
  /** Receives a `ws_gone` line when gone connections were removed. Default: none. */
  logSink?: LogSink;
  /** Times the removal of gone connections (their user's `lastDisconnectAt`). Default: Date.now(). */
  clock?: Clock;
}

export interface UserDeliveryResult {
  /** Connections the message was delivered to. */
  delivered: number;
  /** Connections the gateway reported gone, now removed. */
  gone: number;
}

/**
 * Posts one message to every live connection of a user in a tenant (whatever documents they
 * are subscribed to, or none): the in-app side of notifications (`notification`,
 * `notification.read`). `message` is a ServerMessage, or one already encoded by a builder of
 * server-messages.ts. One strongly consistent `userPresence` read, then the posts in parallel.
 *
 * Connections the gateway reports gone (a client that vanished without a `$disconnect`) are
 * removed as the broadcaster removes them, with all their subscriptions, and the other
 * subscribers of those documents see their leaves. `delivered: 0` means the user has no live
 * connection now, whatever `userPresence` said a moment before.
 *
 * Rejects if a post fails for another reason (after every started post settled): the caller
 * retries, so a connection may get the message twice. Both message types are idempotent for
 * the client (an item replaces the one with its id unless its version is lower; a read is a read).
 */
export async function postToUser(
  deps: UserDeliveryDeps,
  tenant: string,
  userId: string,
  message: ServerMessage | string,
  /** The user's live connection ids when the caller has just read them (saves the lookup). */
  known?: readonly string[],
): Promise<UserDeliveryResult> {
  const connections = known ? known.map((connectionId) => ({ connectionId })) : (await deps.connections.userPresence(tenant, userId)).connections;
  if (connections.length === 0) return { delivered: 0, gone: 0 };
  const messages = [typeof message === "string" ? message : JSON.stringify(message)];
  const gone = await postAll(deps.gateway, connections.map((c) => ({ connectionId: c.connectionId, messages })));
  if (gone.length > 0) {
    const logSink = deps.logSink ?? (() => undefined);
    const now = deps.clock?.now();
    const removed = (await Promise.all(gone.map((id) => deps.connections.disconnect(id, [], now)))).flat();
    logSink({ kind: "ws_gone", tenant, userId, connections: gone.length, during: "user" });
    await sendLeaves({ connections: deps.connections, gateway: deps.gateway, logSink, ...(deps.clock ? { clock: deps.clock } : {}) }, removed);
  }
  return { delivered: connections.length - gone.length, gone: gone.length };
}
