import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { WebSocketServer, type WebSocket } from "ws";
import { ENV } from "../../../../infra/manifest.js";
import { ROOM_DEFLATE, WireBytes } from "./wire-bytes.js";
import { MAX_BODY_BYTES, onConnect, onDisconnect, onMessage, type Caller, type Gateway, type Principal } from "@weft/core";
import { meterCpuOf, meterUsage, runAsFunction } from "../adapters/billing/usage-context.js";
import { connectionsApi } from "./connections-api.js";
import { roomConnectionId } from "./connection-ids.js";
import type { RoomWiring } from "./room-wiring.js";
import { handleSubmit } from "./room-submit.js";
import { forwardedSubmitApi } from "./forwarded-submit.js";
import { handedOffRunApi } from "./handed-off-run.js";

/** What a room task's usage is attributed to (the cost bench prices it as Fargate, not Lambda). */
export const ROOMS_FUNCTION = "rooms";
/** A connection lives at most this long, as on API Gateway (docs/protocol.md): its token is checked again on reconnect. */
export const ROOM_MAX_CONNECTION_MS = 2 * 60 * 60_000;
/** How long the private `@connections` port keeps an idle poster's socket open. */
const PRIVATE_KEEP_ALIVE_MS = 65_000;

/** A message posted through the private `@connections` API: API Gateway's limit, as the posters pack for it. */
const PRIVATE_MAX_MESSAGE_BYTES = 128 * 1024;
/** A client frame: a `submit` carries a whole change (POST /ops's body limit) plus its envelope. */
const MAX_FRAME_BYTES = MAX_BODY_BYTES + 4096;
/**
 * How long a stopping task (a deploy, a scale-in, a Fargate Spot reclaim: SIGTERM) takes to close
 * its sockets in the container (rooms/main.ts; `WEFT_ROOMS_DRAIN_MS`): spread over 30 s, its
 * clients reconnect to the other tasks a slice at a time instead of all in the same second, and
 * their documents' leases move as their editors leave. Well inside Fargate Spot's two minutes
 * (the task definition's stopTimeout, infra/manifest-rooms.ts).
 */
export const ROOM_DRAIN_MS = 30_000;
/** The groups a drain closes its sockets in, one every drainMs / DRAIN_SLICES. */
const DRAIN_SLICES = 20;

export interface RoomServerOptions {
  /**
   * On `close`, the open sockets are closed spread evenly over this many ms (default 0: all at
   * once; the container uses ROOM_DRAIN_MS). Meanwhile new sockets are refused (503), `GET
   * /health` answers 503, and the task keeps serving the sockets not yet closed and its private
   * port (forwards from other tasks, posts to its sockets).
   */
  drainMs?: number;
  /** Public port (WebSocket at /ws, GET /health); 0 picks one. */
  port: number;
  /** Private `@connections` port; 0 picks one. */
  privatePort: number;
  /** Bind address of both servers (default 0.0.0.0). */
  host?: string;
  /** How other tasks and functions reach the private port (`host:port`); default `privateHost`:<bound private port>. */
  privateAddress?: string;
  /** The host part of the default `privateAddress` (default 127.0.0.1). */
  privateHost?: string;
  authenticate(authorization: string | undefined): Promise<Principal>;
  /** Builds the task's deps once the gateway exists and the private port listens (room-wiring.ts): `privateAddress` is where other tasks reach this one. */
  wire(gateway: Gateway, privateAddress: string): RoomWiring;
  /** Where connection problems are logged (JSON lines). */
  logSink(line: Record<string, unknown>): void;
  /** Posts to connections of other tasks and of API Gateway (routing-gateway.ts). */
  elsewhere: Gateway;
}

export interface RoomServer {
  /** `ws://host:port/ws` */
  readonly url: string;
  /** `http://host:port` of the private `@connections` API. */
  readonly privateUrl: string;
  readonly wiring: RoomWiring;
  /** Open connections on this task. */
  readonly connections: number;
  /** Refuses new connections, closes every open one (each gets its disconnect; over `drainMs`) and stops both servers. */
  close(): Promise<void>;
}

interface RoomSocket {
  ws: WebSocket;
  /** What the connection's TCP socket moved: the billed bytes. */
  wire: WireBytes;
  caller: Caller;
  principal: Principal;
  /** Non-submit messages run one at a time, in arrival order, after the connect. */
  chain: Promise<void>;
  connectedAt: number;
  lastActiveAt: number;
  sourceIp: string;
  userAgent: string;
}

/**
 * A room task (docs/rooms.md): serves the WebSocket protocol of docs/protocol.md from memory,
 * with `submit` for changes, on `port`; and the `@connections` API on `privatePort` for the
 * functions and other tasks that post to its sockets.
 *
 * A connection's upgrade is refused with 401 unless `?token=` verifies exactly as the HTTP
 * API's bearer token does. Its messages other than `submit` run one at a time in arrival order
 * through core/live/session.ts, as API Gateway's routes do; submits run concurrently (each
 * waits for its document's group commit), so a slow commit never holds up presence or pings.
 * Messages are compressed when the client offers permessage-deflate (wire-bytes.ts ROOM_DEFLATE;
 * `WEFT_ROOMS_DEFLATE=off` turns it off).
 * Every unit of work is attributed to ROOMS_FUNCTION; every byte sent to a client (on the wire,
 * as compressed) is metered as data out, every byte both ways and every new connection as the
 * load balancer's, and with
 * WEFT_METER_CONTAINER_CPU=1 the tier's CPU time (usage-context.ts meterCpuOf).
 */
export async function startRoomServer(o: RoomServerOptions): Promise<RoomServer> {
  const sockets = new Map<string, RoomSocket>();
  // The cost bench meters the tier's CPU time (an async hook: overhead, so only when asked).
  const stopCpuMeter = process.env.WEFT_METER_CONTAINER_CPU === "1" ? meterCpuOf(ROOMS_FUNCTION) : () => undefined;
  const host = o.host ?? "0.0.0.0";
  const send = (s: RoomSocket, data: string | Buffer): Promise<boolean> =>
    new Promise((resolve) => {
      if (s.ws.readyState !== s.ws.OPEN) return resolve(false);
      s.ws.send(data, (err) => {
        // Bytes on the wire once written (compressed when the client took permessage-deflate).
        const bytes = s.wire.sent();
        meterUsage("transfer.outBytes", bytes, { fn: ROOMS_FUNCTION });
        meterUsage("nlb.bytes", bytes, { fn: ROOMS_FUNCTION });
        resolve(!err);
      });
    });
  const gateway: Gateway = {
    post: async (id, data) => {
      const s = sockets.get(id);
      if (s) return (await send(s, data)) ? "ok" : "gone";
      return o.elsewhere.post(id, data);
    },
    close: async (id) => {
      const s = sockets.get(id);
      if (!s) return o.elsewhere.close(id);
      s.ws.close(1000, "closed by the server");
      return "ok";
    },
  };
  // Set once the private port listens (its address is part of the task's identity to others).
  let wired: RoomWiring | undefined;

  const privateApi = connectionsApi(
    {
      post: async (id, data) => {
        const s = sockets.get(id);
        return s !== undefined && (await send(s, data.toString("utf8")));
      },
      remove: (id) => {
        const s = sockets.get(id);
        if (!s) return false;
        s.ws.close(1000, "closed by the server");
        return true;
      },
      describe: (id) => {
        const s = sockets.get(id);
        return s && { connectedAt: s.connectedAt, sourceIp: s.sourceIp, userAgent: s.userAgent, lastActiveAt: s.lastActiveAt };
      },
    },
    PRIVATE_MAX_MESSAGE_BYTES,
  );
  const forwarded = forwardedSubmitApi(() => wired?.sequencer);
  const handedOff = handedOffRunApi(() => wired?.sequencer);
  // The task's work for other tasks and functions (forwarded changes, posts to its sockets) is its own: metered as the tier's.
  const privateServer = createServer((req, res) => {
    void runAsFunction(ROOMS_FUNCTION, async () => (await forwarded(req, res)) || (await handedOff(req, res)) || (await privateApi(req, res))).then((handled) => {
      if (!handled) res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ message: "Not Found" }));
    });
  });
  // Posters keep their sockets to this port open (the SDK's keep-alive agent): a server that
  // closes an idle one as it is reused makes the post fail with a reset (retried once by
  // ApiGatewayGateway), so idle sockets are kept far longer than the posters' bursts are apart.
  privateServer.keepAliveTimeout = PRIVATE_KEEP_ALIVE_MS;
  privateServer.headersTimeout = PRIVATE_KEEP_ALIVE_MS + 1000;
  await listen(privateServer, o.privatePort, host);
  const privatePort = (privateServer.address() as AddressInfo).port;
  const privateAddress = o.privateAddress ?? `${o.privateHost ?? "127.0.0.1"}:${privatePort}`;
  const wiring = (wired = o.wire(gateway, privateAddress));

  const deflate = process.env[ENV.roomsDeflate] !== "off";
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES, perMessageDeflate: deflate ? ROOM_DEFLATE : false });
  /** Set by `close`: the task is stopping (new sockets refused, /health 503). */
  let draining = false;
  const publicServer = createServer((req, res) => {
    if (req.method === "GET" && (req.url ?? "").split("?")[0] === "/health") {
      const { forwards, ownedDocuments, holderHeads } = wiring.sequencer;
      // heads: runs of held documents started from the kept head, and from a read (holder-heads.ts).
      const heads = holderHeads?.counts;
      const body = JSON.stringify({ ok: !draining, ...(draining ? { draining: true } : {}), connections: sockets.size, ownedDocuments, forwards, ...(heads ? { heads } : {}) });
      res.writeHead(draining ? 503 : 200, { "content-type": "application/json" }).end(body);
      return;
    }
    res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ error: { code: "not_found", message: "the room tier serves /ws and /health" } }));
  });
  publicServer.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    void upgrade(req, socket, head);
  });

  async function upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const url = new URL(req.url ?? "/", "http://room");
    if (url.pathname !== "/ws") return refuse(socket, 404, "Not Found");
    if (draining) return refuse(socket, 503, "Service Unavailable");
    const token = url.searchParams.get("token");
    let principal: Principal;
    try {
      if (!token) throw new Error("no token query parameter");
      principal = await o.authenticate(`Bearer ${token}`);
    } catch (err) {
      o.logSink({ kind: "room_unauthorized", reason: (err as Error).message });
      return refuse(socket, 401, "Unauthorized");
    }
    wss.handleUpgrade(req, socket, head, (ws) => accept(ws, req, principal));
  }

  function accept(ws: WebSocket, req: IncomingMessage, principal: Principal): void {
    const now = wiring.session.clock.now();
    const caller: Caller = {
      connectionId: roomConnectionId(privateAddress),
      tenant: principal.tenant,
      userId: principal.userId,
      connectedAt: now,
      ...(principal.groups?.length ? { groups: principal.groups } : {}),
      ...(principal.admin ? { admin: true } : {}),
      ...(principal.expiresAt !== undefined ? { tokenExpiresAt: principal.expiresAt } : {}),
    };
    const s: RoomSocket = {
      ws,
      wire: new WireBytes(req.socket),
      caller,
      principal,
      chain: Promise.resolve(),
      connectedAt: now,
      lastActiveAt: now,
      sourceIp: req.socket.remoteAddress ?? "",
      userAgent: String(req.headers["user-agent"] ?? ""),
    };
    sockets.set(caller.connectionId, s);
    const step = (what: string, work: () => Promise<void>) =>
      runAsFunction(ROOMS_FUNCTION, () => work()).catch((err: unknown) => {
        o.logSink({ kind: "room_error", what, tenant: caller.tenant, connectionId: caller.connectionId, message: (err as Error)?.message });
      });
    const ready = (s.chain = step("connect", () => onConnect(wiring.session, caller)));
    const maxAge = setTimeout(() => ws.close(1001, "connection lived 2 hours: reconnect"), ROOM_MAX_CONNECTION_MS);
    meterUsage("nlb.newConnections", 1, { fn: ROOMS_FUNCTION });
    ws.on("message", (data, isBinary) => {
      s.lastActiveAt = wiring.session.clock.now();
      meterUsage("nlb.bytes", s.wire.received(), { fn: ROOMS_FUNCTION });
      if (isBinary) return ws.close(1003, "binary frames are not messages");
      const text = data.toString();
      const submit = submitOf(text);
      if (submit) {
        void ready.then(() => step("submit", async () => void (await send(s, await handleSubmit(wiring.sequencer, principal, submit, wiring.audit)))));
        return;
      }
      s.chain = s.chain.then(() => step("message", () => onMessage(wiring.session, caller, text)));
    });
    ws.on("close", () => {
      clearTimeout(maxAge);
      sockets.delete(caller.connectionId);
      s.chain = s.chain.then(() => step("disconnect", () => onDisconnect(wiring.session, caller.connectionId)));
    });
    ws.on("error", () => undefined);
  }

  await listen(publicServer, o.port, host);
  const port = (publicServer.address() as AddressInfo).port;
  const shown = host === "0.0.0.0" ? "127.0.0.1" : host;
  return {
    url: `ws://${shown}:${port}/ws`,
    privateUrl: `http://${privateAddress}`,
    wiring,
    get connections() {
      return sockets.size;
    },
    async close() {
      draining = true;
      const open = [...sockets.values()];
      await closeSpread(open, o.drainMs ?? 0);
      await Promise.all(open.map((s) => s.chain));
      wss.close();
      await Promise.all([stop(publicServer), stop(privateServer)]);
      await Promise.all(open.map((s) => s.chain));
      await wiring.close();
      stopCpuMeter();
    },
  };
}

/** The message when it is a `submit` (one JSON parse; everything else goes to the session as text). */
function submitOf(text: string): Record<string, unknown> | undefined {
  if (!text.includes('"submit"')) return undefined;
  try {
    const value = JSON.parse(text) as unknown;
    if (typeof value === "object" && value !== null && !Array.isArray(value) && (value as { action?: unknown }).action === "submit") {
      return value as Record<string, unknown>;
    }
  } catch {
    // Not JSON: the session answers invalid_message.
  }
  return undefined;
}

/**
 * Closes `open` ("the task is stopping", 1001) in up to DRAIN_SLICES groups, the first at once
 * and one more every drainMs / slices; all at once when drainMs is 0. A socket its client
 * closed meanwhile is closed again harmlessly.
 */
async function closeSpread(open: RoomSocket[], drainMs: number): Promise<void> {
  const slices = drainMs > 0 ? Math.max(1, Math.min(open.length, DRAIN_SLICES)) : 1;
  const per = Math.ceil(open.length / slices);
  for (let i = 0; i < slices; i++) {
    if (i > 0) await new Promise((r) => setTimeout(r, drainMs / slices));
    for (const s of open.slice(i * per, (i + 1) * per)) s.ws.close(1001, "the task is stopping");
  }
}

function refuse(socket: Duplex, status: number, reason: string): void {
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
}

function stop(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections?.();
    server.close(() => resolve());
  });
}
