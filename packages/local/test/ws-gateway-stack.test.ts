import { GetConnectionCommand, GoneException, PayloadTooLargeException, PostToConnectionCommand } from "@aws-sdk/client-apigatewaymanagementapi";
import { afterAll, describe, expect, test } from "vitest";
import { call, freshDoc, stackUrl, token } from "../../../test/e2e/http.js";
import { MAX_MESSAGE_BYTES } from "../src/ws-connection.js";
import { managementClient, openClient, type Client } from "./ws-fixture.js";

/*
 * Smoke test of the WebSocket gateway wired into the running local stack with the real
 * handlers (wsAuthorizer, ws, broadcaster): upgrade auth, routing, the management API the
 * handlers post through, and the stack's WEFT_WS_ENDPOINT. The protocol itself is tested in
 * test/e2e; this checks the plumbing between the gateway and those handlers.
 */

const wsUrl = () => `${stackUrl().replace(/^http/, "ws")}/ws`;
const sdk = managementClient(stackUrl());
afterAll(() => sdk.destroy());

/** The next message of `type` (skipping others), parsed. */
async function nextOf(client: Client, type: string, from = 0): Promise<any> {
  for (let i = from; ; i++) {
    const msg = JSON.parse(await client.next(i));
    if (msg.type === type) return msg;
  }
}

describe("WebSocket gateway in the local stack", () => {
  test("refuses missing, forged and expired tokens with 401", async () => {
    const refused = (url: string) => openClient(url).then(() => 0, (err: { status: number }) => err.status);
    expect(await refused(wsUrl())).toBe(401);
    expect(await refused(`${wsUrl()}?token=${await token({ secret: "not-the-secret" })}`)).toBe(401);
    expect(await refused(`${wsUrl()}?token=${await token({ expiresIn: Math.floor(Date.now() / 1000) - 60 })}`)).toBe(401);
  });

  test("connects, routes to the handlers, delivers committed ops through @connections, and forgets the connection on close", async () => {
    const client = await openClient(`${wsUrl()}?token=${await token({ sub: "smoke", tid: "smoke-tenant" })}`, { "User-Agent": "weft-smoke" });
    client.ws.send('{"action":"ping"}');
    expect(JSON.parse(await client.next(0))).toEqual({ type: "pong" });
    client.ws.send("not json");
    expect(JSON.parse(await client.next(1))).toMatchObject({ type: "error", code: "invalid_message" });
    client.ws.send('{"action":"dance"}'); // not a route: $default
    expect(JSON.parse(await client.next(2))).toMatchObject({ type: "error", code: "unknown_action" });

    const docId = freshDoc("ws-smoke");
    client.ws.send(JSON.stringify({ action: "subscribe", docId, after: 0 }));
    expect(await nextOf(client, "subscribed", 3)).toEqual({ type: "subscribed", docId, version: 0, role: "none" }); // no document yet
    const posted = await call("POST", `/v1/docs/${docId}/ops`, {
      token: await token({ sub: "smoke", tid: "smoke-tenant" }),
      body: { clientId: "c1", base: 0, ops: [{ id: "smoke-op", seq: 1, type: "insert", pos: 0, text: "hi" }] },
    });
    expect(posted.status).toBeLessThan(300);
    // The change creates the document: smoke's owner entry (seq 1) is committed before the op.
    const entries: any[] = [];
    for (let from = 3; !entries.some((e) => e.id === "smoke-op"); ) {
      const ops = await nextOf(client, "ops", from);
      expect(ops.docId).toBe(docId);
      entries.push(...ops.ops);
      from = client.received.indexOf(JSON.stringify(ops)) + 1;
    }
    expect(entries.map((e) => [e.seq, e.id, e.userId])).toEqual([[1, "~owner", "smoke"], [2, "smoke-op", "smoke"]]);

    client.ws.close();
    await client.closed;
  });

  test("relays presence between connections and the stack's management endpoint answers the real SDK", async () => {
    const a = await openClient(`${wsUrl()}?token=${await token({ sub: "p1", tid: "smoke-presence" })}`, { "User-Agent": "weft-smoke-a" });
    const b = await openClient(`${wsUrl()}?token=${await token({ sub: "p2", tid: "smoke-presence" })}`);
    const docId = freshDoc("ws-presence");
    a.ws.send(JSON.stringify({ action: "subscribe", docId }));
    await nextOf(a, "subscribed");
    b.ws.send(JSON.stringify({ action: "subscribe", docId }));
    await nextOf(b, "subscribed");
    a.ws.send(JSON.stringify({ action: "presence", docId, state: { cursor: 1 } }));
    const presence = await nextOf(b, "presence");
    expect(presence).toMatchObject({ docId, userId: "p1", state: { cursor: 1 } });
    const info = await sdk.send(new GetConnectionCommand({ ConnectionId: presence.connectionId }));
    expect(info.Identity?.UserAgent).toBe("weft-smoke-a");
    a.ws.close();
    await a.closed;
    expect(await nextOf(b, "presence", b.received.indexOf(JSON.stringify(presence)) + 1)).toMatchObject({ userId: "p1", state: null });
    await expect(sdk.send(new GetConnectionCommand({ ConnectionId: presence.connectionId }))).rejects.toBeInstanceOf(GoneException);
    b.ws.close();
    await b.closed;
  });

  test("refuses posts over 128 KB with PayloadTooLargeException and closes a client sending one with 1009", async () => {
    const a = await openClient(`${wsUrl()}?token=${await token({ sub: "big1", tid: "smoke-big" })}`);
    const b = await openClient(`${wsUrl()}?token=${await token({ sub: "big2", tid: "smoke-big" })}`);
    const docId = freshDoc("ws-big");
    for (const c of [a, b]) c.ws.send(JSON.stringify({ action: "subscribe", docId }));
    await Promise.all([nextOf(a, "subscribed"), nextOf(b, "subscribed")]);
    b.ws.send(JSON.stringify({ action: "presence", docId, state: { n: 1 } }));
    const { connectionId } = await nextOf(a, "presence");
    const post = (bytes: number) => sdk.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: "x".repeat(bytes) }));
    await expect(post(MAX_MESSAGE_BYTES + 1)).rejects.toBeInstanceOf(PayloadTooLargeException);
    await post(MAX_MESSAGE_BYTES);
    b.ws.send(JSON.stringify({ action: "ping", pad: "x".repeat(MAX_MESSAGE_BYTES) }));
    expect((await b.closed).code).toBe(1009);
    await expect(post(1)).rejects.toBeInstanceOf(GoneException);
    a.ws.close();
    await a.closed;
  });
});
