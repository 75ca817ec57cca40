import type { APIGatewayRequestAuthorizerEvent } from "aws-lambda";
import { SignJWT } from "jose";
import { beforeAll, describe, expect, it } from "vitest";

/*
 * The authorizer as a function (the e2e tests check it through the local stack's upgrade).
 * It verifies with the HTTP API's authenticator, configured from the environment.
 */
const SECRET = "ws-authorizer-test-secret";
let handler: (e: APIGatewayRequestAuthorizerEvent) => Promise<any>;
beforeAll(async () => {
  process.env.WEFT_JWT_SECRET = SECRET;
  ({ handler } = await import("../../src/handlers/ws-authorizer.js"));
});

const sign = (claims: Record<string, unknown>, secret = SECRET, exp: string | number = "1h") =>
  new SignJWT(claims).setProtectedHeader({ alg: "HS256" }).setExpirationTime(exp).sign(new TextEncoder().encode(secret));
const ARN = "arn:aws:execute-api:us-east-1:000000000000:api/$default/$connect";
const event = (token?: string) =>
  ({ type: "REQUEST", methodArn: ARN, ...(token === undefined ? {} : { queryStringParameters: { token } }) }) as unknown as APIGatewayRequestAuthorizerEvent;

describe("ws-authorizer", () => {
  it("allows a valid token with context {tenant, userId, admin}", async () => {
    expect(await handler(event(await sign({ sub: "ann", tid: "acme", role: "admin" })))).toEqual({
      principalId: "ann",
      policyDocument: { Version: "2012-10-17", Statement: [{ Action: "execute-api:Invoke", Effect: "Allow", Resource: ARN }] },
      context: { tenant: "acme", userId: "ann", admin: true },
    });
    expect((await handler(event(await sign({ sub: "bob", tid: "acme" })))).context).toEqual({ tenant: "acme", userId: "bob", admin: false });
  });

  it("throws exactly Error('Unauthorized') (API Gateway's 401) for a missing, bad, forged, expired or incomplete token", async () => {
    const bad = [
      undefined,
      "",
      "garbage",
      await sign({ sub: "ann", tid: "acme" }, "other-secret"),
      await sign({ sub: "ann", tid: "acme" }, SECRET, Math.floor(Date.now() / 1000) - 10),
      await sign({ sub: "ann" }),
      await sign({ tid: "acme" }),
    ];
    for (const t of bad) await expect(handler(event(t))).rejects.toThrow(/^Unauthorized$/);
  });
});
