import { randomBytes } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { clfTime } from "./http-event.js";
import { LOCAL_ACCOUNT } from "./lambda.js";

/*
 * The events API Gateway WebSocket APIs send to Lambda (proxy integration and REQUEST
 * authorizer). Field names, nesting and value formats follow what API Gateway sends; fields
 * that only exist on AWS (extendedRequestId formats, account-level identity fields that are
 * always null) are either imitated or left out.
 */

/** The API id and stage the local stack reports (SST's WebSocket stage is also `$default`). */
export const LOCAL_API_ID = "local";
export const LOCAL_STAGE = "$default";

/** An id in API Gateway's style for connection, request and message ids: 16 chars, `=`-padded, URL-safe alphabet. */
export function gatewayId(): string {
  return randomBytes(11).toString("base64").replaceAll("+", "-").replaceAll("/", "_");
}

/** What an upgrade request tells every later event of its connection. */
export interface UpgradeRequest {
  connectionId: string;
  /** Epoch ms the upgrade arrived: `connectedAt` of every event of this connection. */
  connectedAt: number;
  sourceIp: string;
  userAgent: string;
  domainName: string;
  /** Header names as sent; repeats joined with "," in `headers`, kept apart in `multiValueHeaders`. */
  headers: Record<string, string>;
  multiValueHeaders: Record<string, string[]>;
  queryStringParameters?: Record<string, string>;
  multiValueQueryStringParameters?: Record<string, string[]>;
}

export function upgradeRequest(req: IncomingMessage, connectionId: string, connectedAt: number): UpgradeRequest {
  const sourceIp = (req.socket.remoteAddress ?? "127.0.0.1").replace(/^::ffff:/, "");
  const multiValueHeaders: Record<string, string[]> = {};
  for (let i = 0; i < req.rawHeaders.length; i += 2) (multiValueHeaders[req.rawHeaders[i]] ??= []).push(req.rawHeaders[i + 1]);
  multiValueHeaders["X-Forwarded-For"] ??= [sourceIp];
  multiValueHeaders["X-Forwarded-Port"] ??= [String(req.socket.localPort ?? "")];
  multiValueHeaders["X-Forwarded-Proto"] ??= ["http"];
  const headers = Object.fromEntries(Object.entries(multiValueHeaders).map(([k, v]) => [k, v.join(",")]));
  const url = req.url ?? "/";
  const q = url.indexOf("?");
  const multiQuery: Record<string, string[]> = {};
  if (q >= 0) {
    for (const [k, v] of new URLSearchParams(url.slice(q + 1))) (multiQuery[k] ??= []).push(v);
  }
  const hasQuery = Object.keys(multiQuery).length > 0;
  const host = Object.entries(headers).find(([k]) => k.toLowerCase() === "host")?.[1];
  return {
    connectionId,
    connectedAt,
    sourceIp,
    userAgent: Object.entries(headers).find(([k]) => k.toLowerCase() === "user-agent")?.[1] ?? "",
    domainName: hostname(host),
    headers,
    multiValueHeaders,
    ...(hasQuery && {
      // API Gateway's single-value map keeps the last value of a repeated parameter.
      queryStringParameters: Object.fromEntries(Object.entries(multiQuery).map(([k, v]) => [k, v[v.length - 1]])),
      multiValueQueryStringParameters: multiQuery,
    }),
  };
}

function hostname(host: string | undefined): string {
  try {
    return new URL(`http://${host ?? "localhost"}`).hostname;
  } catch {
    return "localhost";
  }
}

/** The authorizer's output as later events carry it: principalId, the latency, and the context values as strings. */
export type AuthorizerContext = Record<string, string | number>;

export type EventType = "CONNECT" | "MESSAGE" | "DISCONNECT";

function requestContext(u: UpgradeRequest, routeKey: string, eventType: EventType, at: number) {
  return {
    routeKey,
    eventType,
    extendedRequestId: gatewayId(),
    requestTime: clfTime(new Date(at)),
    messageDirection: "IN" as const,
    stage: LOCAL_STAGE,
    connectedAt: u.connectedAt,
    requestTimeEpoch: at,
    identity: { sourceIp: u.sourceIp, userAgent: u.userAgent },
    requestId: gatewayId(),
    domainName: u.domainName,
    connectionId: u.connectionId,
    apiId: LOCAL_API_ID,
  };
}

/** `arn:aws:execute-api:<region>:<account>:<apiId>/<stage>/<routeKey>`: what the authorizer's policy must allow. */
export function methodArn(region: string, routeKey: string): string {
  return `arn:aws:execute-api:${region}:${LOCAL_ACCOUNT}:${LOCAL_API_ID}/${LOCAL_STAGE}/${routeKey}`;
}

/** The REQUEST authorizer event of a `$connect`. */
export function authorizerEvent(u: UpgradeRequest, region: string, at: number) {
  return {
    type: "REQUEST" as const,
    methodArn: methodArn(region, "$connect"),
    headers: u.headers,
    multiValueHeaders: u.multiValueHeaders,
    ...(u.queryStringParameters && {
      queryStringParameters: u.queryStringParameters,
      multiValueQueryStringParameters: u.multiValueQueryStringParameters,
    }),
    stageVariables: {},
    requestContext: requestContext(u, "$connect", "CONNECT", at),
  };
}

/** The `$connect` route's event: the upgrade request, plus the authorizer's output when there is an authorizer. */
export function connectEvent(u: UpgradeRequest, authorizer: AuthorizerContext | undefined, at: number) {
  return {
    headers: u.headers,
    multiValueHeaders: u.multiValueHeaders,
    ...(u.queryStringParameters && {
      queryStringParameters: u.queryStringParameters,
      multiValueQueryStringParameters: u.multiValueQueryStringParameters,
    }),
    requestContext: { ...requestContext(u, "$connect", "CONNECT", at), ...(authorizer && { authorizer }) },
    isBase64Encoded: false,
  };
}

/** A message route's event; `body` is the text frame as received. */
export function messageEvent(u: UpgradeRequest, authorizer: AuthorizerContext | undefined, routeKey: string, body: string, at: number) {
  return {
    requestContext: {
      ...requestContext(u, routeKey, "MESSAGE", at),
      messageId: gatewayId(),
      ...(authorizer && { authorizer }),
    },
    body,
    isBase64Encoded: false,
  };
}

/** The `$disconnect` event, with the close status code and a reason in API Gateway's wording. */
export function disconnectEvent(
  u: UpgradeRequest,
  authorizer: AuthorizerContext | undefined,
  close: { code: number; reason: string },
  at: number,
) {
  return {
    headers: { Host: u.headers.Host ?? u.domainName, "X-Forwarded-For": u.sourceIp },
    multiValueHeaders: { Host: [u.headers.Host ?? u.domainName], "X-Forwarded-For": [u.sourceIp] },
    requestContext: {
      ...requestContext(u, "$disconnect", "DISCONNECT", at),
      disconnectStatusCode: close.code,
      disconnectReason: close.reason,
      ...(authorizer && { authorizer }),
    },
    isBase64Encoded: false,
  };
}
