import { DeleteItemCommand, QueryCommand } from "@aws-sdk/client-dynamodb";
import { describe, expect, it } from "vitest";
import { COMPACT_AFTER_MS, LOG_HOT_RETENTION_MS, docKey } from "@weft/core";
import { dynamoClient } from "../../packages/functions/src/adapters/dynamo/client.js";
import { DynamoTimerStore } from "../../packages/functions/src/adapters/dynamo/timer-store.js";
import { LOG_COMPACTION_TIMERS } from "../../packages/functions/src/adapters/dynamo/log-store.js";
import { s3Client } from "../../packages/functions/src/adapters/s3/client.js";
import { S3ObjectStore } from "../../packages/functions/src/adapters/s3/object-store.js";
import { fakeClockStackForFile, until } from "./fake-clock-stack.js";

/**
 * The log's hot retention and its compactor through the real local stack on a test clock:
 * POST ops -> the sequencer appends batch items with a 14-day TTL and adds a compaction timer a
 * day out -> a day later the scheduled log compactor writes segments (their bodies in the
 * segments bucket on the local S3 endpoint, the items naming them) -> with every compacted
 * batch item gone (as DynamoDB's TTL deletes them), the document, its ops, receipts and the
 * next append read exactly as before.
 */

const HOUR = 3_600_000;
const START = Date.parse("2025-02-03T10:17:00Z");
const file = fakeClockStackForFile(START);

describe("log compaction", () => {
  it("compacts a document a day after its edits, and reads it whole once its batch items expired", async () => {
    const { s } = file;
    const dynamo = dynamoClient(s.stack.dynamoEndpoint);
    const log = s.stack.tables.log;
    const doc = { tenant: s.tenant, docId: "compacted-doc" };
    const items = async (prefix: string) =>
      (
        await dynamo.send(
          new QueryCommand({ TableName: log, KeyConditionExpression: "pk = :pk AND begins_with(sk, :p)", ExpressionAttributeValues: { ":pk": { S: docKey(doc) }, ":p": { S: prefix } }, ConsistentRead: true }),
        )
      ).Items ?? [];
    const timers = new DynamoTimerStore({ client: dynamo, table: s.stack.tables.state, ...LOG_COMPACTION_TIMERS });
    const ann = await s.userToken("ann");
    const post = async (clientId: string, base: number, ops: unknown[]) => {
      const r = await s.call("POST", `/v1/docs/${doc.docId}/ops`, { token: ann, body: { clientId, base, ops } });
      expect(r.status, r.text).toBe(202);
    };
    const readAll = async () => {
      const r = await s.call("GET", `/v1/docs/${doc.docId}/ops?after=0&limit=1000`, { token: ann });
      expect(r.status, r.text).toBe(200);
      // Without the owner's ACL entry the document's first change brings (seq 1).
      return (r.body.ops as Array<{ id: string; seq: number; type: string }>).filter((e) => e.type !== "acl");
    };
    const text = async () => {
      const r = await s.call("GET", `/v1/docs/${doc.docId}`, { token: ann });
      expect(r.status, r.text).toBe(200);
      return r.body.text as string;
    };

    // Five changes, one batch each.
    const words = ["alpha ", "beta ", "gamma ", "delta ", "epsilon "];
    let pos = 0;
    for (const [k, w] of words.entries()) {
      await post("c1", k === 0 ? 0 : k + 1, [{ id: `c1-${k + 1}`, seq: k + 1, type: "insert", pos, text: w }]);
      pos += w.length;
      await until(`op ${k + 1} committed`, async () => ((await readAll()).length === k + 1 ? true : undefined));
    }
    const whole = words.join("");
    expect(await text()).toBe(whole);
    const batches = await items("b#");
    expect(batches).toHaveLength(5);
    const expires = Number(batches[0].expiresAt?.N);
    expect(expires * 1000 - START).toBeGreaterThanOrEqual(LOG_HOT_RETENTION_MS);
    expect(expires * 1000 - START).toBeLessThan(LOG_HOT_RETENTION_MS + 60_000);
    // One timer for the five appends, a day later rounded up to the hour.
    const due = await timers.due(Number.MAX_SAFE_INTEGER, 10);
    expect(due.filter((t) => t.doc.docId === doc.docId).map((t) => t.dueAt)).toEqual([Math.ceil((START + COMPACT_AFTER_MS) / HOUR) * HOUR]);
    expect(await items("s#")).toEqual([]);

    // A day later the compactor has run: one segment, the timer gone, the tail kept.
    await s.advance(COMPACT_AFTER_MS + HOUR);
    const [segment] = await until("the segment", async () => {
      const found = await items("s#");
      return found.length > 0 ? found : undefined;
    });
    expect(segment.seqEnd?.N).toBe("6");
    // Its body is an object in the segments bucket; the item only names it.
    expect(segment.b).toBeUndefined();
    const s3 = s3Client(s.stack.s3.endpoint);
    const bucket = new S3ObjectStore({ client: s3, bucket: s.stack.buckets.segments });
    expect((await bucket.get(segment.o!.S!))?.byteLength).toBeGreaterThan(0);
    await until("the timer removed", async () => ((await timers.due(Number.MAX_SAFE_INTEGER, 10)).some((t) => t.doc.docId === doc.docId) ? undefined : true));
    const afterCompaction = await until("the tail's TTL removed", async () => {
      const found = await items("b#");
      return found.at(-1)?.expiresAt === undefined ? found : undefined;
    });

    // DynamoDB's TTL deletes the compacted items (the tail never expires): reads are unchanged.
    for (const item of afterCompaction.slice(0, -1)) await dynamo.send(new DeleteItemCommand({ TableName: log, Key: { pk: item.pk, sk: item.sk } }));
    expect(await items("b#")).toHaveLength(1);
    expect((await readAll()).map((e) => e.id)).toEqual(words.map((_, k) => `c1-${k + 1}`));
    const receipt = await s.call("GET", `/v1/docs/${doc.docId}/ops/c1-2`, { token: ann });
    expect(receipt.status, receipt.text).toBe(200);
    expect(receipt.body.seq).toBe(3);
    const old = await s.call("GET", `/v1/docs/${doc.docId}?version=3`, { token: ann });
    expect(old.status, old.text).toBe(200);
    expect(old.body.text).toBe("alpha beta ");

    // The next append follows the log's end, and is compacted a day later in its own segment.
    await post("c2", 6, [{ id: "c2-1", seq: 1, type: "insert", pos, text: "zeta" }]);
    await until("op 6 committed", async () => ((await readAll()).length === 6 ? true : undefined));
    expect(await text()).toBe(whole + "zeta");
    await s.advance(COMPACT_AFTER_MS + HOUR);
    const segments = await until("the second segment", async () => {
      const found = await items("s#");
      return found.length === 2 ? found : undefined;
    });
    expect(segments.map((i) => i.seqEnd?.N)).toEqual(["6", "7"]);
    const objects: string[] = [];
    for await (const o of bucket.list(`segments/${docKey(doc)}/`)) objects.push(o.key);
    expect(objects).toEqual(segments.map((i) => i.o!.S!));
    // The first tail is in a segment now: it has its TTL back; the new tail has none (the
    // compactor's last two writes, after the segment: waited for).
    const tails = await until("the tails' TTLs", async () => {
      const found = (await items("b#")).map((i) => [i.sk?.S, i.expiresAt === undefined]);
      return found[0]?.[1] === false ? found : undefined;
    });
    expect(tails).toEqual([
      ["b#000000000006", false],
      ["b#000000000007", true],
    ]);
    dynamo.destroy();
    s3.destroy();
  });
});
