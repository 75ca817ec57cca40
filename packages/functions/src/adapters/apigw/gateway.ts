import {
  ApiGatewayManagementApiClient,
  DeleteConnectionCommand,
  GoneException,
  PostToConnectionCommand,
} from "@aws-sdk/client-apigatewaymanagementapi";
import type { Gateway } from "@weft/core";
import { meterSdkClient } from "../billing/sdk-metering.js";

export interface ApiGatewayOptions {
  /**
   * The management API endpoint: `https://<api-id>.execute-api.<region>.amazonaws.com/<stage>`
   * on AWS, the local stack's base URL locally (env WEFT_WS_ENDPOINT, ENV.webSocketEndpoint).
   */
  endpoint: string;
  /** Local stack: static credentials and region (the local endpoint checks no signature). */
  local?: boolean;
  region?: string;
  /** Count posts as API Gateway messages (default true; false for a room task's private API). */
  metered?: boolean;
  /**
   * A room task's private API (routing-gateway.ts): short timeouts, no SDK retries, and a
   * refused or unreachable task means its connections are gone (a task that stopped took its
   * sockets with it).
   */
  roomTask?: boolean;
}

/**
 * Errors that say a room task is not there at all: nothing listens at its address, or its host
 * is gone. Only these make its connections "gone". A reset of a request the task accepted says
 * nothing about the connection: it is what a keep-alive socket the task's server closed as the
 * client reused it looks like (the SDK names it a TimeoutError, code ECONNRESET), and "gone"
 * would delete a live socket's subscriptions (dropGone). It is tried once more on a new socket,
 * then thrown.
 */
const UNREACHABLE = new Set(["ECONNREFUSED", "EHOSTUNREACH", "ENETUNREACH"]);
const RESET = new Set(["ECONNRESET", "EPIPE"]);

/**
 * How long a post to a room task may take. Past it the post fails (ETIMEDOUT, not gone): the
 * SDK only warns about a request past its `requestTimeout` unless told to throw, and a task
 * that accepts and never answers would otherwise hold the poster (a room's delivery chain) for good.
 */
export const ROOM_TASK_REQUEST_TIMEOUT_MS = 5000;

const codeOf = (err: unknown): string => String((err as { code?: unknown }).code);

/**
 * The Gateway port on the real API Gateway management API client (`@aws-sdk/client-apigatewaymanagementapi`),
 * locally too: the local stack serves the same `@connections` endpoint. A GoneException (the
 * connection no longer exists) is the "gone" result; every other error propagates after the
 * SDK's own retries (throttling, 5xx), and PayloadTooLargeException means a bug upstream
 * (ops messages are packed below API Gateway's 128 KB limit).
 */
export class ApiGatewayGateway implements Gateway {
  readonly client: ApiGatewayManagementApiClient;
  private readonly roomTask: boolean;

  constructor(opts: ApiGatewayOptions) {
    // Metered (billing/sdk-metering.ts): each post counts as WebSocket messages in 32 KB units.
    const client = new ApiGatewayManagementApiClient({
      endpoint: opts.endpoint,
      ...(opts.local
        ? { region: opts.region ?? "us-east-1", credentials: { accessKeyId: "weftlocal", secretAccessKey: "weftlocal" } }
        : opts.region
          ? { region: opts.region }
          : {}),
      ...(opts.roomTask ? { maxAttempts: 1, requestHandler: { connectionTimeout: 1000, requestTimeout: ROOM_TASK_REQUEST_TIMEOUT_MS, throwOnRequestTimeout: true } } : {}),
    });
    this.roomTask = opts.roomTask === true;
    this.client = opts.metered === false ? client : meterSdkClient(client, "apigwManagement");
  }

  async post(connectionId: string, data: string): Promise<"ok" | "gone"> {
    return this.gone(() => this.client.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: Buffer.from(data, "utf8") })));
  }

  async close(connectionId: string): Promise<"ok" | "gone"> {
    return this.gone(() => this.client.send(new DeleteConnectionCommand({ ConnectionId: connectionId })));
  }

  private async gone(call: () => Promise<unknown>, attempt = 1): Promise<"ok" | "gone"> {
    try {
      await call();
      return "ok";
    } catch (err) {
      if (err instanceof GoneException || (err as { name?: string }).name === "GoneException") return "gone";
      if (this.roomTask && UNREACHABLE.has(codeOf(err))) return "gone";
      if (this.roomTask && RESET.has(codeOf(err)) && attempt === 1) return this.gone(call, 2);
      throw err;
    }
  }
}
