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
}

/**
 * The Gateway port on the real API Gateway management API client (`@aws-sdk/client-apigatewaymanagementapi`),
 * locally too: the local stack serves the same `@connections` endpoint. A GoneException (the
 * connection no longer exists) is the "gone" result; every other error propagates after the
 * SDK's own retries (throttling, 5xx), and PayloadTooLargeException means a bug upstream
 * (ops messages are packed below API Gateway's 128 KB limit).
 */
export class ApiGatewayGateway implements Gateway {
  readonly client: ApiGatewayManagementApiClient;

  constructor(opts: ApiGatewayOptions) {
    // Metered (billing/sdk-metering.ts): each post counts as WebSocket messages in 32 KB units.
    const client = new ApiGatewayManagementApiClient({
      endpoint: opts.endpoint,
      ...(opts.local
        ? { region: opts.region ?? "us-east-1", credentials: { accessKeyId: "weftlocal", secretAccessKey: "weftlocal" } }
        : opts.region
          ? { region: opts.region }
          : {}),
    });
    this.client = meterSdkClient(client, "apigwManagement");
  }

  async post(connectionId: string, data: string): Promise<"ok" | "gone"> {
    return this.gone(() => this.client.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: Buffer.from(data, "utf8") })));
  }

  async close(connectionId: string): Promise<"ok" | "gone"> {
    return this.gone(() => this.client.send(new DeleteConnectionCommand({ ConnectionId: connectionId })));
  }

  private async gone(call: () => Promise<unknown>): Promise<"ok" | "gone"> {
    try {
      await call();
      return "ok";
    } catch (err) {
      if (err instanceof GoneException || (err as { name?: string }).name === "GoneException") return "gone";
      throw err;
    }
  }
}
