import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import type { Gateway } from "@weft/core";
import { ROOM_TASK_REQUEST_TIMEOUT_MS } from "../../src/adapters/apigw/room-task-gateway.js";
import { RoutingGateway } from "../../src/adapters/apigw/routing-gateway.js";
import { roomConnectionId, roomEndpointOf } from "../../src/rooms/connection-ids.js";
import { connectionsApi } from "../../src/rooms/connections-api.js";

/** A Gateway that records what reached it (the API Gateway side). */
function recording(): Gateway & { posts: string[] } {
  const posts: string[] = [];
  return { posts, post: async (id) => (posts.push(id), "ok"), close: async () => "ok" };
}

describe("room connection ids and the routing gateway", () => {
  it("a room id names its task's private endpoint; other ids name none", () => {
    const id = roomConnectionId("10.0.4.17:8081");
    expect(id).toMatch(/^rm\./);
    expect(roomEndpointOf(id)).toBe("http://10.0.4.17:8081");
    expect(roomEndpointOf("Ab3dE1fGh2IJk=")).toBeUndefined();
    expect(roomEndpointOf("rm.bm90IGEgaG9zdA.x")).toBeUndefined(); // "not a host"
    expect(roomConnectionId("10.0.4.17:8081")).not.toBe(id);
  });

  it("posts a room id through that task's @connections API, any other id through API Gateway", async () => {
    const got: Array<[string, string]> = [];
    const server = createServer((req, res) => {
      void connectionsApi({ post: async (id, data) => (got.push([id, data.toString()]), true), remove: () => false, describe: () => undefined }, 128 * 1024)(req, res);
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    try {
      const apiGateway = recording();
      const gateway = new RoutingGateway(apiGateway, { local: true });
      const roomId = roomConnectionId(`127.0.0.1:${(server.address() as AddressInfo).port}`);
      expect(await gateway.post(roomId, "hello")).toBe("ok");
      expect(await gateway.post("apigw-id", "x")).toBe("ok");
      expect(got).toEqual([[roomId, "hello"]]);
      expect(apiGateway.posts).toEqual(["apigw-id"]);
      // The task no longer holds it: gone.
      const gone = new RoutingGateway(apiGateway, { local: true });
      const closed = createServer((req, res) => void connectionsApi({ post: async () => false, remove: () => false, describe: () => undefined }, 1024)(req, res));
      await new Promise<void>((r) => closed.listen(0, "127.0.0.1", () => r()));
      expect(await gone.post(roomConnectionId(`127.0.0.1:${(closed.address() as AddressInfo).port}`), "x")).toBe("gone");
      closed.close();
    } finally {
      server.close();
    }
  });

  it("a task that is not there at all (refused) means its connections are gone, quickly", async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, "127.0.0.1", () => r()));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const gateway = new RoutingGateway(recording(), { local: true });
    const started = Date.now();
    expect(await gateway.post(roomConnectionId(`127.0.0.1:${port}`), "x")).toBe("gone");
    expect(await gateway.close(roomConnectionId(`127.0.0.1:${port}`))).toBe("gone");
    // A task that is there but silent would cost two request timeouts; a refused one costs none.
    expect(Date.now() - started).toBeLessThan(ROOM_TASK_REQUEST_TIMEOUT_MS);
  });

  it("a task that resets a request is not gone: the post is tried once more, then fails (its socket's subscriptions stay)", async () => {
    let requests = 0;
    let resetEvery = false;
    const got: string[] = [];
    const api = connectionsApi({ post: async (_id, data) => (got.push(data.toString()), true), remove: () => false, describe: () => undefined }, 1024);
    const server = createServer((req, res) => {
      requests++;
      // A keep-alive socket closed as it was reused, once; or a task that resets every request.
      if (resetEvery || requests === 1) return req.socket.destroy();
      void api(req, res);
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    try {
      const id = roomConnectionId(`127.0.0.1:${(server.address() as AddressInfo).port}`);
      const gateway = new RoutingGateway(recording(), { local: true });
      expect(await gateway.post(id, "once reset")).toBe("ok");
      expect(got).toEqual(["once reset"]);
      expect(requests).toBe(2);
      resetEvery = true;
      await expect(gateway.post(id, "always reset")).rejects.toMatchObject({ code: "ECONNRESET" });
      expect(requests).toBe(4);
    } finally {
      server.close();
    }
  });

  it("a task that accepts a post and never answers fails it after the timeout, and is not gone", async () => {
    const server = createServer(() => undefined);
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    try {
      const gateway = new RoutingGateway(recording(), { local: true });
      const started = Date.now();
      await expect(gateway.post(roomConnectionId(`127.0.0.1:${(server.address() as AddressInfo).port}`), "x")).rejects.toMatchObject({ code: "ETIMEDOUT" });
      expect(Date.now() - started).toBeGreaterThanOrEqual(ROOM_TASK_REQUEST_TIMEOUT_MS - 100);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  }, ROOM_TASK_REQUEST_TIMEOUT_MS + 10_000);
});
