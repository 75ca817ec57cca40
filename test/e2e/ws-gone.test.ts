import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { PRESENCE_RATE } from "@weft/core";
import { insert, post } from "./docs.js";
import { call, freshDoc, token } from "./http.js";
import { WsClient, connectionIdOf, stackConnections, waitUntil } from "./ws-client.js";

/*
 * GoneException cleanup: a connection whose client vanished without a `$disconnect` reaching
 * the backend (on AWS `$disconnect` is best effort) still has its records; the first post to
 * it gets 410 GoneException from the management API, and the records must go.
 */

const tenant = `ws-gone-${randomUUID().slice(0, 8)}`;
const open: WsClient[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
});

/** A connection id in API Gateway's format that the stack's gateway has never seen. */
const ghostId = () => `${randomUUID().replaceAll("-", "").slice(0, 15)}=`;

describe("a connection that went away without $disconnect", () => {
  it("is removed with all its records when the broadcaster's post gets Gone; live subscribers get the ops and its leave", async () => {
    const doc = freshDoc("ws-gone");
    const second = freshDoc("ws-gone-2");
    const store = stackConnections();
    // Stage what a lost $disconnect leaves behind: the connection and its subscriptions, with a presence.
    const ghost = ghostId();
    await store.connect({ connectionId: ghost, tenant, userId: "ghost", connectedAt: Date.now() });
    expect(await store.subscribe(ghost, { tenant, docId: doc }, 100)).toBe("ok");
    expect(await store.subscribe(ghost, { tenant, docId: second }, 100)).toBe("ok");
    expect(await store.setPresence(ghost, { tenant, docId: doc }, { cursor: 2 }, Date.now(), PRESENCE_RATE)).toBe("ok");
    expect((await call("GET", `/@connections/${encodeURIComponent(ghost)}`)).status).toBe(410);

    const live = await WsClient.open({ tid: tenant, sub: "lou" });
    open.push(live);
    await live.subscribe(doc);
    // The ghost's presence is what a newcomer sees, until the ghost is found gone.
    await live.waitFor("ghost presence", (m) => m.type === "presence" && m.connectionId === ghost);

    const t = await token({ tid: tenant, sub: "lou" });
    expect((await post(t, doc, { clientId: "g1", base: 0, ops: [insert("g-1", 1, 0, "hi")] })).status).toBe(202);
    await live.waitForSeqs(doc, 2); // lou's owner entry (seq 1) and g-1
    expect(await live.waitFor("ghost leave", (m) => m.type === "presence" && m.connectionId === ghost && m.state === null)).toEqual({
      type: "presence",
      docId: doc,
      userId: "ghost",
      connectionId: ghost,
      state: null,
      at: expect.any(Number),
    });
    await waitUntil("the ghost's records removed", async () => (await store.get(ghost)) === undefined);
    expect((await store.subscribers({ tenant, docId: doc })).map((s) => s.connectionId)).not.toContain(ghost);
    expect(await store.subscribers({ tenant, docId: second })).toEqual([]);
  });

  it("a socket killed from the client side is forgotten by the gateway (410) and its records are removed", async () => {
    const c = await WsClient.open({ tid: tenant, sub: "kim" });
    const id = await connectionIdOf(c, tenant, freshDoc("probe"));
    expect((await call("GET", `/@connections/${encodeURIComponent(id)}`)).status).toBe(200);
    await c.kill();
    await waitUntil("the gateway forgot the connection", async () => (await call("GET", `/@connections/${encodeURIComponent(id)}`)).status === 410);
    await waitUntil("its records removed", async () => (await stackConnections().get(id)) === undefined);
  });
});
