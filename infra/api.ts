import { routes } from "./manifest.js";
import { functions } from "./functions.js";
import { componentName } from "./naming.js";

/**
 * The HTTP API (API Gateway v2, payload format 2.0, SST's `ApiGatewayV2` for the API, its
 * `$default` stage, access logs and CORS). Routes are created here, not with `api.route()`:
 * SST's route adds one Lambda permission per route, each ~370 bytes of the function's 20 KB
 * resource policy, so a deploy would break at around 55 routes. Instead every manifest route
 * goes to ONE integration of the manifest's function, with ONE invoke permission for the whole
 * API. Routes stay explicit (rather than one catch-all `$default`), so a request for a path
 * Weft does not serve is answered 404 by API Gateway without invoking (and paying for) Lambda.
 * API Gateway allows 300 routes per API.
 *
 * Route keys use API Gateway's syntax, which the manifest already uses:
 * `GET /v1/docs/{docId}/ops`. Authentication is the function's job (JWT verified in the
 * handler), so routes have no API Gateway authorizer. API Gateway cuts integrations off at
 * 30 s whatever the function timeout.
 */
export const api = new sst.aws.ApiGatewayV2("Api");

const targets = [...new Set(routes.map((r) => r.function))];
const integrations = Object.fromEntries(
  targets.map((fn) => {
    const integration = new aws.apigatewayv2.Integration(componentName(fn, "ApiIntegration"), {
      apiId: api.nodes.api.id,
      integrationType: "AWS_PROXY",
      integrationUri: functions[fn].arn,
      payloadFormatVersion: "2.0",
    });
    new aws.lambda.Permission(componentName(fn, "ApiInvokePermission"), {
      action: "lambda:InvokeFunction",
      function: functions[fn].name,
      principal: "apigateway.amazonaws.com",
      sourceArn: $interpolate`${api.nodes.api.executionArn}/*`,
    });
    return [fn, integration];
  }),
);

const seen = new Set<string>();
for (const route of routes) {
  const key = `${route.method} ${route.path}`;
  // API Gateway would reject the duplicate mid-deploy; say which manifest entry is wrong instead.
  if (seen.has(key)) throw new Error(`manifest: route "${key}" is listed twice`);
  seen.add(key);
  new aws.apigatewayv2.Route(`ApiRoute${routeId(key)}`, {
    apiId: api.nodes.api.id,
    routeKey: key,
    target: $interpolate`integrations/${integrations[route.function].id}`,
  });
}

/** `GET /v1/docs/{docId}/ops` -> `GetV1DocsDocIdOps`: a stable, readable logical name per route. */
function routeId(key: string): string {
  const [method, path] = key.split(" ");
  const words = [method.toLowerCase(), ...path.split(/[^A-Za-z0-9]+/).filter(Boolean)];
  return words.map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join("");
}
