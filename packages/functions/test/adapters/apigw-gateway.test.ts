import { randomUUID } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { runGatewayConformance } from "@weft/core/testing";
import { ApiGatewayGateway } from "../../src/adapters/apigw/gateway.js";
import { stackUrl } from "../../../../test/e2e/http.js";
import { WsClient, connectionIdOf, waitUntil } from "../../../../test/e2e/ws-client.js";

/*
 * The Gateway port on the real @aws-sdk/client-apigatewaymanagementapi client, against the
 * local stack's @connections endpoint and real WebSocket clients of its /ws.
 */

const tenant = `gw-${randomUUID().slice(0, 8)}`;
const clients: WsClient[] = [];
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
});

const status = async (id: string) => (await fetch(`${stackUrl()}/@connections/${encodeURIComponent(id)}`)).status;

runGatewayConformance("API Gateway management API (local stack)", async () => {
  const gateway = new ApiGatewayGateway({ endpoint: stackUrl(), local: true });
  const byId = new Map<string, { client: WsClient; from: number }>();
  return {
    gateway,
    async connect() {
      const client = await WsClient.open({ tid: tenant, sub: "gw" });
      clients.push(client);
      const id = await connectionIdOf(client, tenant, `probe-${randomUUID().slice(0, 8)}`);
      byId.set(id, { client, from: client.texts.length });
      return id;
    },
    async received(id) {
      const { client, from } = byId.get(id)!;
      // A ping's pong is posted after everything posted before: once it is in, all of that is.
      if (client.ws.readyState === client.ws.OPEN) await client.settle();
      return client.texts.slice(from);
    },
    async drop(id) {
      await byId.get(id)!.client.kill();
      await waitUntil("the gateway forgot the connection", async () => (await status(id)) === 410);
    },
  };
});

describe("ApiGatewayGateway", () => {
  it("a message over API Gateway's 128 KB limit is an error (PayloadTooLargeException), not gone", async () => {
    const gateway = new ApiGatewayGateway({ endpoint: stackUrl(), local: true });
    const client = await WsClient.open({ tid: tenant, sub: "gw" });
    clients.push(client);
    const id = await connectionIdOf(client, tenant, `probe-${randomUUID().slice(0, 8)}`);
    await expect(gateway.post(id, "x".repeat(128 * 1024 + 1))).rejects.toMatchObject({ name: "PayloadTooLargeException" });
    expect(await gateway.post(id, "x".repeat(128 * 1024))).toBe("ok");
  });
});
