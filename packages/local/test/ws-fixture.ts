import { ApiGatewayManagementApiClient } from "@aws-sdk/client-apigatewaymanagementapi";
import WebSocket from "ws";
import type { WebSocketSpec } from "../../../infra/manifest.js";
import { createHttpGateway } from "../src/http-gateway.js";
import type { LocalFunction } from "../src/lambda.js";
import type { Logger } from "../src/log.js";
import { createWebSocketGateway, type WebSocketGateway } from "../src/ws-gateway.js";

/** An HTTP gateway with a WebSocket gateway on it, serving `fns` by name; port chosen freely. */
export async function startGateways(
  spec: WebSocketSpec,
  fns: Record<string, LocalFunction>,
  opts: { log: Logger; idleTimeoutMs?: number; maxDurationMs?: number },
) {
  const resolve = (name: string) => {
    const fn = fns[name];
    if (!fn) throw new Error(`no fixture function ${name}`);
    return fn;
  };
  const http = createHttpGateway({ routes: [], resolve, log: opts.log });
  const ws: WebSocketGateway = createWebSocketGateway({ server: http.server, spec, resolve, ...opts });
  http.use(ws.managementHook);
  const base = await http.listen(0);
  return {
    base,
    wsUrl: `${base.replace(/^http/, "ws")}/ws`,
    ws,
    stop: async () => {
      await ws.close();
      await http.close();
    },
  };
}

/** The real management API client, pointed at `endpoint` (any credentials: the signature is not checked locally). */
export function managementClient(endpoint: string): ApiGatewayManagementApiClient {
  return new ApiGatewayManagementApiClient({
    endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "weftlocal", secretAccessKey: "weftlocal" },
    maxAttempts: 1,
  });
}

export interface Client {
  ws: WebSocket;
  /** Text frames received, in order. */
  received: string[];
  /** Resolves with the close code and reason once the socket is closed. */
  closed: Promise<{ code: number; reason: string }>;
  /** Resolves with the next frame received after the call (or one already waiting beyond `from`). */
  next(from?: number): Promise<string>;
}

/** Opens a real WebSocket; rejects with `{status, body}` when the upgrade is refused. */
export function openClient(url: string, headers: Record<string, string> = {}): Promise<Client> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    const received: string[] = [];
    const waiters: Array<() => void> = [];
    ws.on("message", (data) => {
      received.push(data.toString());
      waiters.splice(0).forEach((w) => w());
    });
    const closed = new Promise<{ code: number; reason: string }>((r) => ws.on("close", (code, reason) => r({ code, reason: reason.toString() })));
    ws.on("unexpected-response", (_req, res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c));
      res.on("end", () => reject(Object.assign(new Error(`upgrade refused: ${res.statusCode}`), { status: res.statusCode, body })));
    });
    ws.on("error", reject);
    ws.on("open", () =>
      resolve({
        ws,
        received,
        closed,
        next: (from = received.length) =>
          new Promise((r) => {
            const check = () => (received.length > from ? r(received[from]) : waiters.push(check));
            check();
          }),
      }),
    );
  });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
