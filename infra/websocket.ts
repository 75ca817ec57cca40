import { webSocket } from "./manifest.js";
import { functions } from "./functions.js";
import { webSocketApi } from "./websocket-api.js";

/**
 * The WebSocket API's authorizer and routes, from the manifest's `webSocket` entry (the
 * local stack's WebSocket gateway reads the same entry).
 *
 * Authorizer: SST's `addAuthorizer`, a Lambda REQUEST authorizer on `$connect` whose identity
 * source is `route.request.querystring.token` (browsers cannot set headers on an upgrade), so
 * API Gateway refuses an upgrade without `?token=` with 401 before invoking anything. The
 * function returns an IAM policy (the only response type WebSocket APIs take) and throws
 * `Error("Unauthorized")` for a bad token, which API Gateway turns into 401. For a WebSocket
 * API SST sets no result TTL, payload version or simple responses (AWS refuses those fields
 * there), so API Gateway does not cache results: every connect is verified. SST also adds the
 * invoke permission scoped to this authorizer.
 *
 * Routes reference the manifest's functions by ARN; SST adds the integration, the route and an
 * invoke permission per route (seven routes, one function: well inside the policy's 20 KB).
 */
const authorizer = webSocketApi.addAuthorizer("Token", {
  lambda: {
    function: functions[webSocket.authorizer].arn,
    identitySources: webSocket.identitySources ?? ["route.request.querystring.token"],
  },
});

if (!webSocket.routes.$connect) throw new Error("manifest: webSocket has an authorizer but no $connect route for it to run on");
for (const [routeKey, fn] of Object.entries(webSocket.routes)) {
  webSocketApi.route(routeKey, functions[fn].arn, routeKey === "$connect" ? { auth: { lambda: authorizer.id } } : {});
}

export const webSocketAuthorizer = authorizer;
