import type { Gateway } from "@weft/core";
import { roomEndpointOf } from "../../rooms/connection-ids.js";
import { ENV } from "../../../../../infra/manifest.js";
import { ApiGatewayGateway } from "./gateway.js";
import { RoomTaskGateway } from "./room-task-gateway.js";

/**
 * The Gateway port for a process that may hold ids of both kinds of connection: API Gateway
 * WebSocket connections (posted through `apiGateway`, the management API) and room tier
 * connections (`rm.` ids, connection-ids.ts), posted through the private `@connections` API
 * of the task named in the id, over plain HTTP (room-task-gateway.ts: the same wire protocol,
 * without the SDK). Posts inside the VPC are not API Gateway messages: they are not metered as
 * such (the room task meters what it sends to the client as data out). One gateway per task
 * endpoint, kept.
 */
export class RoutingGateway implements Gateway {
  private readonly rooms = new Map<string, RoomTaskGateway>();

  constructor(
    private readonly apiGateway: Gateway,
    private readonly opts: { local?: boolean; region?: string } = {},
  ) {}

  post(connectionId: string, data: string): Promise<"ok" | "gone"> {
    return this.route(connectionId).post(connectionId, data);
  }

  close(connectionId: string): Promise<"ok" | "gone"> {
    return this.route(connectionId).close(connectionId);
  }

  private route(connectionId: string): Gateway {
    const endpoint = roomEndpointOf(connectionId);
    if (!endpoint) return this.apiGateway;
    let gateway = this.rooms.get(endpoint);
    if (!gateway) {
      gateway = new RoomTaskGateway(endpoint);
      this.rooms.set(endpoint, gateway);
    }
    return gateway;
  }
}

/**
 * The gateway of a function wired with `webSocket: true` (infra/manifest.ts), from its
 * environment: API Gateway's connections through its management API, room tier connections
 * through their task's private API (routing-gateway.ts).
 */
export function gatewayFromEnv(env: NodeJS.ProcessEnv = process.env): Gateway {
  const endpoint = env[ENV.webSocketEndpoint];
  if (!endpoint) throw new Error(`${ENV.webSocketEndpoint} is not set: this function is not wired to the WebSocket API`);
  const local = env.WEFT_STAGE === "local";
  return new RoutingGateway(new ApiGatewayGateway({ endpoint, local, region: env.AWS_REGION }), { local, region: env.AWS_REGION });
}
