import type { ErrorCode } from "../errors.js";
import type { FeedItem } from "../notify/vocabulary.js";
import type { AclRole, LogEntry } from "../ops/types.js";
import type { PresenceState } from "./client-messages.js";

/**
 * Error codes of the `error` message (docs/protocol.md lists when each is sent); all are
 * ERROR_CODES. `internal` is a server-side failure, not the client's doing: retry.
 */
export type LiveErrorCode = Extract<
  ErrorCode,
  | "invalid_message"
  | "unknown_action"
  | "invalid_request"
  | "payload_too_large"
  | "not_subscribed"
  | "rate_limited"
  | "too_many_subscriptions"
  | "forbidden"
  | "token_expired"
  | "internal"
>;

/** Everything the server sends over the WebSocket. */
export type ServerMessage =
  /** `role`: the caller's effective role on the document when the subscription began. */
  | { type: "subscribed"; docId: string; version: number; role: AclRole }
  /** Sent on the client's own unsubscribe, and (with `reason: "forbidden"` and the revoking acl entry's `seq`) when access was revoked. */
  | { type: "unsubscribed"; docId: string; reason?: "forbidden"; seq?: number }
  /** A committed acl entry (`seq`) changed this user's effective role on the document (still able to read). */
  | { type: "role"; docId: string; role: AclRole; seq: number }
  | { type: "ops"; docId: string; ops: LogEntry[] }
  | { type: "presence"; docId: string; userId: string; connectionId: string; state: PresenceState | null; at?: number }
  | { type: "rejected"; docId: string; id: string; reason: string }
  | { type: "error"; code: LiveErrorCode; message: string; docId?: string }
  | { type: "pong" }
  /** A new in-app feed item, or a new version of one (same id, higher version: replace it). */
  | { type: "notification"; notification: FeedItem }
  /** These feed items were read (on any connection or through the API). */
  | { type: "notification.read"; ids: string[] };

/*
 * Builders of the encoded messages (the Gateway posts strings). Field order is fixed here so
 * every message of a type looks the same on the wire.
 */

export function subscribedMessage(docId: string, version: number, role: AclRole): string {
  return JSON.stringify({ type: "subscribed", docId, version, role });
}

export function unsubscribedMessage(docId: string): string {
  return JSON.stringify({ type: "unsubscribed", docId });
}

/** The subscription ended because the acl entry `seq` left the user without read access. */
export function revokedMessage(docId: string, seq: number): string {
  return JSON.stringify({ type: "unsubscribed", docId, reason: "forbidden", seq });
}

/** The acl entry `seq` changed the user's effective role on the document to `role` (>= viewer). */
export function roleMessage(docId: string, role: AclRole, seq: number): string {
  return JSON.stringify({ type: "role", docId, role, seq });
}

/**
 * A presence update of `connectionId`; `state` null is its leave. `at` (server clock, ms): when
 * the server took the state (before checking the subscription) or removed the subscription (a
 * leave), so a client can drop a state that a concurrent leave overtook on the way.
 */
export function presenceMessage(docId: string, userId: string, connectionId: string, state: PresenceState | null, at?: number): string {
  return JSON.stringify({ type: "presence", docId, userId, connectionId, state, ...(at !== undefined ? { at } : {}) });
}

export function rejectedMessage(docId: string, opId: string, reason: string): string {
  return JSON.stringify({ type: "rejected", docId, id: opId, reason });
}

export function errorMessage(error: { code: LiveErrorCode; message: string; docId?: string }): string {
  const { code, message, docId } = error;
  return JSON.stringify(docId === undefined ? { type: "error", code, message } : { type: "error", code, message, docId });
}

/** A new or updated in-app feed item, sent to every live connection of its user. */
export function notificationMessage(item: FeedItem): string {
  return JSON.stringify({ type: "notification", notification: item });
}

/** Feed items that became read, sent to every live connection of their user. */
export function notificationReadMessage(ids: readonly string[]): string {
  return JSON.stringify({ type: "notification.read", ids });
}

export const PONG_MESSAGE = JSON.stringify({ type: "pong" });
