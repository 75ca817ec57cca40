import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createHttpGateway, MAX_BODY_BYTES, type HttpGateway } from "../src/http-gateway.js";
import { localFunction } from "../src/lambda.js";
import { memoryLogger } from "./helpers.js";

const log = memoryLogger();
const invocations: APIGatewayProxyEventV2[] = [];

/** Echoes the event it got; under /r/{kind} answers in the ways API Gateway must translate. */
const app = localFunction("http", async (event: APIGatewayProxyEventV2) => {
  invocations.push(event);
  switch (event.pathParameters?.kind) {
    case "string":
      return "plain text";
    case "object":
      return { a: 1 };
    case "full":
      return {
        statusCode: 201,
        headers: { "X-One": "1" },
        multiValueHeaders: { "x-many": ["a", "b"] },
        cookies: ["s=1; Path=/", "t=2"],
        body: Buffer.from("bin").toString("base64"),
        isBase64Encoded: true,
      };
    case "throw":
      throw new Error("boom");
    case "invalid":
      return { statusCode: 200, body: { not: "a string" } };
  }
  return { statusCode: 200, headers: { "content-type": "application/json" }, body: JSON.stringify(event) };
});

let gateway: HttpGateway;
let base: string;

beforeAll(async () => {
  gateway = createHttpGateway({
    routes: [
      { method: "GET", path: "/v1/docs/{docId}/ops/{opId}", function: "http" },
      { method: "GET", path: "/v1/docs/special/ops/{opId}", function: "http" },
      { method: "POST", path: "/v1/docs/{docId}/ops", function: "http" },
      { method: "GET", path: "/health", function: "http" },
      { method: "GET", path: "/r/{kind}", function: "http" },
    ],
    resolve: () => app,
    log,
  });
  gateway.use((req, res) => {
    if (req.url !== "/__hook") return false;
    res.end("hooked");
    return true;
  });
  base = await gateway.listen(0);
});
afterAll(() => gateway.close());

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  rawHeaders: string[];
  body: Buffer;
}

/** A real HTTP request; `headers` is a flat raw list so names can repeat (Host is added). */
function send(method: string, path: string, headers: string[] = [], body?: Buffer | Buffer[]): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${base}${path}`, { method, headers: ["Host", new URL(base).host, ...headers] }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, rawHeaders: res.rawHeaders, body: Buffer.concat(chunks) }));
    });
    req.on("error", reject);
    for (const chunk of Array.isArray(body) ? body : body ? [body] : []) req.write(chunk);
    req.end();
  });
}

const json = (r: Reply) => JSON.parse(r.body.toString());

describe("HTTP gateway (API Gateway HTTP API, payload 2.0)", () => {
  test("builds the 2.0 event: route key, path parameters, query, repeated headers, cookies, request context", async () => {
    const before = Date.now();
    const path = "/v1/docs/a%20b/ops/x%2Fy?tag=1&tag=2&q=hello+world%21&flag";
    const headers = ["X-Multi", "1", "x-multi", "2", "User-Agent", "weft-test", "Cookie", "a=1; b=2", "Cookie", "c=3"];
    const res = await send("GET", path, headers);
    expect(res.status).toBe(200);
    const event: APIGatewayProxyEventV2 = json(res);
    expect(event).toMatchObject({
      version: "2.0",
      routeKey: "GET /v1/docs/{docId}/ops/{opId}",
      rawPath: "/v1/docs/a%20b/ops/x%2Fy",
      rawQueryString: "tag=1&tag=2&q=hello+world%21&flag",
      queryStringParameters: { tag: "1,2", q: "hello world!", flag: "" },
      pathParameters: { docId: "a b", opId: "x/y" },
      cookies: ["a=1", "b=2", "c=3"],
      isBase64Encoded: false,
      requestContext: {
        accountId: "000000000000",
        domainName: "127.0.0.1",
        domainPrefix: "127",
        http: { method: "GET", path: "/v1/docs/a%20b/ops/x%2Fy", protocol: "HTTP/1.1", sourceIp: "127.0.0.1", userAgent: "weft-test" },
        routeKey: "GET /v1/docs/{docId}/ops/{opId}",
        stage: "$default",
      },
    });
    expect(event.headers).toMatchObject({ "x-multi": "1,2", "user-agent": "weft-test", host: base.slice("http://".length) });
    expect(event.headers.cookie).toBeUndefined();
    expect(event.body).toBeUndefined();
    expect(event.requestContext.requestId).toBe(res.headers["apigw-requestid"]);
    expect(event.requestContext.timeEpoch).toBeGreaterThanOrEqual(before);
    expect(event.requestContext.time).toMatch(/^\d\d\/[A-Z][a-z]{2}\/\d{4}:\d\d:\d\d:\d\d \+0000$/);
    expect(event.requestContext.apiId).toMatch(/\S/);

    const special = json(await send("GET", "/v1/docs/special/ops/z"));
    expect(special.routeKey).toBe("GET /v1/docs/special/ops/{opId}");
    expect(special.queryStringParameters).toBeUndefined();
  });

  test("passes JSON bodies as text and other bodies base64-encoded", async () => {
    const doc = JSON.stringify({ ops: [{ insert: "héllo" }] });
    const asJson = json(await send("POST", "/v1/docs/d1/ops", ["content-type", "application/json; charset=utf-8"], Buffer.from(doc)));
    expect(asJson).toMatchObject({ routeKey: "POST /v1/docs/{docId}/ops", body: doc, isBase64Encoded: false, pathParameters: { docId: "d1" } });

    const bytes = Buffer.from([0, 255, 1, 2]);
    const binary = json(await send("POST", "/v1/docs/d1/ops", ["content-type", "application/octet-stream"], bytes));
    expect(binary).toMatchObject({ body: bytes.toString("base64"), isBase64Encoded: true });
  });

  test("answers 404 for no route and 413 above 10 MB without invoking the function", async () => {
    const notFound = await send("GET", "/nope?x=1");
    expect(notFound.status).toBe(404);
    expect(json(notFound)).toEqual({ error: { code: "not_found", message: "no route for GET /nope" } });
    expect((await send("DELETE", "/health")).status).toBe(404);
    expect((await send("GET", "/health/")).status).toBe(404);

    const count = invocations.length;
    const big = Buffer.alloc(MAX_BODY_BYTES + 1, 97);
    const declared = await send("POST", "/v1/docs/d1/ops", ["content-type", "text/plain"], big);
    expect(declared.status).toBe(413);
    expect(json(declared).error.code).toBe("payload_too_large");
    const chunked = await send("POST", "/v1/docs/d1/ops", ["content-type", "text/plain", "transfer-encoding", "chunked"], [big.subarray(0, 1 << 20), big.subarray(1 << 20)]);
    expect(chunked.status).toBe(413);
    expect(invocations.length).toBe(count);
    expect((await send("POST", "/v1/docs/d1/ops", ["content-type", "text/plain"], big.subarray(1))).status).toBe(200);
  });

  test("writes results back as API Gateway does", async () => {
    const text = await send("GET", "/r/string");
    expect([text.status, text.body.toString()]).toEqual([200, "plain text"]);
    const object = await send("GET", "/r/object");
    expect([object.status, object.headers["content-type"], json(object)]).toEqual([200, "application/json", { a: 1 }]);

    const full = await send("GET", "/r/full");
    expect(full.status).toBe(201);
    expect(full.headers["x-one"]).toBe("1");
    expect(full.rawHeaders.filter((_, i) => i % 2 === 0 && full.rawHeaders[i] === "x-many").length).toBe(2);
    expect(full.headers["set-cookie"]).toEqual(["s=1; Path=/", "t=2"]);
    expect(full.body.toString()).toBe("bin");

    for (const kind of ["throw", "invalid"]) {
      const failed = await send("GET", `/r/${kind}`);
      expect(failed.status).toBe(500);
      expect(json(failed)).toEqual({ error: { code: "internal", message: "Internal Server Error" } });
    }
    const errors = log.entries.filter((e) => e.level === "error");
    expect(errors.map((e) => (e.fields?.error as Error).message)).toEqual(["boom", "invalid response: body must be a string"]);
  });

  test("lets hooks answer before the routes and reports a busy port", async () => {
    expect((await send("GET", "/__hook")).body.toString()).toBe("hooked");
    const other = createHttpGateway({ routes: [], resolve: () => app, log });
    const port = Number(new URL(base).port);
    await expect(other.listen(port)).rejects.toMatchObject({ code: "EADDRINUSE", message: `port ${port} is already in use on 127.0.0.1` });
  });
});
