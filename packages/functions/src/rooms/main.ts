import { networkInterfaces } from "node:os";
import { jsonLineSink, type Gateway } from "@weft/core";
import { ENV, rooms } from "../../../../infra/manifest.js";
import { gatewayFromEnv, RoutingGateway } from "../adapters/apigw/routing-gateway.js";
import { authConfigFromEnv, createAuthenticator } from "../http/auth.js";
import { wiring } from "../wiring.js";
import { msFromEnv } from "../env-ms.js";
import { ROOM_DRAIN_MS, startRoomServer } from "./room-server.js";
import { roomWiring } from "./room-wiring.js";

/**
 * A room task's entry point (the container's command; infra/rooms.ts). Configuration comes from
 * the environment exactly as a function's does (linked tables, secrets, WEFT_WS_ENDPOINT), plus
 * `PORT` and `WEFT_ROOMS_PRIVATE_PORT` (default: the manifest's) and
 * `WEFT_ROOMS_PRIVATE_ADDRESS` (`host:port` others reach the private API at; default: this
 * task's first non-internal IPv4 address, its ENI's in Fargate's awsvpc mode). SIGTERM (a
 * deploy, a scale-in, a Fargate Spot reclaim) closes every socket, spread over
 * `WEFT_ROOMS_DRAIN_MS` (ROOM_DRAIN_MS), so clients reconnect to other tasks a slice at a time
 * and resume with `after`; then the task releases its leases and exits.
 */
async function main(): Promise<void> {
  const env = process.env;
  const privatePort = Number(env.WEFT_ROOMS_PRIVATE_PORT ?? rooms.privatePort);
  const elsewhere: Gateway = env[ENV.webSocketEndpoint]
    ? gatewayFromEnv(env)
    : new RoutingGateway({ post: async () => "gone", close: async () => "gone" });
  const server = await startRoomServer({
    port: Number(env.PORT ?? rooms.port),
    privatePort,
    ...(env.WEFT_ROOMS_PRIVATE_ADDRESS ? { privateAddress: env.WEFT_ROOMS_PRIVATE_ADDRESS } : { privateHost: taskAddress() }),
    authenticate: createAuthenticator(authConfigFromEnv(env)),
    wire: (gateway, privateAddress) => roomWiring(wiring(env), gateway, env, privateAddress),
    logSink: jsonLineSink,
    elsewhere,
    drainMs: msFromEnv(env, ENV.roomsDrainMs, ROOM_DRAIN_MS),
  });
  jsonLineSink({ kind: "room_task_ready", url: server.url, privateUrl: server.privateUrl });
  const stop = () => {
    void server.close().then(() => process.exit(0));
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}

function taskAddress(): string {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === "IPv4" && !a.internal) return a.address;
  }
  return "127.0.0.1";
}

main().catch((err: unknown) => {
  jsonLineSink({ kind: "room_task_failed", message: (err as Error)?.stack ?? String(err) });
  process.exit(1);
});
