import { GetItemCommand, PutItemCommand, QueryCommand } from "@aws-sdk/client-dynamodb";
import { beforeAll, describe, expect, it } from "vitest";
import { aclKey, docKey, type DocAcl } from "@weft/core";
import { batchOf, newDoc, smallEntries } from "@weft/core/testing";
import type { TableNames } from "../../src/adapters/dynamo/create-tables.js";
import { LOG_CHECKPOINT_SK, DynamoLogStore } from "../../src/adapters/dynamo/log-store.js";
import { DynamoSequencerStateStore } from "../../src/adapters/dynamo/sequencer-state-store.js";
import { CapacityAccumulator } from "../../src/adapters/dynamo/capacity.js";
import { client, freshTables } from "./dynamo-harness.js";

// The sequencer's checkpoint item in the log table (docs/cost.md, cut 27): where it sorts, what a
// run's first read costs, and the checkpoints a stage saved in the state table before it moved.
let tables: TableNames;
beforeAll(async () => {
  tables = await freshTables();
});

const ACL: DocAcl = { users: { alice: "owner", bob: "editor" }, groups: {}, everyone: "none" };
const store = (meter?: CapacityAccumulator) => new DynamoSequencerStateStore({ client, table: tables.state, checkpointTable: tables.log, meter });

describe("the sequencer's checkpoint item in the log table", () => {
  it("sorts right after the batch items: no batch read of the log returns it, and the head costs one read unit", async () => {
    const doc = newDoc();
    const log = new DynamoLogStore({ client, table: tables.log });
    const batches = [batchOf(doc, smallEntries(1, 3), 3), batchOf(doc, smallEntries(4, 2), 5)];
    for (const b of batches) await log.append(b);
    await store().save(doc, [{ clientId: "c", next: 3, held: [], skipped: [] }], 5, [], ACL);
    const keys = await client.send(
      new QueryCommand({ TableName: tables.log, KeyConditionExpression: "pk = :pk", ExpressionAttributeValues: { ":pk": { S: docKey(doc) } } }),
    );
    expect(keys.Items!.map((i) => i.sk.S)).toEqual(["b#000000000001", "b#000000000004", LOG_CHECKPOINT_SK]);
    expect(await log.tail(doc)).toEqual(batches[1]);
    expect(await log.batchesAfter(doc, 0)).toEqual(batches);
    expect(await log.entries(doc, 0, 100)).toHaveLength(5);
    const meter = new CapacityAccumulator();
    const head = await store(meter).head(doc);
    expect(head).toEqual({ checkpoint: 5, holding: [], acl: ACL, saves: 1, tail: batches[1] });
    expect(meter.snapshot().byTable[tables.log]?.read).toBe(1);
  });

  it("reads a checkpoint saved in the state table before it moved, until the document's next save", async () => {
    const doc = newDoc();
    const log = new DynamoLogStore({ client, table: tables.log });
    await log.append(batchOf(doc, smallEntries(1, 4), 4));
    // What a stage deployed before cut 27 stored.
    await client.send(
      new PutItemCommand({
        TableName: tables.state,
        Item: { pk: { S: docKey(doc) }, sk: { S: "ckpt" }, asOf: { N: "3" }, holding: { S: JSON.stringify(["h"]) }, acl: { S: aclKey(ACL) } },
      }),
    );
    const held = { clientId: "h", next: 2, held: [{ firstSeq: 4, lastSeq: 4, heldAt: 7 }], skipped: [] };
    await client.send(
      new PutItemCommand({
        TableName: tables.state,
        Item: { pk: { S: docKey(doc) }, sk: { S: "c#h" }, next: { N: "2" }, held: { S: JSON.stringify(held.held) }, skipped: { S: "[]" } },
      }),
    );
    const s = store();
    expect(await s.head(doc)).toMatchObject({ checkpoint: 3, holding: ["h"], acl: ACL, saves: 0 });
    expect(await s.access(doc)).toEqual({ checkpoint: 3, acl: ACL });
    expect(await s.accessMany([doc, newDoc()])).toEqual([{ checkpoint: 3, acl: ACL }, { checkpoint: 0 }]);
    const loaded = await s.load(doc, []);
    expect(loaded).toMatchObject({ checkpoint: 3, holding: ["h"], saves: 0 });
    expect(loaded.clients.get("h")).toEqual(held);
    // The next save writes the checkpoint in the log table, which is read from then on.
    await s.save(doc, [], 4, [], ACL);
    expect(await s.head(doc)).toMatchObject({ checkpoint: 4, holding: [], acl: ACL, saves: 1 });
    expect(await s.access(doc)).toEqual({ checkpoint: 4, acl: ACL });
    const moved = await client.send(new GetItemCommand({ TableName: tables.log, Key: { pk: { S: docKey(doc) }, sk: { S: LOG_CHECKPOINT_SK } } }));
    expect(moved.Item?.asOf?.N).toBe("4");
  });

  it("a new document reads nothing more than the one Query", async () => {
    const meter = new CapacityAccumulator();
    expect(await store(meter).head(newDoc())).toEqual({ checkpoint: 0, holding: [], saves: 0, tail: undefined });
    expect(meter.snapshot().byTable[tables.state]?.read ?? 0).toBe(0);
  });
});
