import { routes } from "./manifest.js";
import { functions } from "./functions.js";

/**
 * The HTTP API (API Gateway v2, payload format 2.0): one route per manifest route, each to
 * the manifest's function, referenced by ARN so every route shares the one function built in
 * functions.ts (SST then adds only the integration, the route and an invoke permission).
 * Route keys use API Gateway's syntax, which the manifest already uses: `GET /v1/docs/{docId}/ops`.
 *
 * Authentication is the function's job (JWT verified in the handler), so routes have no API
 * Gateway authorizer. CORS is SST's default (any origin, method and header). API Gateway
 * cuts integrations off at 30 s whatever the function timeout.
 */
export const api = new sst.aws.ApiGatewayV2("Api");

const seen = new Set<string>();
for (const route of routes) {
  const key = `${route.method} ${route.path}`;
  // API Gateway would reject the duplicate mid-deploy; say which manifest entry is wrong instead.
  if (seen.has(key)) throw new Error(`manifest: route "${key}" is listed twice`);
  seen.add(key);
  api.route(key, functions[route.function].arn);
}
