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
  it("allows a valid token with context {tenant, userId, admin, groups, exp}", async () => {
    const exp = Math.floor(Date.now() / 1000) + 3600;
    expect(await handler(event(await sign({ sub: "ann", tid: "acme", role: "admin", groups: ["design", "ops"] }, SECRET, exp)))).toEqual({
      principalId: "ann",
      policyDocument: { Version: "2012-10-17", Statement: [{ Action: "execute-api:Invoke", Effect: "Allow", Resource: ARN }] },
      context: { tenant: "acme", userId: "ann", admin: true, groups: '["design","ops"]', exp: exp * 1000 },
    });
    expect((await handler(event(await sign({ sub: "bob", tid: "acme" }, SECRET, exp)))).context).toEqual({
      tenant: "acme",
      userId: "bob",
      admin: false,
      groups: "",
      exp: exp * 1000,
    });
  });

  it("refuses a token whose groups claim is not an array of short strings", async () => {
    for (const groups of ["design", [1], [""], ["x".repeat(129)], Array.from({ length: 101 }, (_, i) => `g${i}`)]) {
      await expect(handler(event(await sign({ sub: "ann", tid: "acme", groups })))).rejects.toThrow(/^Unauthorized$/);
    }
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
