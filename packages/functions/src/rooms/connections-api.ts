import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";

/** What the `@connections` API acts on: a process's open WebSocket connections. */
export interface ConnectionsApiTarget {
  /** Sends `data` as one text frame; false when the connection is unknown or closing. */
  post(connectionId: string, data: Buffer): Promise<boolean>;
  /** Starts closing the connection; false when unknown. */
  remove(connectionId: string): boolean;
  /** The connection's facts for GET, or undefined when unknown. */
  describe(connectionId: string): { connectedAt: number; sourceIp: string; userAgent: string; lastActiveAt: number } | undefined;
}

/**
 * The API Gateway management API's wire protocol (`execute-api` `@connections`), served by
 * the local stack's API Gateway stand-in and by each room task's private port, so the real
 * `@aws-sdk/client-apigatewaymanagementapi` client (ApiGatewayGateway) posts to either:
 *
 * - `POST /@connections/{id}`: the body goes to the connection as one text frame; 200 once
 *   written. Over `maxMessageBytes`: 413 PayloadTooLargeException (checked first, as request
 *   validation). Unknown or closing connection: 410 GoneException.
 * - `GET /@connections/{id}`: 200 `{connectedAt, identity: {sourceIp, userAgent},
 *   lastActiveAt}` (ISO 8601). `DELETE /@connections/{id}`: starts closing it; 204.
 *   Unknown: 410.
 * - Any other method or path under `/@connections`: 403 ForbiddenException.
 *
 * Errors are restJson1 errors: `x-amzn-errortype` names the exception, the JSON body carries
 * `message`. SigV4 signatures are not checked (locally there is no IAM; a room task's private
 * port is reachable inside its VPC only). Returns false for a request outside `/@connections`.
 */
export function connectionsApi(target: ConnectionsApiTarget, maxMessageBytes: number): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  return async (req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (path !== "/@connections" && !path.startsWith("/@connections/")) return false;
    res.setHeader("x-amzn-requestid", randomBytes(12).toString("base64url"));
    const match = /^\/@connections\/([^/]+)$/.exec(path);
    const id = match ? decode(match[1]) : undefined;
    const method = req.method ?? "GET";
    if (id === undefined || !["POST", "GET", "DELETE"].includes(method)) {
      req.resume();
      return fail(res, 403, "ForbiddenException", "Forbidden");
    }
    if (method === "POST") {
      const data = await readLimited(req, maxMessageBytes);
      if (!data) return fail(res, 413, "PayloadTooLargeException", `Message exceeds the ${maxMessageBytes} byte limit`);
      if (!(await target.post(id, data))) return fail(res, 410, "GoneException", `connection ${id} is gone`);
      res.writeHead(200, { "content-length": 0 }).end();
      return true;
    }
    req.resume();
    if (method === "DELETE") {
      if (!target.remove(id)) return fail(res, 410, "GoneException", `connection ${id} is gone`);
      res.writeHead(204).end();
      return true;
    }
    const facts = target.describe(id);
    if (!facts) return fail(res, 410, "GoneException", `connection ${id} is gone`);
    const body = JSON.stringify({
      connectedAt: new Date(facts.connectedAt).toISOString(),
      identity: { sourceIp: facts.sourceIp, userAgent: facts.userAgent },
      lastActiveAt: new Date(facts.lastActiveAt).toISOString(),
    });
    res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) }).end(body);
    return true;
  };
}

function decode(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/** The whole body, or undefined once it grows past `limit` (the rest is drained). */
export function readLimited(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
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
