import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from "aws-lambda";
import { jsonLineSink, type Principal } from "@weft/core";
import { authConfigFromEnv, createAuthenticator } from "../http/auth.js";

/** What later events of the connection carry in `requestContext.authorizer` (API Gateway turns values into strings). */
export interface WsAuthorizerContext {
  tenant: string;
  userId: string;
  admin: boolean;
  /** The token's groups as a JSON array (the context holds only flat values); "" when none. */
  groups: string;
  /** The token's `exp` in epoch ms; 0 when it has none. */
  exp: number;
}

let authenticate: ((header: string | undefined) => Promise<Principal>) | undefined;

/**
 * WebSocket `$connect` REQUEST authorizer: verifies `?token=<JWT>` (browsers cannot set
 * headers on an upgrade) with exactly the HTTP API's checks (http/auth.ts), and allows the
 * connection with context {tenant, userId, admin, groups, exp}. Any missing, bad or expired token throws
 * `Error("Unauthorized")`, which API Gateway answers with 401 (nothing else would: a Deny
 * policy is 403, any other error 500). Why it was refused is logged, never told to the caller.
 */
export async function handler(event: APIGatewayRequestAuthorizerEvent): Promise<APIGatewayAuthorizerResult> {
  authenticate ??= createAuthenticator(authConfigFromEnv());
  const token = event.queryStringParameters?.token;
  let principal: Principal;
  try {
    if (!token) throw new Error("no token query parameter");
    principal = await authenticate(`Bearer ${token}`);
  } catch (err) {
    jsonLineSink({ kind: "ws_unauthorized", reason: (err as Error).message });
    throw new Error("Unauthorized");
  }
  const context: WsAuthorizerContext = {
    tenant: principal.tenant,
    userId: principal.userId,
    admin: principal.admin,
    groups: principal.groups?.length ? JSON.stringify(principal.groups) : "",
    exp: principal.expiresAt ?? 0,
  };
  return {
    principalId: principal.userId,
    policyDocument: {
      Version: "2012-10-17",
      Statement: [{ Action: "execute-api:Invoke", Effect: "Allow", Resource: event.methodArn }],
    },
    context: { ...context },
  };
}
