import { QueryCommand } from "@aws-sdk/client-dynamodb";
import type { DynamoDBRecord, DynamoDBStreamEvent } from "aws-lambda";
import { beforeAll, describe, expect, it } from "vitest";
import { MemoryConnectionStore, MemoryGateway, MemoryLogStore, type Gateway, type LogBatch } from "@weft/core";
import { batchOf, smallEntries, uid } from "@weft/core/testing";
import { DynamoLogStore } from "../../src/adapters/dynamo/log-store.js";
import { broadcastRecords } from "../../src/handlers/broadcaster.js";
import { client, freshTables } from "../adapters/dynamo-harness.js";

/*
 * The broadcaster's stream handling on real log-table images (written by the DynamoDB log
 * adapter to DynamoDB Local and read back), with memory connections and gateway.
 */

let logTable: string;
let log: DynamoLogStore;
beforeAll(async () => {
  logTable = (await freshTables()).log;
  log = new DynamoLogStore({ client, table: logTable });
});

let sequence = 0;
/** Appends the batch and returns the stream record Lambda would deliver for it. */
async function recordOf(batch: LogBatch): Promise<DynamoDBRecord> {
  expect(await log.append(batch)).toBe("ok");
  const out = await client.send(new QueryCommand({
    TableName: logTable,
    ConsistentRead: true,
    KeyConditionExpression: "pk = :pk AND sk = :sk",
    ExpressionAttributeValues: { ":pk": { S: `${batch.doc.tenant}#${batch.doc.docId}` }, ":sk": { S: `b#${String(batch.seqStart).padStart(12, "0")}` } },
  }));
  return { eventName: "INSERT", dynamodb: { NewImage: out.Items![0] as never, SequenceNumber: String(++sequence).padStart(21, "0") } };
}

async function setup(gateway: Gateway = new MemoryGateway()) {
  const connections = new MemoryConnectionStore();
  const deps = { connections, gateway, log: new MemoryLogStore(), logSink: () => {} };
  const subscribe = async (tenant: string, docId: string) => {
    const id = uid("c");
    await connections.connect({ connectionId: id, tenant, userId: "u", connectedAt: Date.now() });
    // Subscribed once the document existed at seq 1 (its head then: `since` 1; seq 1 is the
    // catch-up's to send): only the ops after it matter here.
    await connections.subscribe(id, { tenant, docId }, 100, 1);
    return id;
  };
  return { deps, subscribe, gateway };
}

describe("broadcaster", () => {
  it("delivers each document's batches, in seq order, to its subscribers; skips what is not a new batch", async () => {
    const h = await setup();
    const gateway = h.gateway as MemoryGateway;
    const tenant = uid("t");
    const [a, b] = [{ tenant, docId: "a" }, { tenant, docId: "b" }];
    const [subA, subB] = [await h.subscribe(tenant, "a"), await h.subscribe(tenant, "b")];
    const records = [
      await recordOf(batchOf(a, smallEntries(2, 3))),
      await recordOf(batchOf(b, smallEntries(2, 2))),
      await recordOf(batchOf(a, smallEntries(5, 2))),
      { eventName: "MODIFY", dynamodb: { NewImage: {}, SequenceNumber: "x" } } as DynamoDBRecord,
      { eventName: "INSERT", dynamodb: { NewImage: { pk: { S: `${tenant}#a` }, sk: { S: "other" } } as never, SequenceNumber: "y" } } as DynamoDBRecord,
    ];
    const out = await broadcastRecords(h.deps, { Records: records } as DynamoDBStreamEvent);
    expect(out).toEqual({ batchItemFailures: [] });
    const ops = (id: string) => gateway.messages(id).map((m) => JSON.parse(m)).filter((m) => m.type === "ops");
    const seqs = (id: string) => ops(id).flatMap((m) => m.ops.map((e: { seq: number }) => e.seq));
    expect(seqs(subA)).toEqual([2, 3, 4, 5, 6]);
    // One document's batches of one invocation go out together: one message here.
    expect(gateway.messages(subA)).toHaveLength(1);
    expect(seqs(subB)).toEqual([2, 3]);
  });

  it("a document whose delivery fails is reported from its first record; the others are delivered", async () => {
    const memory = new MemoryGateway();
    let broken = "";
    const gateway: Gateway = {
      post: async (id, data) => (id === broken ? Promise.reject(new Error("throttled")) : memory.post(id, data)),
      close: (id) => memory.close(id),
    };
    const h = await setup(gateway);
    const tenant = uid("t");
    const [a, b] = [{ tenant, docId: "a" }, { tenant, docId: "b" }];
    broken = await h.subscribe(tenant, "a");
    const subB = await h.subscribe(tenant, "b");
    const first = await recordOf(batchOf(a, smallEntries(2, 1)));
    const records = [await recordOf(batchOf(b, smallEntries(2, 1))), first, await recordOf(batchOf(a, smallEntries(3, 1)))];
    const out = await broadcastRecords(h.deps, { Records: records } as DynamoDBStreamEvent);
    expect(out).toEqual({ batchItemFailures: [{ itemIdentifier: first.dynamodb!.SequenceNumber }] });
    expect(memory.messages(subB)).toHaveLength(1);
  });
});
