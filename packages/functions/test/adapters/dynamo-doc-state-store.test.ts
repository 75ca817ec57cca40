import { QueryCommand } from "@aws-sdk/client-dynamodb";
import { beforeAll, describe, expect, it } from "vitest";
import { docKey, encodeState, materialize, type LogEntry } from "@weft/core";
import { newDoc, prose } from "@weft/core/testing";
import { CapacityAccumulator, itemSize } from "../../src/adapters/dynamo/capacity.js";
import type { TableNames } from "../../src/adapters/dynamo/create-tables.js";
import { DynamoDocStateStore, SNAPSHOT_PART_BYTES } from "../../src/adapters/dynamo/doc-state-store.js";
import { client, freshTables } from "./dynamo-harness.js";

let tables: TableNames;
beforeAll(async () => {
  tables = await freshTables();
});

/** A 2.1 MiB document of prose in 16,000-character inserts, formatted here and there. */
function bigDocEntries(): LogEntry[] {
  const out: LogEntry[] = [];
  let len = 0;
  for (let i = 0; len < 2.1 * 2 ** 20; i++) {
    const seq = out.length + 1;
    const env = { seq, id: `o${seq}`, clientId: "c", clientSeq: seq, userId: "u", serverTs: 1_760_000_000_000 + seq };
    const text = prose(16_000, i + 1);
    out.push({ ...env, type: "insert", pos: len, text });
    len += text.length;
    if (i % 10 === 0) out.push({ ...env, seq: seq + 1, id: `f${seq}`, clientSeq: seq + 1, type: "format", pos: len - 500, len: 200, attrs: { bold: true } });
  }
  return out;
}

describe("DynamoDocStateStore on the docs table", () => {
  it("a head write is one small item: 1 write unit", async () => {
    const meter = new CapacityAccumulator();
    const store = new DynamoDocStateStore({ client, table: tables.docs, meter });
    const doc = newDoc();
    await store.putHead(doc, { version: 123_456, snapshotVersion: 120_000, snapshotBytes: 4_400_000, logBytesSinceSnapshot: 912_345, updatedAt: 1_760_000_000_000, materializedAt: 1_760_000_000_050 });
    expect(meter.snapshot().total.write).toBe(1);
  });

  it("a 2 MiB document's snapshot is compressed into a few parts far below 400 KB and reads back byte-identical", async () => {
    const meter = new CapacityAccumulator();
    const store = new DynamoDocStateStore({ client, table: tables.docs, meter });
    const doc = newDoc();
    const state = materialize(bigDocEntries());
    const encoded = encodeState(state);
    expect(state.text.length).toBeGreaterThan(2 * 2 ** 20);
    await store.putSnapshot(doc, state.version, encoded);
    const written = meter.snapshot().total.write;

    const items = (
      await client.send(
        new QueryCommand({
          TableName: tables.docs,
          KeyConditionExpression: "pk = :pk AND begins_with(sk, :p)",
          ExpressionAttributeValues: { ":pk": { S: docKey(doc) }, ":p": { S: "p#" } },
        }),
      )
    ).Items!;
    const sizes = items.map(itemSize);
    expect(items.length).toBeGreaterThan(1);
    for (const s of sizes) expect(s).toBeLessThanOrEqual(SNAPSHOT_PART_BYTES + 100);
    const packed = sizes.reduce((a, b) => a + b, 0);
    // Text and its copy in spans compress together (16 MiB window): well under the text's size.
    expect(packed).toBeLessThan(state.text.length / 2);
    console.log(
      `2 MiB document snapshot: ${(Buffer.byteLength(encoded) / 2 ** 20).toFixed(2)} MiB encoded -> ${(packed / 1024).toFixed(0)} KB in ${items.length} parts; ${written} write units`,
    );

    meter.reset();
    const got = await store.snapshot(doc, state.version + 5);
    expect(got?.version).toBe(state.version);
    expect(got?.encoded === encoded).toBe(true);
    console.log(`reading it back: ${meter.snapshot().total.read} read units`);
  });
});
