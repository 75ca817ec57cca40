import { randomBytes } from "node:crypto";

/**
 * Room connection ids name the task that holds the socket: `rm.<base64url of the task's
 * private address (host:port)>.<16 random bytes, base64url>`. Whoever holds one (a function
 * posting a notification, the log stream's broadcaster, another task delivering a room's ops)
 * reaches the socket through that task's private `@connections` API (connections-api.ts) with
 * no lookup. API Gateway's own ids never start with `rm.`.
 */
const PREFIX = "rm.";

export function roomConnectionId(privateAddress: string): string {
  return `${PREFIX}${Buffer.from(privateAddress, "utf8").toString("base64url")}.${randomBytes(16).toString("base64url")}`;
}

/** The private `@connections` endpoint (`http://host:port`) of a room connection id; undefined for any other id. */
export function roomEndpointOf(connectionId: string): string | undefined {
  if (!connectionId.startsWith(PREFIX)) return undefined;
  const address = connectionId.slice(PREFIX.length).split(".")[0];
  if (!address) return undefined;
  const hostPort = Buffer.from(address, "base64url").toString("utf8");
  return /^[A-Za-z0-9.:[\]-]+:\d{1,5}$/.test(hostPort) ? `http://${hostPort}` : undefined;
}
