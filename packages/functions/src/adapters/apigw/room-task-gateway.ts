import type { Gateway } from "@weft/core";
import { privateRequest } from "./private-request.js";

/**
 * How long a post to a room task may take. Past it the post fails (ETIMEDOUT, not gone): a task
 * that accepts and never answers would otherwise hold the poster (a room's delivery chain) for good.
 */
export const ROOM_TASK_REQUEST_TIMEOUT_MS = 5000;

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
  private readonly address: string;

  /** `endpoint`: `http://host:port` of the task's private port (connection-ids.ts roomEndpointOf). */
  constructor(endpoint: string) {
    this.address = new URL(endpoint).host;
  }

  post(connectionId: string, data: string): Promise<"ok" | "gone"> {
    return this.call("POST", connectionId, Buffer.from(data, "utf8"));
  }

  close(connectionId: string): Promise<"ok" | "gone"> {
    return this.call("DELETE", connectionId);
  }

  private async call(method: "POST" | "DELETE", connectionId: string, body?: Buffer, attempt = 1): Promise<"ok" | "gone"> {
    try {
      const path = `/@connections/${encodeURIComponent(connectionId)}`;
      const { status } = await privateRequest(this.address, { method, path, ...(body ? { body } : {}), timeoutMs: ROOM_TASK_REQUEST_TIMEOUT_MS });
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
}
