import type { IncomingMessage, ServerResponse } from "node:http";
import type { RequestHook } from "./http-gateway.js";
import type { Logger } from "./log.js";
import { CLOSE, MAX_MESSAGE_BYTES, type LiveConnection } from "./ws-connection.js";
import { gatewayId } from "./ws-events.js";

/**
 * The API Gateway management API (`execute-api` `@connections`), as an HTTP gateway hook, so
 * the real `@aws-sdk/client-apigatewaymanagementapi` client works against the local stack
 * with `endpoint` = the stack's base URL:
 *
 * - `POST /@connections/{id}`: the body goes to the connection as one text frame; 200 once
 *   it is written to the socket. Over 128 KB: 413 PayloadTooLargeException (checked first,
 *   as request validation). Unknown or closing connection: 410 GoneException.
 * - `GET /@connections/{id}`: 200 `{connectedAt, identity: {sourceIp, userAgent},
 *   lastActiveAt}` (ISO 8601; the SDK turns them into ConnectedAt/Identity/LastActiveAt).
 * - `DELETE /@connections/{id}`: starts closing the connection (its `$disconnect` follows);
 *   204. Unknown: 410.
 * - Any other method or path under `/@connections`: 403 ForbiddenException.
 *
 * Errors are restJson1 errors: the `x-amzn-errortype` header names the exception and the
 * JSON body carries `message`. Requests are SigV4-signed by the SDK; the signature is not
 * checked locally (there are no IAM permissions to check it against).
 */
export function connectionsEndpoint(connections: ReadonlyMap<string, LiveConnection>, log: Logger): RequestHook {
  return async (req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (path !== "/@connections" && !path.startsWith("/@connections/")) return false;
    res.setHeader("x-amzn-requestid", gatewayId());
    const match = /^\/@connections\/([^/]+)$/.exec(path);
    const id = match ? decode(match[1]) : undefined;
    const method = req.method ?? "GET";
    if (id === undefined || !["POST", "GET", "DELETE"].includes(method)) {
      req.resume();
      return fail(res, 403, "ForbiddenException", "Forbidden");
    }
    if (method === "POST") {
      const data = await readLimited(req, MAX_MESSAGE_BYTES);
      if (!data) return fail(res, 413, "PayloadTooLargeException", `Message exceeds the ${MAX_MESSAGE_BYTES} byte limit`);
      const conn = live(connections, id);
      if (!conn || !(await conn.send(data))) return fail(res, 410, "GoneException", `connection ${id} is gone`);
      res.writeHead(200, { "content-length": 0 }).end();
      return true;
    }
    req.resume();
    const conn = live(connections, id);
    if (!conn) return fail(res, 410, "GoneException", `connection ${id} is gone`);
    if (method === "DELETE") {
      conn.close(CLOSE.deleted);
      log.info("ws connection deleted", { connectionId: id });
      res.writeHead(204).end();
      return true;
    }
    const body = JSON.stringify({
      connectedAt: new Date(conn.request.connectedAt).toISOString(),
      identity: { sourceIp: conn.request.sourceIp, userAgent: conn.request.userAgent },
      lastActiveAt: new Date(conn.lastActiveAt).toISOString(),
    });
    res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) }).end(body);
    return true;
  };
}

function live(connections: ReadonlyMap<string, LiveConnection>, id: string): LiveConnection | undefined {
  const conn = connections.get(id);
  return conn && !conn.gone ? conn : undefined;
}

function decode(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/** The whole body, or undefined once it grows past `limit` (the rest is drained). */
function readLimited(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
      else chunks.length = 0;
    });
    req.on("end", () => resolve(size <= limit ? Buffer.concat(chunks) : undefined));
    req.on("error", reject);
  });
}

/** A restJson1 error the SDK maps to its exception class by the `x-amzn-errortype` header. */
function fail(res: ServerResponse, status: number, type: string, message: string): true {
  const body = JSON.stringify({ message });
  res.writeHead(status, { "content-type": "application/json", "x-amzn-errortype": type, "content-length": Buffer.byteLength(body) });
  res.end(body);
  return true;
}
