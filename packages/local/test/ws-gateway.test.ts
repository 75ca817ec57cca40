import {
  DeleteConnectionCommand,
  GetConnectionCommand,
  GoneException,
  PayloadTooLargeException,
  PostToConnectionCommand,
} from "@aws-sdk/client-apigatewaymanagementapi";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { localFunction } from "../src/lambda.js";
import { MAX_MESSAGE_BYTES } from "../src/ws-connection.js";
import { memoryLogger, waitFor } from "./helpers.js";
import { managementClient, openClient, sleep, startGateways } from "./ws-fixture.js";

/*
 * The local API Gateway WebSocket emulation, driven by a real `ws` client and the real
 * management API SDK client, with small fixture functions standing in for the handlers.
 */

const log = memoryLogger();
const authEvents: any[] = [];
const events: any[] = [];
const byConnection = (id: string) => events.filter((e) => e.requestContext.connectionId === id);
let sdk: ReturnType<typeof managementClient>;

/** Allows `good-<user>`, and answers each other token in one of the ways API Gateway must translate. */
const auth = localFunction("auth", async (event: any) => {
  authEvents.push(event);
  const token: string = event.queryStringParameters.token;
  const policy = (effect: string, resource: unknown, context?: unknown) => ({
    principalId: "p-" + token,
    policyDocument: { Version: "2012-10-17", Statement: [{ Action: "execute-api:Invoke", Effect: effect, Resource: resource }] },
    ...(context !== undefined && { context }),
  });
  if (token.startsWith("good-")) return policy("Allow", event.methodArn, { tenant: "t1", userId: token.slice(5), admin: true, level: 3, none: null });
  switch (token) {
    case "wildcard":
      return policy("Allow", ["arn:aws:execute-api:*:*:local/*/$connect"]);
    case "deny":
      return policy("Deny", event.methodArn);
    case "deny-wins":
      return { ...policy("Allow", "*"), policyDocument: { Statement: [{ Action: "*", Effect: "Allow", Resource: "*" }, { Action: "execute-api:*", Effect: "Deny", Resource: event.methodArn }] } };
    case "other-arn":
      return policy("Allow", "arn:aws:execute-api:us-east-1:000000000000:other/$default/$connect");
    case "unauthorized":
      throw new Error("Unauthorized");
    case "nested":
      return policy("Allow", event.methodArn, { user: { id: 1 } });
    case "no-policy":
      return { principalId: "x" };
    default:
      throw new Error("boom");
  }
});

/** `$connect`: `?status=N` answers with that status; `?fail` throws. */
const connect = localFunction("connect", async (event: any) => {
  events.push(event);
  const q = event.queryStringParameters ?? {};
  if ("fail" in q) throw new Error("connect failed");
  return { statusCode: q.status ? Number(q.status) : 200 };
});

/** Every other route: records the event; `echo` posts the body back through the SDK, `slow` waits, `fail` throws. */
let concurrent = 0;
let maxConcurrent = 0;
const route = localFunction("route", async (event: any) => {
  events.push(event);
  let body: any = {};
  try {
    body = JSON.parse(event.body ?? "{}");
  } catch {
    // not JSON: no special behavior
  }
  if (body.action === "echo") await sdk.send(new PostToConnectionCommand({ ConnectionId: event.requestContext.connectionId, Data: event.body }));
  if (body.action === "slow") {
    concurrent++;
    maxConcurrent = Math.max(maxConcurrent, concurrent);
    await sleep(body.ms);
    concurrent--;
    event.finishedAt = Date.now();
  }
  if (body.action === "fail") throw new Error("route failed");
  return { statusCode: 200, body: "route responses are not sent" };
});

const spec = {
  authorizer: "auth" as const,
  identitySources: ["route.request.querystring.token"],
  routes: { $connect: "connect", $disconnect: "route", $default: "route", echo: "route", slow: "route", fail: "route" },
} as any;

let gw: Awaited<ReturnType<typeof startGateways>>;
beforeAll(async () => {
  gw = await startGateways(spec, { auth, connect, route }, { log });
  sdk = managementClient(gw.base);
});
afterAll(async () => {
  sdk.destroy();
  await gw.stop();
});

const refusal = (token: string | undefined, query = "") =>
  openClient(`${gw.wsUrl}?${token === undefined ? "" : `token=${token}`}${query}`).then(
    () => {
      throw new Error("the upgrade was accepted");
    },
    (err: { status: number; body: string }) => ({ status: err.status, message: JSON.parse(err.body).message }),
  );

describe("WebSocket gateway: $connect", () => {
  test("refuses before the authorizer when the token is missing, and maps the authorizer's answers to 401/403/500", async () => {
    const before = authEvents.length;
    expect(await refusal(undefined)).toEqual({ status: 401, message: "Unauthorized" });
    expect(await refusal("")).toEqual({ status: 401, message: "Unauthorized" });
    expect(authEvents.length).toBe(before);
    expect(await refusal("unauthorized")).toEqual({ status: 401, message: "Unauthorized" });
    expect(await refusal("deny")).toEqual({ status: 403, message: "Forbidden" });
    expect(await refusal("deny-wins")).toEqual({ status: 403, message: "Forbidden" });
    expect(await refusal("other-arn")).toEqual({ status: 403, message: "Forbidden" });
    for (const token of ["boom", "nested", "no-policy"]) expect(await refusal(token)).toEqual({ status: 500, message: "Internal server error" });
    expect(authEvents.length).toBe(before + 7);
    // None of those reached $connect.
    expect(events.filter((e) => e.requestContext.eventType === "CONNECT")).toEqual([]);
  });

  test("refuses with the $connect route's non-2xx status, 502 when it throws, and the connection never exists", async () => {
    expect(await refusal("good-ann", "&status=403")).toEqual({ status: 403, message: "Forbidden" });
    expect(await refusal("good-ann", "&status=429")).toMatchObject({ status: 429 });
    expect(await refusal("good-ann", "&fail")).toEqual({ status: 502, message: "Internal server error" });
    const refused = events.filter((e) => e.requestContext.eventType === "CONNECT").map((e) => e.requestContext.connectionId);
    expect(refused).toHaveLength(3);
    for (const id of refused) await expect(sdk.send(new GetConnectionCommand({ ConnectionId: id }))).rejects.toBeInstanceOf(GoneException);
    expect(events.filter((e) => e.requestContext.eventType === "DISCONNECT")).toEqual([]);
  });

  test("runs the authorizer with the REQUEST event, then $connect with its principal and context as strings", async () => {
    const before = Date.now();
    const client = await openClient(`${gw.wsUrl}?token=good-bob&x=1&x=2`, { "User-Agent": "weft-test" });
    const authEvent = authEvents.at(-1);
    expect(authEvent).toMatchObject({
      type: "REQUEST",
      methodArn: "arn:aws:execute-api:us-east-1:000000000000:local/$default/$connect",
      queryStringParameters: { token: "good-bob", x: "2" },
      multiValueQueryStringParameters: { token: ["good-bob"], x: ["1", "2"] },
      headers: { "User-Agent": "weft-test", Upgrade: "websocket" },
      requestContext: { routeKey: "$connect", eventType: "CONNECT", messageDirection: "IN", stage: "$default", apiId: "local", domainName: "127.0.0.1" },
    });
    const ctx = authEvent.requestContext;
    expect(ctx.identity).toEqual({ sourceIp: "127.0.0.1", userAgent: "weft-test" });
    expect(ctx.connectedAt).toBeGreaterThanOrEqual(before);
    expect(ctx.connectionId).toMatch(/^[\w-]{15}=$/);

    const connectEvent = events.at(-1);
    expect(connectEvent.requestContext).toMatchObject({
      routeKey: "$connect",
      eventType: "CONNECT",
      connectionId: ctx.connectionId,
      connectedAt: ctx.connectedAt,
      authorizer: { principalId: "p-good-bob", tenant: "t1", userId: "bob", admin: "true", level: "3" },
    });
    expect(connectEvent.requestContext.authorizer).not.toHaveProperty("none");
    expect(typeof connectEvent.requestContext.authorizer.integrationLatency).toBe("number");
    expect(connectEvent).toMatchObject({ isBase64Encoded: false, queryStringParameters: { token: "good-bob" } });
    expect(gw.ws.connections.has(ctx.connectionId)).toBe(true);

    // Wildcard resources match too.
    const wild = await openClient(`${gw.wsUrl}?token=wildcard`);
    wild.ws.close();
    client.ws.close();
    await Promise.all([client.closed, wild.closed]);
  });
});

describe("WebSocket gateway: messages", () => {
  test("routes by action, else to $default, with the authorizer on every event; route results are not sent", async () => {
    const client = await openClient(`${gw.wsUrl}?token=good-cat`);
    const id = events.at(-1).requestContext.connectionId;
    const bodies = ['{"action":"slow","ms":0}', '{"action":"nope"}', "not json", '["action"]', '{"action":"$connect"}', '{"action":7}'];
    for (const b of bodies) client.ws.send(b);
    await waitFor("six message events", () => byConnection(id).length === 7);
    const messages = byConnection(id).slice(1);
    expect(messages.map((e) => e.requestContext.routeKey)).toEqual(["slow", "$default", "$default", "$default", "$default", "$default"]);
    expect(messages.map((e) => e.body)).toEqual(bodies);
    for (const e of messages) {
      expect(e.isBase64Encoded).toBe(false);
      expect(e.requestContext).toMatchObject({ eventType: "MESSAGE", connectionId: id, authorizer: { tenant: "t1", userId: "cat", admin: "true" } });
    }
    expect(new Set(messages.map((e) => e.requestContext.messageId)).size).toBe(6);
    await sleep(50);
    expect(client.received).toEqual([]);
    client.ws.close();
    await client.closed;
  });

  test("a failing route tells the client API Gateway's error and keeps the connection", async () => {
    const client = await openClient(`${gw.wsUrl}?token=good-dan`);
    const id = events.at(-1).requestContext.connectionId;
    client.ws.send('{"action":"fail"}');
    const reply = JSON.parse(await client.next());
    expect(reply).toEqual({ message: "Internal server error", connectionId: id, requestId: byConnection(id).at(-1).requestContext.requestId });
    client.ws.send('{"action":"echo","n":1}');
    expect(await client.next(1)).toBe('{"action":"echo","n":1}');
    client.ws.close();
    await client.closed;
  });

  test("runs one connection's messages one at a time, in order; other connections are not held up", async () => {
    const a = await openClient(`${gw.wsUrl}?token=good-eve`);
    const idA = events.at(-1).requestContext.connectionId;
    const b = await openClient(`${gw.wsUrl}?token=good-fay`);
    const idB = events.at(-1).requestContext.connectionId;
    maxConcurrent = 0;
    const delays = [30, 0, 20, 5, 0, 25, 10, 0, 15, 1];
    delays.forEach((ms, n) => a.ws.send(JSON.stringify({ action: "slow", ms, n })));
    b.ws.send(JSON.stringify({ action: "slow", ms: 0, n: "b" }));
    const done = (id: string, n: number) => byConnection(id).length === n && byConnection(id).slice(1).every((e) => e.finishedAt);
    await waitFor("all slow messages", () => done(idA, 11) && done(idB, 2));
    const handled = byConnection(idA).slice(1);
    expect(handled.map((e) => JSON.parse(e.body).n)).toEqual(delays.map((_, n) => n));
    for (let i = 1; i < handled.length; i++) expect(handled[i].finishedAt).toBeGreaterThanOrEqual(handled[i - 1].finishedAt);
    expect(maxConcurrent).toBe(2); // a's one at a time, b's alongside it
    expect(byConnection(idB)[1].finishedAt).toBeLessThan(handled.at(-1).finishedAt);
    a.ws.close();
    b.ws.close();
    await Promise.all([a.closed, b.closed]);
  });

  test("closes with 1009 on a message over 128 KB (fragmented too) and with 1003 on a binary frame, each with one $disconnect", async () => {
    const fits = await openClient(`${gw.wsUrl}?token=good-gus`);
    const fitsId = events.at(-1).requestContext.connectionId;
    const big = JSON.stringify({ pad: "x".repeat(MAX_MESSAGE_BYTES - 10) });
    expect(big.length).toBe(MAX_MESSAGE_BYTES);
    fits.ws.send(big);
    await waitFor("the 128 KB message", () => byConnection(fitsId).some((e) => e.body === big));
    fits.ws.send(big + " ");
    expect((await fits.closed).code).toBe(1009);

    const fragmented = await openClient(`${gw.wsUrl}?token=good-gus`);
    const fragmentedId = events.at(-1).requestContext.connectionId;
    fragmented.ws.send("y".repeat(70_000), { fin: false });
    fragmented.ws.send("y".repeat(70_000), { fin: true });
    expect((await fragmented.closed).code).toBe(1009);

    const binary = await openClient(`${gw.wsUrl}?token=good-gus`);
    const binaryId = events.at(-1).requestContext.connectionId;
    binary.ws.send(Buffer.from([1, 2, 3]));
    expect(await binary.closed).toEqual({ code: 1003, reason: "Binary frames are not supported" });

    await waitFor("three disconnects", () => [fitsId, fragmentedId, binaryId].every((id) => byConnection(id).some((e) => e.requestContext.eventType === "DISCONNECT")));
    expect(byConnection(fitsId).at(-1).requestContext).toMatchObject({ disconnectStatusCode: 1009, disconnectReason: "Message too big" });
    expect(byConnection(fragmentedId).map((e) => e.requestContext.eventType)).toEqual(["CONNECT", "DISCONNECT"]);
    expect(byConnection(binaryId).map((e) => e.requestContext.eventType)).toEqual(["CONNECT", "DISCONNECT"]);
  });
});

describe("WebSocket gateway: management API through the real SDK", () => {
  test("posts, reads and deletes a connection; afterwards each call raises GoneException", async () => {
    const client = await openClient(`${gw.wsUrl}?token=good-hal`, { "User-Agent": "weft-sdk-test" });
    const id = events.at(-1).requestContext.connectionId;
    expect(id).toContain("="); // the SDK must URL-encode it, and the endpoint decode it

    await sdk.send(new PostToConnectionCommand({ ConnectionId: id, Data: '{"type":"hello"}' }));
    expect(await client.next(0)).toBe('{"type":"hello"}');
    const posted = await sdk.send(new PostToConnectionCommand({ ConnectionId: id, Data: "x".repeat(MAX_MESSAGE_BYTES) }));
    expect(posted.$metadata.httpStatusCode).toBe(200);
    expect((await client.next(1)).length).toBe(MAX_MESSAGE_BYTES);
    const tooBig = sdk.send(new PostToConnectionCommand({ ConnectionId: id, Data: "x".repeat(MAX_MESSAGE_BYTES + 1) }));
    await expect(tooBig).rejects.toBeInstanceOf(PayloadTooLargeException);
    await expect(tooBig).rejects.toMatchObject({ $metadata: { httpStatusCode: 413 } });

    const info1 = await sdk.send(new GetConnectionCommand({ ConnectionId: id }));
    expect(info1.Identity).toEqual({ SourceIp: "127.0.0.1", UserAgent: "weft-sdk-test" });
    expect(info1.ConnectedAt).toBeInstanceOf(Date);
    expect(info1.ConnectedAt!.getTime()).toBe(events.at(-1).requestContext.connectedAt);
    expect(info1.LastActiveAt!.getTime()).toBe(info1.ConnectedAt!.getTime()); // server posts are not client activity
    await sleep(5);
    client.ws.send("{}");
    await waitFor("the message", () => byConnection(id).length === 2);
    const info2 = await sdk.send(new GetConnectionCommand({ ConnectionId: id }));
    expect(info2.LastActiveAt!.getTime()).toBe(byConnection(id)[1].requestContext.requestTimeEpoch);

    const deleted = await sdk.send(new DeleteConnectionCommand({ ConnectionId: id }));
    expect(deleted.$metadata.httpStatusCode).toBe(204);
    expect(await client.closed).toEqual({ code: 1000, reason: "Connection deleted" });
    for (const command of [
      new PostToConnectionCommand({ ConnectionId: id, Data: "late" }),
      new GetConnectionCommand({ ConnectionId: id }),
      new DeleteConnectionCommand({ ConnectionId: id }),
    ]) {
      await expect(sdk.send(command as any)).rejects.toMatchObject({ name: "GoneException", $metadata: { httpStatusCode: 410 } });
    }
    await waitFor("$disconnect", () => byConnection(id).at(-1).requestContext.eventType === "DISCONNECT");
    await sleep(50);
    expect(byConnection(id).filter((e) => e.requestContext.eventType === "DISCONNECT")).toHaveLength(1);
    expect(byConnection(id).at(-1).requestContext).toMatchObject({ routeKey: "$disconnect", disconnectStatusCode: 1000, authorizer: { userId: "hal" } });
  });

  test("answers other paths and methods under /@connections with 403 ForbiddenException, and an unknown id with 410", async () => {
    for (const [method, path] of [["PUT", "/@connections/abc"], ["GET", "/@connections"], ["GET", "/@connections/a/b"]]) {
      const res = await fetch(gw.base + path, { method });
      expect([res.status, res.headers.get("x-amzn-errortype")]).toEqual([403, "ForbiddenException"]);
    }
    const res = await fetch(`${gw.base}/@connections/nobody`, { method: "POST", body: "x" });
    expect([res.status, res.headers.get("x-amzn-errortype"), (await res.json()).message]).toEqual([410, "GoneException", "connection nobody is gone"]);
  });

  test("a client close sends one $disconnect with the client's code", async () => {
    const client = await openClient(`${gw.wsUrl}?token=good-ivy`);
    const id = events.at(-1).requestContext.connectionId;
    client.ws.close(4001, "bye");
    await client.closed;
    await waitFor("$disconnect", () => byConnection(id).length === 2);
    expect(byConnection(id)[1].requestContext).toMatchObject({ eventType: "DISCONNECT", disconnectStatusCode: 4001, disconnectReason: "Client-side close frame status code 4001" });
    await expect(sdk.send(new PostToConnectionCommand({ ConnectionId: id, Data: "x" }))).rejects.toBeInstanceOf(GoneException);
  });
});

describe("WebSocket gateway: timeouts, no authorizer, shutdown", () => {
  test("closes idle connections, and any connection at its maximum duration; without $default an unrouted message is Forbidden", async () => {
    const seen: any[] = [];
    const record = localFunction("record", async (event: any) => void seen.push(event));
    const g = await startGateways({ routes: { $disconnect: "record", ping: "record" } } as any, { record }, { log, idleTimeoutMs: 300, maxDurationMs: 1200 });
    try {
      const idle = await openClient(g.wsUrl);
      const busy = await openClient(g.wsUrl);
      const opened = Date.now();
      busy.ws.send("no route");
      const forbidden = JSON.parse(await busy.next(0));
      expect(forbidden).toMatchObject({ message: "Forbidden" });
      const busyId = forbidden.connectionId;
      const ping = setInterval(() => busy.ws.send('{"action":"ping"}'), 100);
      expect(await idle.closed).toEqual({ code: 1001, reason: "Going away: idle timeout" });
      expect(Date.now() - opened).toBeGreaterThanOrEqual(280);
      expect(busy.ws.readyState).toBe(busy.ws.OPEN); // kept alive by its messages
      expect(await busy.closed).toEqual({ code: 1001, reason: "Going away: maximum connection duration" });
      clearInterval(ping);
      expect(Date.now() - opened).toBeGreaterThanOrEqual(1150);
      await waitFor("both disconnects", () => seen.filter((e) => e.requestContext.eventType === "DISCONNECT").length === 2);
      const busyEvents = seen.filter((e) => e.requestContext.connectionId === busyId);
      expect(busyEvents.filter((e) => e.requestContext.routeKey === "ping").length).toBeGreaterThan(5);
      expect(busyEvents.at(-1).requestContext).toMatchObject({ disconnectStatusCode: 1001, disconnectReason: "Going away: maximum connection duration" });
      expect(busyEvents.at(-1).requestContext).not.toHaveProperty("authorizer");
    } finally {
      await g.stop();
    }
  });

  test("stopping closes every connection and waits for each $disconnect", async () => {
    const seen: string[] = [];
    const record = localFunction("record", async (event: any) => {
      await sleep(20);
      seen.push(`${event.requestContext.routeKey} ${event.requestContext.disconnectReason}`);
    });
    const g = await startGateways({ routes: { $disconnect: "record" } } as any, { record }, { log });
    const clients = await Promise.all([openClient(g.wsUrl), openClient(g.wsUrl), openClient(g.wsUrl)]);
    await g.stop();
    expect(seen).toEqual(Array(3).fill("$disconnect Going away: local stack stopping"));
    for (const c of clients) expect((await c.closed).code).toBe(1001);
  });
});
