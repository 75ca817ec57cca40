import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { billingUnits } from "@weft/core/cost/usage";
import { HTTP_REQUEST_UNIT_BYTES } from "@weft/functions/adapters/billing/message-units";
import { meterUsage } from "@weft/functions/adapters/billing/usage-context";
import type { RouteSpec } from "../../../infra/manifest.js";
import { httpEvent, httpResponse } from "./http-event.js";
import { invoke, type LocalFunction } from "./lambda.js";
import { createLogger, type Logger } from "./log.js";

/** API Gateway's payload limit: larger requests are refused before any function runs. */
export const MAX_BODY_BYTES = 10 * 1024 * 1024;

/** Answers a request itself and returns true, or returns false to pass it on. */
export type RequestHook = (req: IncomingMessage, res: ServerResponse) => boolean | Promise<boolean>;

export interface HttpGatewayOptions {
  routes: RouteSpec[];
  /** The function a route names; may wait (the stack holds requests until it is up). */
  resolve(name: string): LocalFunction | Promise<LocalFunction>;
  region?: string;
  log?: Logger;
}

export interface HttpGateway {
  /** The node:http server: attach more listeners (e.g. `upgrade` for WebSockets) to it. */
  readonly server: Server;
  /** Adds a hook tried (in order of adding) before the routes. */
  use(hook: RequestHook): void;
  /** Listens on `host` (default 127.0.0.1); port 0 picks a free one. Resolves with the base URL. */
  listen(port: number, host?: string): Promise<string>;
  /** Stops accepting connections and resolves when in-flight requests are answered. */
  close(): Promise<void>;
}

interface CompiledRoute {
  spec: RouteSpec;
  routeKey: string;
  segments: string[];
  literals: number;
}

/**
 * The local stand-in for API Gateway HTTP API: matches a request against the manifest routes
 * (`{name}` matches one path segment; the route with most literal segments wins), invokes
 * the route's function with a payload-2.0 event and writes its result back. No route: 404;
 * body over 10 MB: 413; a function error or invalid result: 500 (and an error log). Error
 * bodies are `{"error":{"code","message"}}`.
 *
 * Usage: each request that reaches a route's function counts as "apigw.httpRequests" under
 * that function, in HTTP API's 512 KB metering units of request body plus response body (AWS
 * says HTTP APIs are "metered in 512 KB increments" without naming the direction; counting
 * both is the upper reading). Requests refused before any function (404, 413) and those the
 * hooks answer (the management API, the event bus, the outbox: local stand-ins for other
 * services, metered there) are not counted. The response body also counts as
 * "transfer.outBytes" (data out to the internet).
 */
export function createHttpGateway(o: HttpGatewayOptions): HttpGateway {
  const log = o.log ?? createLogger();
  const region = o.region ?? process.env.AWS_REGION ?? "us-east-1";
  const routes = o.routes.map(compile);
  const hooks: RequestHook[] = [];

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const at = Date.now();
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    const rawPath = q < 0 ? url : url.slice(0, q);
    for (const hook of hooks) if (await hook(req, res)) return;

    const requestId = randomBytes(10).toString("base64").replace(/=+$/, "");
    const method = req.method ?? "GET";
    res.setHeader("apigw-requestid", requestId);
    res.once("finish", () => log.info("http request", { method, path: rawPath, status: res.statusCode, ms: Date.now() - at }));
    const route = match(routes, method, rawPath);
    if (!route) return refuse(req, res, 404, "not_found", `no route for ${method} ${rawPath}`);
    const body = Number(req.headers["content-length"]) > MAX_BODY_BYTES ? undefined : await readBody(req);
    if (!body) return refuse(req, res, 413, "payload_too_large", `request body exceeds ${MAX_BODY_BYTES} bytes`);

    const fn = await o.resolve(route.spec.function);
    const event = httpEvent(req, { ...route, rawPath, rawQueryString: q < 0 ? "" : url.slice(q + 1), body, requestId, at });
    const out = await invoke(fn, event, region);
    let responseBytes = 0;
    try {
      if (!out.ok) throw out.error;
      const response = httpResponse(out.result);
      responseBytes = response.body.length;
      res.writeHead(response.statusCode, { ...response.headers, "content-length": response.body.length });
      res.end(response.body);
    } catch (err) {
      log.error("http function failed", { routeKey: route.routeKey, function: fn.name, requestId, error: err });
      sendError(res, 500, "internal", "Internal Server Error");
    }
    meterUsage("apigw.httpRequests", billingUnits(body.length + responseBytes, HTTP_REQUEST_UNIT_BYTES), { fn: fn.name });
    if (responseBytes > 0) meterUsage("transfer.outBytes", responseBytes, { fn: fn.name });
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err) => {
      log.error("http gateway failed", { method: req.method, url: req.url, error: err });
      if (!res.headersSent) sendError(res, 500, "internal", "Internal Server Error");
      else res.destroy();
    });
  });

  return {
    server,
    use: (hook) => void hooks.push(hook),
    listen: (port, host = "127.0.0.1") =>
      new Promise((resolve, reject) => {
        const onError = (err: NodeJS.ErrnoException) =>
          reject(err.code === "EADDRINUSE" ? Object.assign(new Error(`port ${port} is already in use on ${host}`), { code: err.code }) : err);
        server.once("error", onError);
        server.listen(port, host, () => {
          server.off("error", onError);
          resolve(`http://${host}:${(server.address() as AddressInfo).port}`);
        });
      }),
    close: () =>
      new Promise((resolve) => {
        if (!server.listening) return resolve();
        // A stuck request must not hold the stack open forever.
        const force = setTimeout(() => server.closeAllConnections(), 5000).unref();
        server.close(() => {
          clearTimeout(force);
          resolve();
        });
        server.closeIdleConnections();
      }),
  };
}

function compile(spec: RouteSpec): CompiledRoute {
  const segments = spec.path.split("/");
  return { spec, routeKey: `${spec.method} ${spec.path}`, segments, literals: segments.filter((s) => !isParam(s)).length };
}

function isParam(segment: string): boolean {
  return segment.startsWith("{") && segment.endsWith("}");
}

function match(
  routes: CompiledRoute[],
  method: string,
  rawPath: string,
): (CompiledRoute & { pathParameters?: Record<string, string> }) | undefined {
  const parts = rawPath.split("/");
  let best: CompiledRoute | undefined;
  for (const r of routes) {
    if (r.spec.method !== method || r.segments.length !== parts.length) continue;
    if (!r.segments.every((s, i) => (isParam(s) ? parts[i] !== "" : s === parts[i]))) continue;
    if (!best || r.literals > best.literals) best = r;
  }
  if (!best) return undefined;
  const params: Record<string, string> = {};
  best.segments.forEach((s, i) => {
    if (isParam(s)) params[s.slice(1, -1)] = decodeSegment(parts[i]);
  });
  return { ...best, pathParameters: Object.keys(params).length > 0 ? params : undefined };
}

function decodeSegment(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** The whole body, or undefined once it grows past MAX_BODY_BYTES (the rest is drained). */
function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
      else chunks.length = 0;
    });
    req.on("end", () => resolve(size <= MAX_BODY_BYTES ? Buffer.concat(chunks) : undefined));
    req.on("error", reject);
  });
}

/** Answers without invoking anything; the request body is drained so the client reads the answer. */
function refuse(req: IncomingMessage, res: ServerResponse, status: number, code: string, message: string): void {
  req.resume();
  sendError(res, status, code, message);
}

function sendError(res: ServerResponse, status: number, code: string, message: string): void {
  const body = JSON.stringify({ error: { code, message } });
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
  res.end(body);
}
