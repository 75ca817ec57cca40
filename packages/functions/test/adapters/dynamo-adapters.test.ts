import { randomBytes } from "node:crypto";
import { GetItemCommand, QueryCommand } from "@aws-sdk/client-dynamodb";
import { beforeAll, describe, expect, it } from "vitest";
import { docKey } from "@weft/core";
import { batchOf, changeOf, newDoc, proseEntries, smallEntries } from "@weft/core/testing";
import { packJson } from "../../src/adapters/dynamo/codec.js";
import type { TableNames } from "../../src/adapters/dynamo/create-tables.js";
import { DynamoInboxStore, inboxRecordFromImage } from "../../src/adapters/dynamo/inbox-store.js";
import { DynamoLogStore } from "../../src/adapters/dynamo/log-store.js";
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
