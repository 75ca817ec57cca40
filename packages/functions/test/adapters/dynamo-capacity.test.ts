import { GetItemCommand } from "@aws-sdk/client-dynamodb";
import { beforeAll, describe, expect, it } from "vitest";
import { docKey } from "@weft/core";
import { batchOf, newDoc, proseEntries } from "@weft/core/testing";
import { CapacityAccumulator, failedWriteUnits, itemSize } from "../../src/adapters/dynamo/capacity.js";
import { packJson } from "../../src/adapters/dynamo/codec.js";
import type { TableNames } from "../../src/adapters/dynamo/create-tables.js";
import { DynamoInboxStore } from "../../src/adapters/dynamo/inbox-store.js";
import { DynamoLogStore } from "../../src/adapters/dynamo/log-store.js";
import { client, freshTables } from "./dynamo-harness.js";

let tables: TableNames;
beforeAll(async () => {
  tables = await freshTables();
});

describe("DynamoDB write cost", () => {
  it("one batch of 100 entries of ~1 KiB English prose costs well under 100 WCU", async () => {
    const meter = new CapacityAccumulator();
    const log = new DynamoLogStore({ client, table: tables.log, meter });
    const entries = proseEntries(1, 100, 1024, 42);
    const json = Buffer.byteLength(JSON.stringify(entries));
    const packed = packJson(entries).byteLength;
    const doc = newDoc();
    expect(await log.append(batchOf(doc, entries))).toBe("ok");
    const { write } = meter.snapshot().byTable[tables.log];
    const units = async (sk: string) => {
      const { Item } = await client.send(new GetItemCommand({ TableName: tables.log, Key: { pk: { S: docKey(doc) }, sk: { S: sk } } }));
      return Math.ceil(itemSize(Item!) / 1024);
    };
    console.log(
      `append of 100 x 1 KiB prose entries: ${write} WCU ` +
        `(one batch item of ${await units("b#000000000001")} KB); ` +
        `entries JSON ${json} B -> ${packed} B brotli (ratio ${(json / packed).toFixed(2)})`,
    );
    expect(write).toBeLessThan(50);
    expect(json / packed).toBeGreaterThan(2.5);
  });

  it("a conflicting append is metered at the size of the batch that blocked it", async () => {
    const meter = new CapacityAccumulator();
    const log = new DynamoLogStore({ client, table: tables.log, meter });
    const doc = newDoc();
    await log.append(batchOf(doc, proseEntries(1, 20, 1024, 7)));
    meter.reset();
    expect(await log.append(batchOf(doc, proseEntries(1, 1, 10, 8)))).toBe("conflict");
    const { write } = meter.snapshot().byTable[tables.log];
    expect(write).toBeGreaterThan(1);
    expect(write).toBeLessThan(20);
  });

  it("a duplicate inbox put is metered as a failed write and needs no read", async () => {
    const meter = new CapacityAccumulator();
    const inbox = new DynamoInboxStore({ client, table: tables.inbox, meter });
    const doc = newDoc();
    const change = {
      doc,
      clientId: "c1",
      userId: "u1",
      base: 0,
      firstSeq: 1,
      lastSeq: 1,
      ops: [{ id: "op1", seq: 1, type: "insert" as const, pos: 0, text: "hi" }],
      acceptedAt: 1_760_000_000_000,
      skewed: 0,
    };
    await inbox.put(change);
    meter.reset();
    expect(await inbox.put(change)).toEqual({ created: false, existing: change });
    expect(meter.snapshot().byTable[tables.inbox]).toEqual({ read: 0, write: 1 });
  });
});

describe("CapacityAccumulator", () => {
  it("sums per table and kind, totals, and resets", () => {
    const meter = new CapacityAccumulator();
    meter.add("a", "write", 2);
    meter.add("a", "write", 1.5);
    meter.add("b", "read", 0.5);
    expect(meter.snapshot()).toEqual({
      total: { read: 0.5, write: 3.5 },
      byTable: { a: { read: 0, write: 3.5 }, b: { read: 0.5, write: 0 } },
    });
    meter.reset();
    expect(meter.snapshot()).toEqual({ total: { read: 0, write: 0 }, byTable: {} });
  });

  it("estimates failed writes from the blocking item's size, at least 1 unit", () => {
    expect(itemSize({ pk: { S: "ab" }, n: { N: "12345" }, b: { B: new Uint8Array(10) } })).toBe(2 + 2 + 1 + 4 + 1 + 10);
    expect(failedWriteUnits(undefined)).toBe(1);
    expect(failedWriteUnits({ pk: { S: "x" } })).toBe(1);
    expect(failedWriteUnits({ pk: { S: "x".repeat(3000) } })).toBe(3);
  });
});
