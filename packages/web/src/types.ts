import type { AclRole, DocAcl, DocState, LogEntry } from "@weft/core";
import type { OutboxStorage } from "./storage/storage.js";

/** The connection's state: trying to connect, connected, waiting to retry, or closed for good by `client.close()`. */
export type Status = "connecting" | "open" | "offline" | "closed";

/**
 * The part of the WHATWG WebSocket interface the SDK uses. Browsers' `WebSocket` and the `ws`
 * package's class (Node) both satisfy it.
 */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: any) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code?: number; reason?: string }) => void) | null;
  onerror: ((ev: any) => void) | null;
}
export type WebSocketConstructor = new (url: string) => WebSocketLike;

export interface ClientOptions {
  /** HTTP API base, e.g. `http://127.0.0.1:8787`. */
  url: string;
  /** WebSocket URL, e.g. `ws://127.0.0.1:8787/ws`; the token is appended as `?token=`. */
  wsUrl: string;
  /** Returns a bearer token (JWT). Called at start, again after an HTTP 401 or a refused upgrade, and before a token expires. */
  getToken: () => Promise<string> | string;
  /** Where unsent changes live. Default: IndexedDB (localStorage fallback) in browsers, memory elsewhere. */
  storage?: OutboxStorage;
  /** Default: `globalThis.WebSocket`. Node 20 has none: pass the `ws` package's class. */
  WebSocket?: WebSocketConstructor;
  fetch?: typeof fetch;
  /** Default: generated once and persisted in `storage` (see OutboxStorage.clientId). */
  clientId?: string;
  /**
   * Merge an insert typed right after the previous unsent insert (and a delete adjacent to the
   * previous unsent delete) into one op. Default true: fewer log entries for the same text.
   */
  mergeEdits?: boolean;
  /** Keepalive ping interval (default 30 s; API Gateway drops connections idle for 10 minutes). */
  pingIntervalMs?: number;
  /** Reconnect/retry backoff: first delay and cap (defaults 250 ms and 10 s), full jitter. */
  backoff?: { initialMs: number; maxMs: number };
  /** How long an in-flight change may go unacknowledged before its receipt is read (default 3 s). */
  ackTimeoutMs?: number;
  /**
   * The least time between two changes of one document, in ms (default 0: the next change goes
   * as soon as the previous is acknowledged). Edits made meanwhile wait and go in one change, so
   * sparse typing costs one request and one pipeline run per interval instead of per keystroke,
   * at the price of up to this much more delay before others see them (docs/cost.md).
   */
  sendIntervalMs?: number;
  /**
   * How changes are sent (default `"http"`). `"http"`: each change is a
   * `POST /v1/docs/{docId}/ops` (any server). `"socket"`: each change is a `submit` message on
   * the client's WebSocket (`{"action":"submit","docId","ref","change"}`, `ref` = the change's
   * first op id), which only the room tier accepts (docs/protocol.md, "The room tier"): point
   * `wsUrl` at it. Its `submitted` answer stands for the 202 and an `error` with the `ref` for
   * a 4xx/5xx (`unavailable` and `internal` are sent again after a backoff). A change waits
   * while the socket is down and goes (again, unchanged) once the document has re-subscribed;
   * one unanswered for `ackTimeoutMs` has its receipt read over HTTP, as with `"http"`. One
   * change in flight per document, `sendIntervalMs` and the outbox work the same either way;
   * loading, receipts and gap reads stay on HTTP (`url`).
   */
  opsTransport?: "http" | "socket";
}

/** A `change` event: the local view after a local edit (`local: true`) or after committed entries were applied. */
export interface ChangeEvent {
  local: boolean;
  /** Last server seq applied. */
  version: number;
  /** The local view (committed + unsent edits). */
  text: string;
  /** Maps a position (code points) of the text before this change to the text after it. */
  mapPosition(pos: number): number;
}

export interface PresencePeer {
  userId: string;
  state: Record<string, unknown>;
}

export interface RejectedEvent {
  /** The op id. */
  id: string;
  /** A receipt reason (`position_out_of_range`, ...) or, for a change the HTTP API refused, its error code. */
  reason: string;
  message?: string;
}

/** A `role` event: the caller's effective role on the document changed (see `doc.role`). */
export interface RoleEvent {
  role: AclRole;
  /** The seq of the acl entry that changed it, when the server named one. */
  seq?: number;
}

/**
 * A `revoked` event: the caller lost read access to the document (the server ended the
 * subscription, refused it, or answered a request with 403). The document has stopped: its
 * unsent edits were dropped (each also reported as a `rejected` event with reason `forbidden`)
 * and it no longer sends, receives or accepts edits.
 */
export interface RevokedEvent {
  reason: "forbidden";
  /** The seq of the revoking acl entry, when the server named it. */
  seq?: number;
  /** Ids of the dropped unsent edits. */
  dropped: string[];
}

/** The committed state as `GET /v1/docs/{docId}` returns it, kept up to date with core's `applyEntries`. */
export type CommittedState = DocState;

export type { AclRole, DocAcl, LogEntry };
