import { ENV, type FunctionSpec } from "./manifest.js";

/**
 * The API Gateway WebSocket API (SST's `ApiGatewayWebSocket`: route selection
 * `$request.body.action`, one `$default` stage, access logs). Its routes and authorizer are
 * added in websocket.ts; this file holds only the API, because the functions need its
 * management endpoint in their environment (functions.ts imports this) while the routes
 * need the functions (websocket.ts imports functions.ts), and an import cycle between the
 * two would leave one of them undefined.
 */
export const webSocketApi = new sst.aws.ApiGatewayWebSocket("WebSocketApi");

/**
 * Env of a function with `webSocket: true`: `WEFT_WS_ENDPOINT` = the management API endpoint
 * (`https://<api-id>.execute-api.<region>.amazonaws.com/$default`), which the
 * ApiGatewayManagementApi client takes as `endpoint`. Locally the stack sets its own URL.
 */
export function webSocketEnvironment(spec: Pick<FunctionSpec, "webSocket">): Record<string, $util.Input<string>> {
  return spec.webSocket ? { [ENV.webSocketEndpoint]: webSocketApi.managementEndpoint } : {};
}

/**
 * `execute-api:ManageConnections` on every connection of this API (any stage, any method:
 * POST to send, GET to read, DELETE to close), for a function (or the room tier, rooms.ts) with
 * `webSocket: true` only.
 */
export function webSocketPermissions(spec: Pick<FunctionSpec, "webSocket">): sst.aws.FunctionPermissionArgs[] {
  if (!spec.webSocket) return [];
  return [{ actions: ["execute-api:ManageConnections"], resources: [$interpolate`${webSocketApi.nodes.api.executionArn}/*/*/@connections/*`] }];
}
