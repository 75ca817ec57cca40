import { STATUS_CODES, type IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import type { InvokeOutcome } from "./lambda.js";
import type { UpgradeRequest } from "./ws-events.js";

/** API Gateway's message for each status it refuses a WebSocket upgrade with. */
const MESSAGES: Record<number, string> = {
  401: "Unauthorized",
  403: "Forbidden",
  500: "Internal server error",
  502: "Internal server error",
};

/**
 * Answers an upgrade request with a plain HTTP error (`{"message"}` JSON, as API Gateway
 * does) and closes the socket. Returns false so callers can `return refuseUpgrade(...)`.
 */
export function refuseUpgrade(socket: Duplex, status: number): false {
  if (socket.destroyed || !socket.writable) return false;
  const body = JSON.stringify({ message: MESSAGES[status] ?? STATUS_CODES[status] ?? "Error" });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? "Error"}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
  return false;
}

/**
 * True when `req` is a handshake the `ws` library will accept (RFC 6455 section 4.2.1), so
 * nothing (no authorizer, no `$connect`) runs for a request that could never open a socket.
 */
export function isWebSocketHandshake(req: IncomingMessage): boolean {
  const key = req.headers["sec-websocket-key"];
  const version = Number(req.headers["sec-websocket-version"]);
  return (
    req.method === "GET" &&
    req.headers.upgrade?.toLowerCase() === "websocket" &&
    typeof key === "string" &&
    /^[+/0-9A-Za-z]{22}==$/.test(key) &&
    (version === 8 || version === 13)
  );
}

/** An authorizer identity source the local gateway reads: a query parameter or a header. */
const IDENTITY_SOURCE = /^route\.request\.(querystring|header)\.(.+)$/;

/** Throws for an identity source kind the local gateway cannot read (a configuration error). */
export function checkIdentitySource(source: string): void {
  if (!IDENTITY_SOURCE.test(source)) {
    throw new Error(`unsupported identity source "${source}" (use route.request.querystring.<name> or route.request.header.<name>)`);
  }
}

/**
 * The value of an authorizer identity source (`route.request.querystring.<name>` or
 * `route.request.header.<name>`, header names case-insensitive); undefined or "" when absent.
 */
export function identityValue(u: UpgradeRequest, source: string): string | undefined {
  const [, kind, name] = IDENTITY_SOURCE.exec(source) ?? [];
  if (kind === "querystring") return u.queryStringParameters?.[name];
  if (kind === "header") return Object.entries(u.headers).find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1];
  return undefined;
}

/**
 * The status a `$connect` invocation answers the upgrade with: the result's `statusCode`, 200
 * when there is none (a result without one accepts), 502 with the error when the function
 * failed or returned an invalid status code.
 */
export function connectStatus(out: InvokeOutcome): { code: number; error?: Error } {
  if (!out.ok) return { code: 502, error: out.error };
  const r = out.result;
  if (typeof r !== "object" || r === null || !("statusCode" in r)) return { code: 200 };
  const code = (r as { statusCode: unknown }).statusCode;
  if (typeof code !== "number" || !Number.isInteger(code) || code < 100 || code > 599) {
    return { code: 502, error: new Error(`invalid $connect result: statusCode ${JSON.stringify(code)}`) };
  }
  return { code };
}
