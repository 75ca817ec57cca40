import { DeleteItemCommand, QueryCommand } from "@aws-sdk/client-dynamodb";
import { beforeAll, describe, expect, it } from "vitest";
import { CONNECTION_TTL_SECONDS } from "@weft/core";
import { uid } from "@weft/core/testing";
import { CapacityAccumulator } from "../../src/adapters/dynamo/capacity.js";
import { DynamoConnectionStore } from "../../src/adapters/dynamo/connection-store.js";
import { client, freshTables } from "./dynamo-harness.js";

/** The user -> connections index (connection-users.ts) as stored, what userPresence costs, and what it leaves out. */
describe("DynamoConnectionStore user index", () => {
  let table: string;
  const meter = new CapacityAccumulator();
  let store: DynamoConnectionStore;
  beforeAll(async () => {
    table = (await freshTables()).connections;
    store = new DynamoConnectionStore({ client, table, meter });
  });
  const collection = async (pk: string) =>
    (
      await client.send(
        new QueryCommand({
          TableName: table,
          ConsistentRead: true,
          KeyConditionExpression: "pk = :pk",
          ExpressionAttributeValues: { ":pk": { S: pk } },
        }),
      )
    ).Items ?? [];

  it("one item per live connection and one `last` item in u#<tenant>#<userId>, all with a TTL", async () => {
    const tenant = uid("t");
    const [a, b] = [uid("c"), uid("c")];
    // Real times: DynamoDB Local applies the TTL.
    const connectedAt = Date.now();
    const expiresAt = String(Math.floor(connectedAt / 1000) + CONNECTION_TTL_SECONDS);
    await store.connect({ connectionId: a, tenant, userId: "alice", connectedAt });
    await store.connect({ connectionId: b, tenant, userId: "alice", connectedAt });
    const pk = { S: `u#${tenant}#alice` };
    expect(await collection(pk.S)).toEqual(
      [a, b].sort().map((id) => ({ pk, sk: { S: `c#${id}` }, connectedAt: { N: String(connectedAt) }, expiresAt: { N: expiresAt } })),
    );
    const now = Date.now() + 1000;
    await store.disconnect(a, [], now);
    expect(await collection(pk.S)).toEqual([
      { pk, sk: { S: `c#${b}` }, connectedAt: { N: String(connectedAt) }, expiresAt: { N: expiresAt } },
      {
        pk,
        sk: { S: "last" },
        lastDisconnectAt: { N: String(now) },
        expiresAt: { N: String(Math.floor(now / 1000) + CONNECTION_TTL_SECONDS) },
      },
    ]);
  });

  it("userPresence is one Query and one strongly consistent BatchGet (a read unit per small connection)", async () => {
    const tenant = uid("t");
    for (let i = 0; i < 3; i++) await store.connect({ connectionId: uid("c"), tenant, userId: "bob", connectedAt: Date.now() });
    meter.reset();
    expect((await store.userPresence(tenant, "bob")).connections).toHaveLength(3);
    expect(meter.snapshot().total).toEqual({ read: 1 + 3, write: 0 });
    meter.reset();
    expect(await store.userPresence(tenant, "nobody")).toEqual({ connections: [] });
    // An empty Query: at most one unit (DynamoDB Local reports none), and no BatchGet.
    expect(meter.snapshot().total.read).toBeLessThanOrEqual(1);
    expect(meter.snapshot().total.write).toBe(0);
  });

  it("leaves out a connection past its TTL (lost $disconnect, not yet deleted) and one whose meta item is gone", async () => {
    const tenant = uid("t");
    const stale = uid("c");
    const orphan = uid("c");
    const fresh = uid("c");
    const old = Date.now() - CONNECTION_TTL_SECONDS * 1000 - 60_000;
    await store.connect({ connectionId: stale, tenant, userId: "carol", connectedAt: old });
    await store.connect({ connectionId: orphan, tenant, userId: "carol", connectedAt: Date.now() });
    await store.connect({ connectionId: fresh, tenant, userId: "carol", connectedAt: Date.now() });
    // A disconnect that died after deleting the meta item (the index item stays until its TTL).
    await client.send(new DeleteItemCommand({ TableName: table, Key: { pk: { S: `c#${orphan}` }, sk: { S: "meta" } } }));
    const { connections } = await store.userPresence(tenant, "carol");
    expect(connections.map((c) => c.connectionId)).toEqual([fresh]);
  });
});
