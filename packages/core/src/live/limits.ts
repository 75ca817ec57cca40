/**
 * Limits of the live (WebSocket) protocol, in one place; docs/protocol.md states the same
 * numbers. "Bytes" are UTF-8 bytes of the JSON text.
 */

/** Largest presence `state`, as `JSON.stringify(state)` in UTF-8 bytes. */
export const MAX_PRESENCE_BYTES = 1024;

/** Most documents one connection may be subscribed to at once. */
export const MAX_SUBSCRIPTIONS = 100;

/** Presence messages per connection: a token bucket holding PRESENCE_BURST tokens, refilled at PRESENCE_PER_SECOND. */
export const PRESENCE_BURST = 20;
export const PRESENCE_PER_SECOND = 10;

/**
 * Ops messages are packed up to this size where possible: API Gateway bills WebSocket
 * messages per 32 KB frame, so a message of 33 KB costs as much as two of 16 KB.
 */
export const OPS_MESSAGE_TARGET_BYTES = 32 * 1024;

/** API Gateway's WebSocket message limit: no message is ever larger. */
export const MAX_MESSAGE_BYTES = 128 * 1024;

/**
 * API Gateway closes a WebSocket connection after 2 hours whatever happens, so no connection
 * item needs to outlive that. Items get a TTL a little past it: the safety net for a
 * connection whose `$disconnect` never ran.
 */
export const CONNECTION_TTL_SECONDS = 3 * 3600;

/** API Gateway's limit on one WebSocket connection's life. */
export const MAX_CONNECTION_MS = 2 * 3600 * 1000;
