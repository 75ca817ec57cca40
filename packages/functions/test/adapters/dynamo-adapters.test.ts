import { randomBytes } from "node:crypto";
import { GetItemCommand, PutItemCommand, QueryCommand } from "@aws-sdk/client-dynamodb";
import { beforeAll, describe, expect, it } from "vitest";
import { docKey } from "@weft/core";
import { batchOf, changeOf, newDoc, proseEntries, smallEntries } from "@weft/core/testing";
import { packJson } from "../../src/adapters/dynamo/codec.js";
import type { TableNames } from "../../src/adapters/dynamo/create-tables.js";
import { DynamoInboxStore, inboxRecordFromImage } from "../../src/adapters/dynamo/inbox-store.js";
import { DynamoLogStore, logBatchFromImage } from "../../src/adapters/dynamo/log-store.js";
import { itemSize } from "../../src/adapters/dynamo/capacity.js";
import { DynamoQuarantineStore } from "../../src/adapters/dynamo/quarantine-store.js";
import { client, freshTables } from "./dynamo-harness.js";

let tables: TableNames;
beforeAll(async () => {
  tables = await freshTables();
});

describe("DynamoLogStore specifics", () => {
  it("findOp answers from the ids kept on the batch item, across many batches", async () => {
    const log = new DynamoLogStore({ client, table: tables.log });
    const doc = newDoc();
    for (let b = 0; b < 30; b++) await log.append(batchOf(doc, smallEntries(b * 3 + 1, 3)));
    const first = (await log.entries(doc, 0, 1))[0];
    const last = (await log.entries(doc, 89, 1))[0];
    expect(await log.findOp(doc, first.id)).toEqual({ seq: 1 });
    expect(await log.findOp(doc, last.id)).toEqual({ seq: 90 });
    expect(await log.findOp(doc, "missing")).toBeUndefined();
  });

  it("stores a 256 KB batch of incompressible text within the 400 KB item limit", async () => {
    const log = new DynamoLogStore({ client, table: tables.log });
    const doc = newDoc();
    const entries = proseEntries(1, 250, 1, 1).map((e) => ({ ...e, text: randomBytes(768).toString("base64") }));
    expect(Buffer.byteLength(JSON.stringify(entries))).toBeGreaterThan(256_000);
    expect(packJson(entries).byteLength).toBeLessThan(400_000);
    expect(await log.append(batchOf(doc, entries))).toBe("ok");
    expect(await log.entries(doc, 0, 1000)).toEqual(entries);
  });

  it("keeps the clients' progress inside the compressed entries, and reads items from before that layout", async () => {
    const log = new DynamoLogStore({ client, table: tables.log });
    const doc = newDoc();
    const clients = [{ clientId: "c-1", next: 4, skipped: [[2, 2]] as Array<[number, number]> }];
    // A batch as written before: the entries alone in the blob, the clients as JSON beside it.
    const old = { ...batchOf(doc, smallEntries(1, 3)), clients };
    const oldItem = {
      pk: { S: docKey(doc) },
      sk: { S: "b#000000000001" },
      seqEnd: { N: "3" },
      lenAfter: { N: String(old.lenAfter) },
      committedAt: { N: String(old.committedAt) },
      clients: { S: JSON.stringify(clients) },
      ids: { S: `,${old.entries.map((e) => e.id).join(",")},` },
      entries: { B: packJson(old.entries) },
    };
    await client.send(new PutItemCommand({ TableName: tables.log, Item: oldItem }));
    const next = { ...batchOf(doc, smallEntries(4, 2)), clients: [{ clientId: "c-1", next: 6 }] };
    expect(await log.append(next)).toBe("ok");
    expect(await log.batchesAfter(doc, 0)).toEqual([old, next]);
    expect(await log.tail(doc)).toEqual(next);
    expect(await log.findOp(doc, old.entries[1].id)).toEqual({ seq: 2 });
    const newItem = (await client.send(new GetItemCommand({ TableName: tables.log, Key: { pk: { S: docKey(doc) }, sk: { S: "b#000000000004" } } }))).Item!;
    expect(newItem.clients).toBeUndefined();
    // Stream images decode either way (the materializer and broadcaster read them).
    expect(logBatchFromImage(oldItem)).toEqual(old);
    expect(logBatchFromImage(newItem)).toEqual(next);
    // The same batch in the two layouts: the new one is smaller.
    const asOld = { ...newItem, clients: { S: JSON.stringify(next.clients) }, entries: { B: packJson(next.entries) } };
    expect(itemSize(newItem)).toBeLessThan(itemSize(asOld));
  });

  it("refuses a batch whose entries are not exactly seqStart..seqEnd", async () => {
    const log = new DynamoLogStore({ client, table: tables.log });
    const batch = batchOf(newDoc(), smallEntries(1, 3));
    await expect(log.append({ ...batch, seqEnd: 4 })).rejects.toThrow(/seqs/);
    await expect(log.append({ ...batch, entries: [batch.entries[1], batch.entries[0], batch.entries[2]] })).rejects.toThrow(/seqs/);
  });
});

describe("inboxRecordFromImage", () => {
  async function rawItem(pk: string, sk: string) {
    const out = await client.send(new GetItemCommand({ TableName: tables.inbox, Key: { pk: { S: pk }, sk: { S: sk } } }));
    return out.Item!;
  }

  it("decodes a change image, with Binary as bytes (SDK) or base64 (Lambda event JSON)", async () => {
    const inbox = new DynamoInboxStore({ client, table: tables.inbox });
    const change = changeOf(newDoc(), { clientId: "c-9", firstSeq: 4 });
    await inbox.put(change);
    const item = await rawItem(docKey(change.doc), "c#c-9#000000000004");
    expect(inboxRecordFromImage(item)).toEqual({ kind: "change", change });
    const lambdaForm = { ...item, ops: { B: Buffer.from(item.ops.B!).toString("base64") } };
    expect(inboxRecordFromImage(lambdaForm)).toEqual({ kind: "change", change });
  });

  it("every wake-up is a new item (a stream INSERT), decoding to its doc and dueAt", async () => {
    const inbox = new DynamoInboxStore({ client, table: tables.inbox });
    const doc = newDoc();
    await inbox.wake(doc, 1_760_000_000_123);
    await inbox.wake(doc, 1_760_000_000_123);
    const { Items = [] } = await client.send(
      new QueryCommand({
        TableName: tables.inbox,
        KeyConditionExpression: "pk = :pk AND begins_with(sk, :w)",
        ExpressionAttributeValues: { ":pk": { S: docKey(doc) }, ":w": { S: "w#0001760000000123#" } },
      }),
    );
    expect(Items).toHaveLength(2);
    for (const item of Items) {
      expect(inboxRecordFromImage(item)).toEqual({ kind: "wake", wake: { doc, dueAt: 1_760_000_000_123 } });
      expect(item.expiresAt.N).toBe(String(1_760_000_000 + 7 * 86_400));
    }
  });

  it("rejects an image that is neither a change nor a wake-up", () => {
    expect(() => inboxRecordFromImage({ kind: { S: "other" } })).toThrow();
    expect(() => inboxRecordFromImage({})).toThrow();
  });

  it("change items expire 7 days after acceptance", async () => {
    const inbox = new DynamoInboxStore({ client, table: tables.inbox });
    const change = changeOf(newDoc(), { acceptedAt: 1_760_000_000_999 });
    await inbox.put(change);
    const item = await rawItem(docKey(change.doc), "c#client-1#000000000001");
    expect(item.expiresAt.N).toBe(String(1_760_000_000 + 7 * 86_400));
  });
});

describe("DynamoQuarantineStore specifics", () => {
  it("refuses a cursor it did not issue", async () => {
    const store = new DynamoQuarantineStore({ client, table: tables.quarantine });
    await expect(store.list("t1", 10, "not-a-cursor")).rejects.toMatchObject({ code: "invalid_request" });
  });
});
