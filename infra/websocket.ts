import { webSocket } from "./manifest.js";
import { functions } from "./functions.js";
import { webSocketApi } from "./websocket-api.js";

/**
 * The WebSocket API's authorizer and routes, from the manifest's `webSocket` entry (the
 * local stack's WebSocket gateway reads the same entry).
 *
 * Authorizer: a Lambda REQUEST authorizer on `$connect`, identity source
 * `route.request.querystring.token` (browsers cannot set headers on an upgrade), so API
 * Gateway refuses an upgrade without `?token=` with 401 before invoking anything. The
 * function returns an IAM policy (the only response type WebSocket APIs take) and throws
 * `Error("Unauthorized")` for a bad token, which API Gateway turns into 401. Results are not
 * cached (TTL 0): a token is verified on every connect.
 *
 * It is a raw `aws.apigatewayv2.Authorizer` rather than SST's `addAuthorizer`, whose
 * WebSocket variant is recent and whose published source sets HTTP-API-only fields
 * (simple responses, payload format version); the raw resource states exactly the fields a
 * WebSocket REQUEST authorizer has. Routes reference the manifest's functions by ARN, as the
 * HTTP routes do (api.ts), so SST adds only the integration, the route and an invoke
 * permission per route.
 */
const authorizerFunction = functions[webSocket.authorizer];

export const webSocketAuthorizer = new aws.apigatewayv2.Authorizer("WebSocketTokenAuthorizer", {
  apiId: webSocketApi.nodes.api.id,
  name: "token",
  authorizerType: "REQUEST",
  authorizerUri: authorizerFunction.nodes.function.invokeArn,
  identitySources: webSocket.identitySources ?? ["route.request.querystring.token"],
  authorizerResultTtlInSeconds: 0,
});

new aws.lambda.Permission("WebSocketTokenAuthorizerPermission", {
  action: "lambda:InvokeFunction",
  function: authorizerFunction.name,
  principal: "apigateway.amazonaws.com",
  sourceArn: $interpolate`${webSocketApi.nodes.api.executionArn}/authorizers/${webSocketAuthorizer.id}`,
});

if (!webSocket.routes.$connect) throw new Error("manifest: webSocket has an authorizer but no $connect route for it to run on");
for (const [routeKey, fn] of Object.entries(webSocket.routes)) {
  webSocketApi.route(routeKey, functions[fn].arn, routeKey === "$connect" ? { auth: { lambda: webSocketAuthorizer.id } } : {});
}
