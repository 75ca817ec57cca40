import { QueryCommand, ScanCommand } from "@aws-sdk/client-dynamodb";
import { beforeAll, describe, expect, it } from "vitest";
import { CONNECTION_TTL_SECONDS, PRESENCE_RATE } from "@weft/core";
import { uid } from "@weft/core/testing";
import { CapacityAccumulator } from "../../src/adapters/dynamo/capacity.js";
import { DynamoConnectionStore } from "../../src/adapters/dynamo/connection-store.js";
import { client, freshTables } from "./dynamo-harness.js";

/** The stored layout docs/protocol.md and docs/architecture.md describe, and what each call costs. */
describe("DynamoConnectionStore layout", () => {
  let table: string;
  const meter = new CapacityAccumulator();
  let store: DynamoConnectionStore;
  beforeAll(async () => {
    table = (await freshTables()).connections;
    store = new DynamoConnectionStore({ client, table, meter });
  });

  it("a connection meta item and one index item per subscribed document, all with the TTL", async () => {
    const connectionId = uid("c");
    const tenant = uid("t");
    // A real time: DynamoDB Local applies the TTL.
    const connectedAt = Date.now();
    await store.connect({ connectionId, tenant, userId: "alice", connectedAt });
    await store.subscribe(connectionId, { tenant, docId: "doc.1" }, 100);
    await store.setPresence(connectionId, { tenant, docId: "doc.1" }, { cursor: 5 }, connectedAt, PRESENCE_RATE);
    const expiresAt = String(Math.floor(connectedAt / 1000) + CONNECTION_TTL_SECONDS);

    const meta = await client.send(new QueryCommand({
      TableName: table,
      ConsistentRead: true,
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: { ":pk": { S: `c#${connectionId}` } },
    }));
    expect(meta.Items).toEqual([
      {
        pk: { S: `c#${connectionId}` },
        sk: { S: "meta" },
        tenant: { S: tenant },
        userId: { S: "alice" },
        connectedAt: { N: String(connectedAt) },
        expiresAt: { N: expiresAt },
        docs: { SS: ["doc.1"] },
        tat: { N: String(connectedAt + PRESENCE_RATE.intervalMs) },
      },
    ]);
    const index = await client.send(new QueryCommand({
      TableName: table,
      ConsistentRead: true,
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: { ":pk": { S: `d#${tenant}#doc.1` } },
    }));
    expect(index.Items).toEqual([
      { pk: { S: `d#${tenant}#doc.1` }, sk: { S: connectionId }, userId: { S: "alice" }, expiresAt: { N: expiresAt }, presence: { S: '{"cursor":5}' }, presenceAt: { N: String(connectedAt) } },
    ]);

    await store.disconnect(connectionId);
    const left = await client.send(new ScanCommand({ TableName: table, ConsistentRead: true }));
    expect((left.Items ?? []).filter((i) => i.pk.S!.includes(connectionId) || i.sk.S === connectionId)).toEqual([]);
  });

  it("a presence update costs 2 writes, a refusal known to this process none; subscribers is one read unit for small items", async () => {
    const connectionId = uid("c");
    const tenant = uid("t");
    const doc = { tenant, docId: "d" };
    await store.connect({ connectionId, tenant, userId: "bob", connectedAt: Date.now() });
    await store.subscribe(connectionId, doc, 100);
    await store.setPresence(connectionId, doc, { a: 1 }, 1000, PRESENCE_RATE);
    meter.reset();
    await store.setPresence(connectionId, doc, { a: 2 }, 1001, PRESENCE_RATE);
    // The bucket (the branch this process expects, "partly used") and the index item.
    expect(meter.snapshot().total.write).toBe(2);
    meter.reset();
    await store.setPresence(connectionId, doc, { a: 3 }, 5000, PRESENCE_RATE);
    expect(meter.snapshot().total.write).toBe(2);
    // Another process (no hint) guesses "full" first: one refused write more.
    const other = new DynamoConnectionStore({ client, table, meter });
    meter.reset();
    expect(await other.setPresence(connectionId, doc, { a: 4 }, 5001, PRESENCE_RATE)).toBe("ok");
    expect(meter.snapshot().total.write).toBe(3);
    for (let i = 0; i < 30; i++) await store.setPresence(connectionId, doc, { i }, 5002, PRESENCE_RATE);
    meter.reset();
    expect(await store.setPresence(connectionId, doc, { late: 1 }, 5002, PRESENCE_RATE)).toBe("rate_limited");
    expect(meter.snapshot().total).toEqual({ read: 0, write: 0 });
    meter.reset();
    expect(await store.subscribers(doc)).toHaveLength(1);
    expect(meter.snapshot().total).toEqual({ read: 1, write: 0 });
  });
});
