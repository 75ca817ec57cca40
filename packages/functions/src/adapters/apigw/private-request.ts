import { Agent, request } from "node:http";

/** How long connecting to a task's private port may take (inside the VPC: a task that does not answer SYN is not there). */
const CONNECT_TIMEOUT_MS = 1000;

/** One pool of kept-alive sockets per process, to every task's private port it talks to. */
const PRIVATE_AGENT = new Agent({ keepAlive: true, keepAliveMsecs: 30_000, maxSockets: 256 });

/**
 * One HTTP request to a room task's private port (`host:port`): resolves with the status and
 * the whole body. Rejects with the socket's error (its `code`: ECONNREFUSED, ECONNRESET, ...),
 * or with code ETIMEDOUT when no connection came within 1 s or no answer within `timeoutMs`.
 */
export function privateRequest(
  address: string,
  o: { method: string; path: string; body?: Buffer; contentType?: string; timeoutMs: number },
): Promise<{ status: number; body: Buffer }> {
  const i = address.lastIndexOf(":");
  const host = address.slice(0, i).replace(/^\[|\]$/g, "");
  const port = Number(address.slice(i + 1));
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host,
        port,
        method: o.method,
        path: o.path,
        agent: PRIVATE_AGENT,
        headers: o.body ? { "content-type": o.contentType ?? "application/octet-stream", "content-length": o.body.length } : {},
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
        res.on("error", reject);
      },
    );
    const timedOut = (what: string) => req.destroy(Object.assign(new Error(`the room task did not ${what}`), { code: "ETIMEDOUT" }));
    req.setTimeout(o.timeoutMs, () => timedOut(`answer within ${o.timeoutMs} ms`));
    req.on("socket", (socket) => {
      if (!socket.connecting) return;
      const t = setTimeout(() => timedOut(`accept a connection within ${CONNECT_TIMEOUT_MS} ms`), CONNECT_TIMEOUT_MS);
      socket.once("connect", () => clearTimeout(t));
      socket.once("close", () => clearTimeout(t));
    });
    req.on("error", reject);
    req.end(o.body);
  });
}
