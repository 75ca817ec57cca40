import { describe, expect, it } from "vitest";
import { notificationReadMessage, type ServerMessage } from "../../src/live/server-messages.js";
import { onDisconnect, onMessage, type Caller } from "../../src/live/session.js";
import { postToUser } from "../../src/live/user-delivery.js";
import type { FeedItem } from "../../src/notify/vocabulary.js";
import type { Gateway } from "../../src/ports/gateway.js";
import { MemoryConnectionStore } from "../../src/ports/memory/connection-store.js";
import { MemoryGateway } from "../../src/ports/memory/gateway.js";
import { liveHarness } from "./live-harness.js";

const feedItem = (tenant: string, userId: string): FeedItem => ({
  tenant,
  userId,
  id: "n-1",
  version: 2,
  class: "social",
  topic: "comments",
  title: "Roadmap",
  body: "Dan and 2 others left 4 comments — «Grüße» 👋🏽",
  url: "https://app.example/docs/roadmap",
  docId: "roadmap",
  eventIds: ["e1", "e2", "e3", "e4"],
  data: { threadId: "th-1", counts: [1, 2] },
  createdAt: 1_760_000_000_000,
  updatedAt: 1_760_000_060_000,
});

const subscribe = (h: ReturnType<typeof liveHarness>, c: Caller, docId: string) =>
  onMessage(h.deps, c, JSON.stringify({ action: "subscribe", docId }));
const announce = (h: ReturnType<typeof liveHarness>, c: Caller, docId: string, state: object) =>
  onMessage(h.deps, c, JSON.stringify({ action: "presence", docId, state }));

describe("postToUser", () => {
  it("posts the message to every live connection of the user in that tenant, subscribed or not, and to no one else", async () => {
    const h = liveHarness();
    const [tab1, tab2, phone] = [await h.connect("ann"), await h.connect("ann"), await h.connect("ann")];
    const bob = await h.connect("bob");
    const annElsewhere = await h.connect("ann", "other-tenant");
    await subscribe(h, tab1, "roadmap");
    await subscribe(h, bob, "roadmap");
    for (const c of [tab1, tab2, phone, bob, annElsewhere]) h.fresh(c);

    const message: ServerMessage = { type: "notification", notification: feedItem(h.tenant, "ann") };
    expect(await postToUser(h.deps, h.tenant, "ann", message)).toEqual({ delivered: 3, gone: 0 });
    for (const c of [tab1, tab2, phone]) expect(h.fresh(c)).toEqual([{ type: "notification", notification: feedItem(h.tenant, "ann") }]);
    for (const c of [bob, annElsewhere]) expect(h.fresh(c)).toEqual([]);
  });

  it("posts an encoded message as is (notification.read)", async () => {
    const h = liveHarness();
    const c = await h.connect("ann");
    const encoded = notificationReadMessage(["n-1", "n-2"]);
    expect(await postToUser(h.deps, h.tenant, "ann", encoded)).toEqual({ delivered: 1, gone: 0 });
    expect(h.gateway.messages(c.connectionId)).toEqual(['{"type":"notification.read","ids":["n-1","n-2"]}']);
  });

  it("a user with no live connection gets nothing: delivered 0", async () => {
    const h = liveHarness();
    const c = await h.connect("ann");
    await onDisconnect(h.deps, c.connectionId);
    expect(await postToUser(h.deps, h.tenant, "ann", { type: "notification.read", ids: ["n-1"] })).toEqual({ delivered: 0, gone: 0 });
    expect(await postToUser(h.deps, h.tenant, "nobody", { type: "notification.read", ids: ["n-1"] })).toEqual({ delivered: 0, gone: 0 });
    expect(h.gateway.messages(c.connectionId)).toEqual([]);
  });

  it("removes a connection the gateway reports gone (its leaves go out, the disconnect is recorded at the clock's time)", async () => {
    const h = liveHarness();
    const [live, vanished] = [await h.connect("ann"), await h.connect("ann")];
    const bob = await h.connect("bob");
    for (const c of [vanished, bob]) await subscribe(h, c, "roadmap");
    await announce(h, vanished, "roadmap", { cursor: 4 });
    h.fresh(live);
    h.fresh(bob);
    h.gateway.markGone(vanished.connectionId);
    h.clock.advance(5_000);

    const r = await postToUser(h.deps, h.tenant, "ann", { type: "notification.read", ids: ["n-9"] });
    expect(r).toEqual({ delivered: 1, gone: 1 });
    expect(h.fresh(live)).toEqual([{ type: "notification.read", ids: ["n-9"] }]);
    expect(await h.deps.connections.get(vanished.connectionId)).toBeUndefined();
    expect(await h.deps.connections.userPresence(h.tenant, "ann")).toEqual({
      connections: [{ ...live, docs: [] }],
      lastDisconnectAt: h.clock.now(),
    });
    expect((await h.deps.connections.subscribers(h.doc("roadmap"))).map((s) => s.connectionId)).toEqual([bob.connectionId]);
    expect(h.fresh(bob)).toEqual([
      { type: "presence", docId: "roadmap", userId: "ann", connectionId: vanished.connectionId, state: null, at: expect.any(Number) },
    ]);
    expect(h.lines).toContainEqual({ kind: "ws_gone", tenant: h.tenant, userId: "ann", connections: 1, during: "user" });
    // Next time only the live connection is tried.
    expect(await postToUser(h.deps, h.tenant, "ann", { type: "notification.read", ids: ["n-10"] })).toEqual({ delivered: 1, gone: 0 });
  });

  it("with every connection gone: delivered 0, all removed; works without a log sink or clock", async () => {
    const connections = new MemoryConnectionStore();
    const gateway = new MemoryGateway();
    const ids = ["c1", "c2"];
    for (const connectionId of ids) await connections.connect({ connectionId, tenant: "t1", userId: "ann", connectedAt: Date.now() });
    for (const id of ids) gateway.markGone(id);
    const before = Date.now();
    expect(await postToUser({ connections, gateway }, "t1", "ann", { type: "notification.read", ids: ["n-1"] })).toEqual({
      delivered: 0,
      gone: 2,
    });
    const presence = await connections.userPresence("t1", "ann");
    expect(presence.connections).toEqual([]);
    expect(presence.lastDisconnectAt).toBeGreaterThanOrEqual(before);
  });

  it("rejects when a post fails for another reason, after the other posts settled (the caller retries)", async () => {
    const connections = new MemoryConnectionStore();
    const delivered = new MemoryGateway();
    const failing: Gateway = {
      post: async (id, data) => (id === "c-bad" ? Promise.reject(new Error("management API 500")) : delivered.post(id, data)),
      close: async (id) => delivered.close(id),
    };
    for (const connectionId of ["c-ok", "c-bad"]) await connections.connect({ connectionId, tenant: "t1", userId: "ann", connectedAt: Date.now() });
    await expect(postToUser({ connections, gateway: failing }, "t1", "ann", { type: "notification.read", ids: ["n-1"] })).rejects.toThrow(
      "management API 500",
    );
    expect(delivered.messages("c-ok")).toHaveLength(1);
    expect((await connections.userPresence("t1", "ann")).connections).toHaveLength(2);
  });
});

describe("$disconnect and user presence", () => {
  it("records the session clock's time as the user's lastDisconnectAt", async () => {
    const h = liveHarness();
    const c = await h.connect("ann");
    h.clock.advance(42_000);
    await onDisconnect(h.deps, c.connectionId);
    expect(await h.deps.connections.userPresence(h.tenant, "ann")).toEqual({ connections: [], lastDisconnectAt: h.clock.now() });
  });
});
