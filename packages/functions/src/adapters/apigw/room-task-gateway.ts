import { Agent, request } from "node:http";
import type { Gateway } from "@weft/core";

/**
 * How long a post to a room task may take. Past it the post fails (ETIMEDOUT, not gone): a task
 * that accepts and never answers would otherwise hold the poster (a room's delivery chain) for good.
 */
export const ROOM_TASK_REQUEST_TIMEOUT_MS = 5000;
/** How long connecting to a task may take (inside the VPC: a task that does not answer SYN is not there to post to). */
const CONNECT_TIMEOUT_MS = 1000;

/**
 * Errors that say a room task is not there at all: nothing listens at its address, or its host
 * is gone. Only these make its connections "gone". A reset of a request the task accepted says
 * nothing about the connection: it is what a keep-alive socket the task's server closed as the
 * client reused it looks like, and "gone" would delete a live socket's subscriptions
 * (dropGone). It is tried once more on a new socket, then thrown.
 */
const UNREACHABLE = new Set(["ECONNREFUSED", "EHOSTUNREACH", "ENETUNREACH"]);
const RESET = new Set(["ECONNRESET", "EPIPE"]);

/**
 * The Gateway port on one room task's private `@connections` API (rooms/connections-api.ts),
 * spoken over plain HTTP on kept-alive sockets: the same wire protocol as API Gateway's
 * management API, without the AWS SDK's request pipeline and SigV4 signing, which the private
 * port does not check (it is reachable inside the VPC only) and which cost a room task more CPU
 * per delivery to a subscriber on another task than the delivery itself (docs/cost.md, cut 34).
 * 200/204: "ok"; 410: "gone"; the task not there at all (refused, unreachable): "gone"; a reset:
 * tried once more, then thrown; no answer within ROOM_TASK_REQUEST_TIMEOUT_MS (or no connection
 * within 1 s): thrown as ETIMEDOUT; any other status: thrown (413: a message over the limit, a
 * bug upstream).
 */
export class RoomTaskGateway implements Gateway {
  private readonly host: string;
  private readonly port: number;

  /** `endpoint`: `http://host:port` of the task's private port (connection-ids.ts roomEndpointOf). */
  constructor(
    endpoint: string,
    private readonly agent: Agent = SHARED_AGENT,
  ) {
    const url = new URL(endpoint);
    this.host = url.hostname.replace(/^\[|\]$/g, "");
    this.port = Number(url.port);
  }

  post(connectionId: string, data: string): Promise<"ok" | "gone"> {
    return this.call("POST", connectionId, Buffer.from(data, "utf8"));
  }

  close(connectionId: string): Promise<"ok" | "gone"> {
    return this.call("DELETE", connectionId);
  }

  private async call(method: "POST" | "DELETE", connectionId: string, body?: Buffer, attempt = 1): Promise<"ok" | "gone"> {
    try {
      const status = await this.send(method, connectionId, body);
      if (status === 200 || status === 204) return "ok";
      if (status === 410) return "gone";
      throw Object.assign(new Error(`the room task's @connections API answered ${status} to ${method}`), { status });
    } catch (err) {
      const code = String((err as { code?: unknown }).code);
      if (UNREACHABLE.has(code)) return "gone";
      if (RESET.has(code) && attempt === 1) return this.call(method, connectionId, body, 2);
      throw err;
    }
  }

  private send(method: string, connectionId: string, body?: Buffer): Promise<number> {
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: this.host,
          port: this.port,
          method,
          path: `/@connections/${encodeURIComponent(connectionId)}`,
          agent: this.agent,
          headers: body ? { "content-type": "application/octet-stream", "content-length": body.length } : {},
        },
        (res) => {
          res.resume();
          res.on("end", () => resolve(res.statusCode ?? 0));
          res.on("error", reject);
        },
      );
      const timedOut = (what: string) => req.destroy(Object.assign(new Error(`the room task did not ${what}`), { code: "ETIMEDOUT" }));
      req.setTimeout(ROOM_TASK_REQUEST_TIMEOUT_MS, () => timedOut(`answer within ${ROOM_TASK_REQUEST_TIMEOUT_MS} ms`));
      req.on("socket", (socket) => {
        if (!socket.connecting) return;
        const t = setTimeout(() => timedOut(`accept a connection within ${CONNECT_TIMEOUT_MS} ms`), CONNECT_TIMEOUT_MS);
        socket.once("connect", () => clearTimeout(t));
        socket.once("close", () => clearTimeout(t));
      });
      req.on("error", reject);
      req.end(body);
    });
  }
}

/** One pool of kept-alive sockets per process, to every task it posts to. */
const SHARED_AGENT = new Agent({ keepAlive: true, keepAliveMsecs: 30_000, maxSockets: 256 });
