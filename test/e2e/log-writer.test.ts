import { afterAll, describe, expect, inject, test } from "vitest";
import { dynamoClient } from "../../packages/functions/src/adapters/dynamo/client.js";
import { DynamoLogStore } from "../../packages/functions/src/adapters/dynamo/log-store.js";
import { call, freshDoc, token, waitFor } from "./http.js";
import { roomsUrl, WsClient } from "./ws-client.js";

/**
 * The log writer's shadow (docs/durable-order.md, step 2) through the real local stack: what
 * the room tier commits, from sockets and from ops posted over HTTP (handed to the holder),
 * reaches the streamLog table through the local Kinesis stream and the log writer, a few
 * seconds of the document per item, and reads exactly as the log the task wrote run by run.
 */

const tenant = `lw${Date.now().toString(36)}`;
const open: WsClient[] = [];
afterAll(async () => {
  await Promise.all(open.map((c) => c.close()));
});
const room = async (sub: string) => {
  const c = await WsClient.open({ sub, tid: tenant, url: roomsUrl() });
  open.push(c);
  return c;
};

describe("log writer (shadow)", () => {
  test("the stream-written log reads as the log: same entries, fewer items, no conflict", async () => {
    const docId = freshDoc("log-writer");
    const doc = { tenant, docId };
    const client = dynamoClient(inject("stackDynamoEndpoint"));
    const tables = inject("stackTables");
    const log = new DynamoLogStore({ client, table: tables.log });
    const streamLog = new DynamoLogStore({ client, table: tables.streamLog });
    const bobTok = await token({ sub: "bob", tid: tenant });
    const ann = await room("ann");
    const bob = await room("bob");
    let ref = 0;
    const submit = async (c: WsClient, clientId: string, seq: number, base: number, text: string, extra: unknown[] = []) => {
      const r = `lw${ref++}`;
      const ops = [{ id: `${clientId}-${seq}`, seq, type: "insert", pos: 0, text }, ...extra];
      const answer = await c.request({ action: "submit", docId, ref: r, change: { clientId, base, ops } }, (m) => (m.type === "submitted" || m.type === "error") && m.ref === r, `the answer to ${r}`);
      expect(answer.type, JSON.stringify(answer)).toBe("submitted");
    };
    await submit(ann, "ann-c", 1, 0, "a", [{ id: "ann-c-2", seq: 2, type: "acl", userId: "bob", role: "editor" }]);
    // Twenty changes of two editors, concurrent (each on the head it last saw), and one over HTTP.
    await Promise.all([
      (async () => {
        for (let k = 3; k < 23; k += 2) await submit(ann, "ann-c", k, 0, `a${k}`, [{ id: `ann-c-${k + 1}`, seq: k + 1, type: "insert", pos: 0, text: "." }]);
      })(),
      (async () => {
        for (let k = 1; k <= 10; k++) await submit(bob, "bob-c", k, 0, `b${k}`);
      })(),
    ]);
    const posted = await call("POST", `/v1/docs/${docId}/ops`, { token: bobTok, body: { clientId: "bob-http", base: 0, ops: [{ id: "bob-http-1", seq: 1, type: "insert", pos: 0, text: "h" }] } });
    expect(posted.status, posted.text).toBe(202);
    const head = await waitFor("the posted op committed", async () => {
      const h = await log.head(doc);
      return h.seq >= 34 ? h.seq : undefined;
    });
    const written = await waitFor("the stream-written log at the log's head", async () => {
      const tail = await streamLog.tail(doc);
      return tail && tail.seqEnd >= head ? tail : undefined;
    }, 30_000);
    expect(written.seqEnd).toBe(head);
    const [fromLog, fromStream] = [await log.entries(doc, 0, 1000), await streamLog.entries(doc, 0, 1000)];
    expect(fromStream.map((e) => e.seq)).toEqual(Array.from({ length: head }, (_, k) => k + 1));
    expect(fromStream).toEqual(fromLog);
    // Batches merged a few seconds of the document at a time: never more items than the log's.
    const [logBatches, streamBatches] = [await log.batchesAfter(doc, 0), await streamLog.batchesAfter(doc, 0)];
    expect(streamBatches.length).toBeLessThanOrEqual(logBatches.length);
    expect(streamBatches.at(-1)!.clients).toEqual(expect.arrayContaining(logBatches.at(-1)!.clients));
    const metrics = await call("GET", "/v1/admin/metrics", { token: await token({ sub: "admin", tid: tenant, role: "admin" }) });
    expect(metrics.status).toBe(200);
    expect(metrics.body.logWriter.kept).toBeGreaterThanOrEqual(streamBatches.length);
    expect(metrics.body.logWriter.conflict).toBeUndefined();
    expect(metrics.body.logWriter.late).toBeUndefined();
  });
});
