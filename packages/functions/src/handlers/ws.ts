import { jsonLineSink, onConnect, onDisconnect, onMessage, type Caller } from "@weft/core";
import { sessionDeps, wiring } from "../wiring.js";

/** The parts of an API Gateway WebSocket proxy event this handler reads (every route has them). */
export interface WsEvent {
  requestContext: {
    routeKey: string;
    connectionId: string;
    connectedAt?: number;
    /** The authorizer's context; API Gateway delivers every value as a string. */
    authorizer?: Record<string, unknown> | null;
  };
  body?: string | null;
  isBase64Encoded?: boolean;
}

export interface WsResult {
  statusCode: number;
  body?: string;
}

/**
 * Every WebSocket route: `$connect` registers the connection, `$disconnect` removes it (the
 * others see its leaves), and message routes (`subscribe`, `unsubscribe`, `presence`, `ping`,
 * `$default`) are handled by core/live/session.ts, which replies through the management API
 * (no route responses, so `subscribed` reliably precedes the catch-up). The identity comes only
 * from the authorizer's context, never from the message.
 */
export async function handler(event: WsEvent): Promise<WsResult> {
  const { routeKey, connectionId } = event.requestContext;
  const caller = callerOf(event);
  if (routeKey === "$disconnect") {
    await onDisconnect(sessionDeps(wiring()), connectionId);
    return { statusCode: 200 };
  }
  if (!caller) {
    // Only possible if the API were deployed without the authorizer: refuse rather than guess a tenant.
    jsonLineSink({ kind: "ws_no_identity", routeKey });
    return { statusCode: 401, body: "Unauthorized" };
  }
  const deps = sessionDeps(wiring());
  if (routeKey === "$connect") {
    await onConnect(deps, caller);
    return { statusCode: 200 };
  }
  const body = event.isBase64Encoded && event.body ? Buffer.from(event.body, "base64").toString("utf8") : event.body;
  await onMessage(deps, caller, body);
  return { statusCode: 200 };
}

function callerOf(event: WsEvent): Caller | undefined {
  const { connectionId, connectedAt, authorizer } = event.requestContext;
  const tenant = authorizer?.tenant;
  const userId = authorizer?.userId;
  if (typeof tenant !== "string" || typeof userId !== "string" || !tenant || !userId) return undefined;
  const groups = typeof authorizer?.groups === "string" && authorizer.groups ? (JSON.parse(authorizer.groups) as string[]) : [];
  const exp = Number(authorizer?.exp ?? 0);
  return {
    connectionId,
    tenant,
    userId,
    connectedAt: typeof connectedAt === "number" ? connectedAt : Date.now(),
    ...(groups.length > 0 ? { groups } : {}),
    ...(String(authorizer?.admin) === "true" ? { admin: true } : {}),
    ...(exp > 0 ? { tokenExpiresAt: exp } : {}),
  };
}
