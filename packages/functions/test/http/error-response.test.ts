import { ProvisionedThroughputExceededException } from "@aws-sdk/client-dynamodb";
import { Hono } from "hono";
import { describe, expect, it, vi } from "vitest";
import { WeftError } from "@weft/core";
import { errorResponse } from "../../src/http/error-response.js";

/** The one mapping from thrown values to HTTP answers, through a real Hono app. */
function appThrowing(err: unknown) {
  const app = new Hono();
  app.onError((e, c) => errorResponse(c, e));
  app.get("/x", () => {
    throw err;
  });
  return app;
}

describe("errorResponse", () => {
  it("a DynamoDB throttle (the SDK's own exception) is 503 unavailable with Retry-After", async () => {
    const logged = vi.spyOn(console, "error").mockImplementation(() => undefined);
    const res = await appThrowing(new ProvisionedThroughputExceededException({ message: "Rate of requests exceeds the allowed throughput", $metadata: {} })).request("/x");
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("1");
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("unavailable");
    expect(body.error.message).toContain("ProvisionedThroughputExceededException");
    expect(logged.mock.calls.some((c) => String(c[0]).includes('"kind":"throttled"'))).toBe(true);
    logged.mockRestore();
  });

  it("account-level throttles are 503 too; other AWS errors stay 500 internal", async () => {
    const logged = vi.spyOn(console, "error").mockImplementation(() => undefined);
    for (const name of ["ThrottlingException", "RequestLimitExceeded"]) {
      const err = Object.assign(new Error("slow down"), { name });
      expect((await appThrowing(err).request("/x")).status).toBe(503);
    }
    const other = await appThrowing(Object.assign(new Error("no such table"), { name: "ResourceNotFoundException" })).request("/x");
    expect(other.status).toBe(500);
    expect(other.headers.get("retry-after")).toBeNull();
    expect(((await other.json()) as { error: { code: string } }).error.code).toBe("internal");
    logged.mockRestore();
  });

  it("a WeftError keeps its own status", async () => {
    const res = await appThrowing(new WeftError("payload_too_large", "too big")).request("/x");
    expect(res.status).toBe(413);
  });
});
