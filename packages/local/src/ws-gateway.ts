import type { IncomingMessage, Server } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer, type WebSocket } from "ws";
import { NO_FUNCTION, billingUnits } from "@weft/core/cost/usage";
import { WS_MESSAGE_UNIT_BYTES } from "@weft/functions/adapters/billing/message-units";
import { meterUsage } from "@weft/functions/adapters/billing/usage-context";
import type { WebSocketSpec } from "../../../infra/manifest.js";
import { connectionsEndpoint } from "./connections-endpoint.js";
import type { RequestHook } from "./http-gateway.js";
import { invoke, type LocalFunction } from "./lambda.js";
import { createLogger, type Logger } from "./log.js";
import { authorizerVerdict } from "./ws-authorizer-result.js";
import { CLOSE, LiveConnection, MAX_MESSAGE_BYTES } from "./ws-connection.js";
import {
  authorizerEvent,
  connectEvent,
  disconnectEvent,
  gatewayId,
  messageEvent,
  methodArn,
  upgradeRequest,
  type AuthorizerContext,
  type UpgradeRequest,
} from "./ws-events.js";
import { checkIdentitySource, connectStatus, identityValue, isWebSocketHandshake, refuseUpgrade } from "./ws-upgrade.js";

/** API Gateway's idle timeout and maximum connection duration for WebSocket APIs. */
export const IDLE_TIMEOUT_MS = 10 * 60_000;
export const MAX_CONNECTION_MS = 2 * 60 * 60_000;
/** Where the authorizer reads the token unless the spec says otherwise (browsers cannot set upgrade headers). */
export const DEFAULT_IDENTITY_SOURCES = ["route.request.querystring.token"];

export interface WebSocketGatewayOptions {
  /** The HTTP gateway's server: WebSocket upgrades to `path` are served on it. */
  server: Server;
  spec: WebSocketSpec;
  /** The function a route (or the authorizer) names; may wait, like the HTTP gateway's. */
  resolve(name: string): LocalFunction | Promise<LocalFunction>;
  /** Default "/ws". */
  path?: string;
  region?: string;
  log?: Logger;
  /** Default IDLE_TIMEOUT_MS (tests shorten it). */
  idleTimeoutMs?: number;
  /** Default MAX_CONNECTION_MS. */
  maxDurationMs?: number;
}

export interface WebSocketGateway {
  /** The management API (`/@connections/{id}`): add it with `HttpGateway.use`. */
  readonly managementHook: RequestHook;
  /** Open connections by id. */
  readonly connections: ReadonlyMap<string, LiveConnection>;
  /** Refuses new upgrades, closes every connection (each gets its `$disconnect`) and waits for that. */
  close(): Promise<void>;
}

/**
 * The local stand-in for an API Gateway WebSocket API, on the HTTP gateway's server.
 *
 * Upgrade: a missing identity source refuses with 401 without calling the authorizer; the
 * authorizer throwing exactly `Error("Unauthorized")` -> 401, a Deny policy -> 403, any other
 * failure or an invalid result -> 500; then the `$connect` route, whose non-2xx `statusCode`
 * refuses with that status (a thrown error or invalid result: 502). Only then is the upgrade
 * accepted. Every connection whose `$connect` succeeded gets exactly one `$disconnect`.
 *
 * Messages: a text frame goes to the route named by its JSON `action` (custom routes only),
 * else to `$default`; with neither, and when the route's function fails, the client gets
 * API Gateway's `{"message":"Forbidden"|"Internal server error","connectionId","requestId"}`.
 * A connection's messages run one at a time in arrival order (API Gateway does not promise
 * that; handlers must not rely on it). Route results are dropped (no route responses):
 * handlers answer through the management API. A message over 128 KB closes with 1009; a
 * binary frame closes with 1003, as API Gateway does.
 *
 * Usage (API Gateway bills messages in both directions, in 32 KB units, and connection
 * minutes):
 * - every text message a client sends counts as "apigw.wsMessages" under the function of the
 *   route it goes to (NO_FUNCTION when none), and so does each error reply the gateway sends
 *   itself (Forbidden, Internal server error). Messages handlers post to connections are
 *   counted by the SDK middleware on their PostToConnection call (the management API here
 *   counts nothing, so nothing is counted twice). $connect and $disconnect are not messages;
 * - each opened connection, when it closes, counts its duration rounded up to whole minutes
 *   (at least 1) as "apigw.wsConnectionMinutes" under the $connect route's function: an
 *   upper reading, as AWS does not document the rounding. A connection still open counts
 *   nothing until it closes (`close()` closes them all).
 */
export function createWebSocketGateway(o: WebSocketGatewayOptions): WebSocketGateway {
  const log = o.log ?? createLogger();
  const region = o.region ?? process.env.AWS_REGION ?? "us-east-1";
  const path = o.path ?? "/ws";
  const routes = o.spec.routes;
  const identitySources = o.spec.identitySources ?? DEFAULT_IDENTITY_SOURCES;
  const limits = { idleTimeoutMs: o.idleTimeoutMs ?? IDLE_TIMEOUT_MS, maxDurationMs: o.maxDurationMs ?? MAX_CONNECTION_MS };
  if (o.spec.authorizer && !routes.$connect) throw new Error("a WebSocket authorizer needs a $connect route (it runs on $connect)");
  identitySources.forEach(checkIdentitySource);

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES, clientTracking: false });
  const connections = new Map<string, LiveConnection>();
  const sockets = new Set<WebSocket>();
  const pending = new Set<Promise<void>>();
  const disconnects = new Set<Promise<void>>();
  let closing = false;

  const call = async (name: string, event: unknown) => invoke(await o.resolve(name), event, region);

  const runDisconnect = async (u: UpgradeRequest, authorizer: AuthorizerContext | undefined, close: { code: number; reason: string }) => {
    if (!routes.$disconnect) return;
    const out = await call(routes.$disconnect, disconnectEvent(u, authorizer, close, Date.now()));
    // API Gateway ignores what $disconnect returns, failures included.
    if (!out.ok) log.error("ws $disconnect failed", { connectionId: u.connectionId, error: out.error });
  };
  const track = (task: Promise<void>, into: Set<Promise<void>>) => {
    into.add(task);
    void task.finally(() => into.delete(task));
  };

  const authorize = async (u: UpgradeRequest, socket: Duplex): Promise<AuthorizerContext | undefined | false> => {
    if (!o.spec.authorizer) return undefined;
    if (identitySources.some((source) => !identityValue(u, source))) return refuseUpgrade(socket, 401);
    const started = Date.now();
    const out = await call(o.spec.authorizer, authorizerEvent(u, region, u.connectedAt));
    if (!out.ok) {
      if (out.error.message === "Unauthorized") return refuseUpgrade(socket, 401);
      log.error("ws authorizer failed", { connectionId: u.connectionId, error: out.error });
      return refuseUpgrade(socket, 500);
    }
    const verdict = authorizerVerdict(out.result, methodArn(region, "$connect"), Date.now() - started);
    if (verdict.kind === "deny") return refuseUpgrade(socket, 403);
    if (verdict.kind === "invalid") {
      log.error("ws authorizer returned an invalid result", { connectionId: u.connectionId, reason: verdict.reason });
      return refuseUpgrade(socket, 500);
    }
    return verdict.authorizer;
  };

  const accept = async (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (closing) return void refuseUpgrade(socket, 503);
    if (!isWebSocketHandshake(req)) return void refuseUpgrade(socket, 400);
    const u = upgradeRequest(req, gatewayId(), Date.now());
    const authorizer = await authorize(u, socket);
    if (authorizer === false) return;
    if (routes.$connect) {
      const status = connectStatus(await call(routes.$connect, connectEvent(u, authorizer, Date.now())));
      if (status.error) log.error("ws $connect failed", { connectionId: u.connectionId, error: status.error });
      if (status.code < 200 || status.code > 299) return void refuseUpgrade(socket, status.code);
    }
    if (closing || socket.destroyed) {
      // $connect accepted a connection that cannot open any more: it still gets its $disconnect.
      refuseUpgrade(socket, 503);
      return runDisconnect(u, authorizer, { code: 1006, reason: "Connection closed before the upgrade completed" });
    }
    wss.handleUpgrade(req, socket, head, (ws) => open(ws, u, authorizer));
  };

  const open = (ws: WebSocket, u: UpgradeRequest, authorizer: AuthorizerContext | undefined) => {
    const conn = new LiveConnection(ws, u, authorizer, limits);
    connections.set(u.connectionId, conn);
    sockets.add(ws);
    log.info("ws connected", { connectionId: u.connectionId });
    ws.on("message", (data: Buffer, isBinary: boolean) => {
      if (conn.gone) return;
      if (isBinary) return conn.close(CLOSE.binary);
      const at = Date.now();
      conn.touch(at);
      const body = data.toString("utf8");
      void conn.enqueue(() => dispatch(conn, body, at));
    });
    ws.on("error", (err: Error & { code?: string }) => {
      // The ws library closes the socket itself after a protocol error (1009 for a message over maxPayload).
      if (err.code === "WS_ERR_UNSUPPORTED_MESSAGE_LENGTH") conn.closedBy ??= CLOSE.tooBig;
      else log.warn("ws socket error", { connectionId: u.connectionId, error: err.message });
      conn.markGone();
    });
    ws.on("close", (code: number) => {
      conn.markGone();
      connections.delete(u.connectionId);
      sockets.delete(ws);
      const close = conn.closedBy ?? { code, reason: `Client-side close frame status code ${code}` };
      log.info("ws disconnected", { connectionId: u.connectionId, code: close.code });
      const minutes = Math.max(1, Math.ceil((Date.now() - u.connectedAt) / 60_000));
      meterUsage("apigw.wsConnectionMinutes", minutes, { fn: routes.$connect ?? NO_FUNCTION });
      track(conn.enqueue(() => runDisconnect(u, authorizer, close)), disconnects);
    });
  };

  const messages = (fn: string, text: string) => meterUsage("apigw.wsMessages", billingUnits(Buffer.byteLength(text), WS_MESSAGE_UNIT_BYTES), { fn });
  /** An error reply the gateway itself sends (a message API Gateway bills). */
  const reply = async (conn: LiveConnection, fn: string, text: string) => {
    if (await conn.send(text)) {
      messages(fn, text);
      meterUsage("transfer.outBytes", Buffer.byteLength(text), { fn });
    }
  };

  const dispatch = async (conn: LiveConnection, body: string, at: number) => {
    const routeKey = selectRoute(routes, body);
    const fn = routeKey ? routes[routeKey] : NO_FUNCTION;
    messages(fn, body);
    const requestId = gatewayId();
    if (!routeKey) return reply(conn, fn, JSON.stringify({ message: "Forbidden", connectionId: conn.id, requestId }));
    const event = messageEvent(conn.request, conn.authorizer, routeKey, body, at);
    event.requestContext.requestId = requestId;
    const out = await call(routes[routeKey], event);
    if (out.ok) return;
    log.error("ws route failed", { routeKey, connectionId: conn.id, error: out.error });
    await reply(conn, fn, JSON.stringify({ message: "Internal server error", connectionId: conn.id, requestId }));
  };

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on("error", () => undefined); // a client vanishing mid-upgrade is not our error
    if ((req.url ?? "/").split("?")[0] !== path) {
      // Leave other paths to other upgrade listeners, if there are any.
      if (o.server.listenerCount("upgrade") === 1) refuseUpgrade(socket, 404);
      return;
    }
    track(
      accept(req, socket, head).catch((err) => {
        log.error("ws upgrade failed", { error: err });
        refuseUpgrade(socket, 500);
      }),
      pending,
    );
  };
  o.server.on("upgrade", onUpgrade);

  return {
    managementHook: connectionsEndpoint(connections, log),
    connections,
    close: async () => {
      closing = true;
      await Promise.allSettled([...pending]);
      const open = [...sockets];
      for (const conn of connections.values()) conn.close(CLOSE.shutdown);
      // Clients normally answer the close frame at once; one that does not is cut off.
      const force = setTimeout(() => open.forEach((ws) => ws.terminate()), 1000).unref();
      await Promise.all(open.map((ws) => new Promise((r) => (ws.readyState === ws.CLOSED ? r(undefined) : ws.once("close", r)))));
      clearTimeout(force);
      await Promise.allSettled([...disconnects]);
      o.server.off("upgrade", onUpgrade);
      wss.close();
    },
  };
}

/** The route a message goes to: its JSON `action` when that names a custom route, else `$default` (if any). */
export function selectRoute(routes: Record<string, string>, body: string): string | undefined {
  let action: unknown;
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)) action = (parsed as { action?: unknown }).action;
  } catch {
    action = undefined;
  }
  if (typeof action === "string" && !action.startsWith("$") && Object.hasOwn(routes, action)) return action;
  return Object.hasOwn(routes, "$default") ? "$default" : undefined;
}
