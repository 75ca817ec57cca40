import { GetItemCommand, PutItemCommand, QueryCommand, TransactWriteItemsCommand, type PutItemCommandInput } from "@aws-sdk/client-dynamodb";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { NO_FUNCTION } from "@weft/core/cost/usage";
import { batchOf, newDoc, proseEntries } from "@weft/core/testing";
import { processUsage, runAsFunction } from "../../src/adapters/billing/usage-context.js";
import { CapacityAccumulator } from "../../src/adapters/dynamo/capacity.js";
import type { TableNames } from "../../src/adapters/dynamo/create-tables.js";
import { DynamoLogStore } from "../../src/adapters/dynamo/log-store.js";
import { client, freshTables } from "../adapters/dynamo-harness.js";

/*
 * The SDK metering middleware on the real DynamoDB client, against DynamoDB Local: consumed
 * units of every call land in processUsage under the function making the call and the
 * physical table, including calls that did not ask for ConsumedCapacity and failed writes.
 */

let tables: TableNames;
beforeAll(async () => {
  tables = await freshTables();
});
beforeEach(() => processUsage.reset());

const S = (s: string) => ({ S: s });
const lines = (unit: string) => processUsage.snapshot().filter((l) => l.unit === unit);

describe("DynamoDB metering", () => {
  it("asks for ConsumedCapacity when the input does not, and leaves the caller's input alone", async () => {
    const input: PutItemCommandInput = { TableName: tables.state, Item: { pk: S("p1"), sk: S("s1"), v: S("x".repeat(1500)) } };
    const out = await runAsFunction("writer", () => client.send(new PutItemCommand(input)));
    expect(out.ConsumedCapacity).toEqual({ TableName: tables.state, CapacityUnits: 2 });
    expect(input.ReturnConsumedCapacity).toBeUndefined();
    expect(lines("dynamodb.writeUnits")).toEqual([{ unit: "dynamodb.writeUnits", fn: "writer", resource: tables.state, quantity: 2 }]);
  });

  it("counts reads of GetItem and Query under the reading function, apart from writes", async () => {
    for (let i = 0; i < 3; i++) {
      await client.send(new PutItemCommand({ TableName: tables.state, Item: { pk: S("q"), sk: S(`s${i}`), v: S("y".repeat(3000)) } }));
    }
    await runAsFunction("reader", async () => {
      await client.send(new GetItemCommand({ TableName: tables.state, Key: { pk: S("q"), sk: S("s0") }, ConsistentRead: true }));
      await client.send(new QueryCommand({ TableName: tables.state, KeyConditionExpression: "pk = :pk", ExpressionAttributeValues: { ":pk": S("q") }, ConsistentRead: true }));
    });
    // Three ~3 KB items: 3 WCU each, outside any function.
    expect(processUsage.total("dynamodb.writeUnits", NO_FUNCTION)).toBe(9);
    // GetItem of one 3 KB item: 1 RCU; a consistent Query of 9 KB: 3 RCU.
    expect(lines("dynamodb.readUnits")).toEqual([{ unit: "dynamodb.readUnits", fn: "reader", resource: tables.state, quantity: 4 }]);
  });

  it("bills a failed conditional write at the size of the item it returned (ALL_OLD), else 1 unit", async () => {
    const key = { pk: S("c"), sk: S("1") };
    await client.send(new PutItemCommand({ TableName: tables.state, Item: { ...key, v: S("z".repeat(2500)) } }));
    processUsage.reset();
    const put = (extra: Partial<PutItemCommandInput>) =>
      client.send(new PutItemCommand({ TableName: tables.state, Item: { ...key, v: S("new") }, ConditionExpression: "attribute_not_exists(pk)", ...extra }));
    await runAsFunction("conditional", async () => {
      await expect(put({ ReturnValuesOnConditionCheckFailure: "ALL_OLD" })).rejects.toMatchObject({ name: "ConditionalCheckFailedException" });
      await expect(put({})).rejects.toMatchObject({ name: "ConditionalCheckFailedException" });
    });
    expect(lines("dynamodb.writeUnits")).toEqual([{ unit: "dynamodb.writeUnits", fn: "conditional", resource: tables.state, quantity: 3 + 1 }]);
  });

  it("bills a canceled transaction at twice the write units of its actions", async () => {
    const key = { pk: S("t"), sk: S("1") };
    await client.send(new PutItemCommand({ TableName: tables.state, Item: key }));
    processUsage.reset();
    const cancel = () =>
      client.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            { Put: { TableName: tables.state, Item: { pk: S("t"), sk: S("2"), v: S("w".repeat(1500)) } } },
            { Put: { TableName: tables.docs, Item: { ...key, v: S("v") }, ConditionExpression: "attribute_not_exists(pk)" } },
            { ConditionCheck: { TableName: tables.state, Key: key, ConditionExpression: "attribute_not_exists(pk)" } },
          ],
        }),
      );
    await runAsFunction("transactor", () => expect(cancel()).rejects.toMatchObject({ name: "TransactionCanceledException" }));
    // 2 x 2 KB on state, 2 x 1 KB on docs, and 2 x 1 KB on state (a ConditionCheck: size unknown).
    expect(lines("dynamodb.writeUnits")).toEqual([
      { unit: "dynamodb.writeUnits", fn: "transactor", resource: tables.docs, quantity: 2 },
      { unit: "dynamodb.writeUnits", fn: "transactor", resource: tables.state, quantity: 4 + 2 },
    ]);
  });

  it("bills a successful transaction at twice the write units of each action, though DynamoDB Local reports one figure", async () => {
    processUsage.reset();
    await runAsFunction("transactor", () =>
      client.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            { Put: { TableName: tables.state, Item: { pk: S("tx"), sk: S("1"), v: S("w".repeat(1500)) } } },
            { Put: { TableName: tables.state, Item: { pk: S("tx"), sk: S("2") } } },
            { Update: { TableName: tables.docs, Key: { pk: S("tx"), sk: S("3") }, UpdateExpression: "SET v = :v", ExpressionAttributeValues: { ":v": S("v") } } },
          ],
        }),
      ),
    );
    // 2 x 2 KB + 2 x 1 KB on state; 2 x 1 KB on docs (an Update: its stored item is not seen, 1 KB).
    expect(lines("dynamodb.writeUnits")).toEqual([
      { unit: "dynamodb.writeUnits", fn: "transactor", resource: tables.docs, quantity: 2 },
      { unit: "dynamodb.writeUnits", fn: "transactor", resource: tables.state, quantity: 4 + 2 },
    ]);
  });

  it("attributes concurrent invocations' calls each to its own function, through the adapters, beside their own meter", async () => {
    const meter = new CapacityAccumulator();
    const log = new DynamoLogStore({ client, table: tables.log, meter });
    const append = (fn: string) => runAsFunction(fn, () => log.append(batchOf(newDoc(), proseEntries(1, 10, 200, 3))));
    await Promise.all([append("a"), append("b"), append("a")]);
    const a = processUsage.total("dynamodb.writeUnits", "a");
    const b = processUsage.total("dynamodb.writeUnits", "b");
    expect(b).toBeGreaterThan(0);
    expect(a).toBe(2 * b);
    // The adapter's own meter saw the same calls.
    expect(meter.snapshot().byTable[tables.log].write).toBe(a + b);
  });

  it("times each call for the invocation's billed duration", async () => {
    const invocation = await runAsFunction("timed", async (inv) => {
      await client.send(new GetItemCommand({ TableName: tables.state, Key: { pk: S("none"), sk: S("none") } }));
      await Promise.all([1, 2].map((i) => client.send(new GetItemCommand({ TableName: tables.state, Key: { pk: S("none"), sk: S(`${i}`) } }))));
      return inv;
    });
    expect(invocation.calls).toBe(3);
    expect(invocation.modelledMs).toBe(3 * 4);
    expect(invocation.busyMs).toBeGreaterThan(0);
    expect(invocation.busyMs).toBeLessThanOrEqual(invocation.callMs + 1e-6);
  });
});
