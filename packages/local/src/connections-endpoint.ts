import { connectionsApi } from "@weft/functions/rooms/connections-api";
import type { RequestHook } from "./http-gateway.js";
import type { Logger } from "./log.js";
import { CLOSE, MAX_MESSAGE_BYTES, type LiveConnection } from "./ws-connection.js";

/**
 * The API Gateway management API (`@connections`) of the local WebSocket API, as an HTTP
 * gateway hook, so the real `@aws-sdk/client-apigatewaymanagementapi` client works against the
 * local stack with `endpoint` = the stack's base URL. The wire protocol (and its errors) is
 * functions' rooms/connections-api.ts, which room tasks serve too; here a POST over 128 KB is
 * 413 and DELETE closes the connection as API Gateway does (its `$disconnect` follows).
 */
export function connectionsEndpoint(connections: ReadonlyMap<string, LiveConnection>, log: Logger): RequestHook {
  const live = (id: string) => {
    const conn = connections.get(id);
    return conn && !conn.gone ? conn : undefined;
  };
  return connectionsApi(
    {
      post: async (id, data) => {
        const conn = live(id);
        return conn !== undefined && (await conn.send(data));
      },
      remove: (id) => {
        const conn = live(id);
        if (!conn) return false;
        conn.close(CLOSE.deleted);
        log.info("ws connection deleted", { connectionId: id });
        return true;
      },
      describe: (id) => {
        const conn = live(id);
        return conn && { connectedAt: conn.request.connectedAt, sourceIp: conn.request.sourceIp, userAgent: conn.request.userAgent, lastActiveAt: conn.lastActiveAt };
      },
    },
    MAX_MESSAGE_BYTES,
  );
}
