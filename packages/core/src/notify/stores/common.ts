import { TENANT_ID_PATTERN } from "../../doc-ref.js";
import { WeftError } from "../../errors.js";
import { utf8Length } from "../../live/utf8.js";

/**
 * A notification recipient. User ids are scoped to their tenant: the same userId in two
 * tenants is two users, and no store ever lets one see the other's data.
 */
export interface NotifyUser {
  tenant: string;
  userId: string;
}

/** A user id as tokens carry it (functions/src/http/auth.ts): 1..128 characters, no whitespace, `#` or control characters. */
export const NOTIFY_USER_ID_PATTERN = /^[^\s#\u0000-\u001f]{1,128}$/;

/** Refuses a tenant or user id that the HTTP layer would never produce (storage keys rely on it: no `#`). */
export function assertNotifyUser(user: NotifyUser): void {
  assertTenant(user.tenant);
  if (typeof user.userId !== "string" || !NOTIFY_USER_ID_PATTERN.test(user.userId)) {
    throw new WeftError("invalid_request", "userId must be 1..128 characters without whitespace, # or control characters", [
      { path: "userId", issue: `got ${JSON.stringify(String(user.userId).slice(0, 40))}` },
    ]);
  }
}

export function assertTenant(tenant: string): void {
  if (typeof tenant !== "string" || !TENANT_ID_PATTERN.test(tenant)) {
    throw new WeftError("invalid_request", "tenant must match [A-Za-z0-9_.-]{1,64}", [
      { path: "tenant", issue: `got ${JSON.stringify(String(tenant).slice(0, 40))}` },
    ]);
  }
}

/**
 * The JSON text of an opaque value, refused (payload_too_large) above `maxBytes` UTF-8 bytes
 * and (invalid_request) when it is not JSON-serializable. Adapters store exactly this text, so
 * a value round-trips as `JSON.parse(JSON.stringify(value))` in every adapter.
 */
export function jsonOf(value: unknown, what: string, maxBytes: number): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch (err) {
    throw new WeftError("invalid_request", `${what} is not JSON-serializable`, [{ path: what, issue: String(err) }]);
  }
  if (json === undefined) throw new WeftError("invalid_request", `${what} is not JSON-serializable`, [{ path: what, issue: "undefined" }]);
  const bytes = utf8Length(json);
  if (bytes > maxBytes) {
    throw new WeftError("payload_too_large", `${what} is ${bytes} bytes of JSON, over the limit of ${maxBytes}`, [
      { path: what, issue: `${bytes} > ${maxBytes} bytes` },
    ]);
  }
  return json;
}

/** A positive page size of at most `max`. */
export function assertLimit(limit: number, max: number): void {
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > max) {
    throw new WeftError("invalid_request", `limit must be an integer in 1..${max}`, [{ path: "limit", issue: `got ${limit}` }]);
  }
}

/** A ms timestamp usable in sort keys (0..8.64e15, an integer). */
export function assertTime(ms: number, path: string): void {
  if (!Number.isSafeInteger(ms) || ms < 0 || ms > 8.64e15) {
    throw new WeftError("invalid_request", `${path} must be an integer ms timestamp`, [{ path, issue: `got ${ms}` }]);
  }
}

/** An identifier string of 1..max UTF-16 units (ids end up in storage keys, bounded at 1 KB). */
export function assertId(id: string, path: string, max = 256): void {
  if (typeof id !== "string" || id.length === 0 || id.length > max) {
    throw new WeftError("invalid_request", `${path} must be a string of 1..${max} characters`, [
      { path, issue: typeof id === "string" ? `length ${id.length}` : `got ${typeof id}` },
    ]);
  }
}

/** Epoch ms as 16 digits: sorts like the number (any valid Date fits). */
export function padTimeKey(ms: number): string {
  return String(ms).padStart(16, "0");
}

/**
 * The epoch second after which something written at `now` with a time-to-live of `ttlMs` is
 * gone: it is live while floor(now' / 1000) < this value, so for at least ttlMs and less than
 * one second more. Every adapter uses it, so they all forget at the same instant (DynamoDB's
 * TTL attribute holds epoch seconds; its lazy deletion is hidden by filtering on `isLive`).
 */
export function expirySeconds(now: number, ttlMs: number): number {
  return Math.ceil((now + ttlMs) / 1000);
}

export function isLive(expiresAtSeconds: number, now: number): boolean {
  return Math.floor(now / 1000) < expiresAtSeconds;
}

/**
 * Opaque page cursors: base64url of the UTF-8 position key. Clients must not parse them;
 * `decodeCursor` refuses anything that does not decode (invalid_request), so a forged or
 * truncated cursor is a 400, never a silent restart.
 */
export function encodeCursor(key: string): string {
  return base64url(new TextEncoder().encode(key));
}

/** Unpadded base64url (works in browsers and Node alike). */
export function base64url(bytes: Uint8Array): string {
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

export function decodeCursor(cursor: string, valid: (key: string) => boolean): string {
  let key: string | undefined;
  try {
    if (/^[A-Za-z0-9_-]+$/.test(cursor)) {
      const bin = atob(cursor.replaceAll("-", "+").replaceAll("_", "/"));
      key = new TextDecoder("utf-8", { fatal: true }).decode(Uint8Array.from(bin, (c) => c.charCodeAt(0)));
    }
  } catch {
    key = undefined;
  }
  if (key === undefined || !valid(key)) {
    throw new WeftError("invalid_request", "cursor is not one this listing returned", [{ path: "cursor", issue: "malformed" }]);
  }
  return key;
}
