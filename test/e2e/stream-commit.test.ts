import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { dynamoClient } from "../../packages/functions/src/adapters/dynamo/client.js";
import { DynamoLogStore } from "../../packages/functions/src/adapters/dynamo/log-store.js";
import { startStack, type Stack } from "../../packages/local/src/stack.js";
import { token, waitFor } from "./http.js";
import { WsClient } from "./ws-client.js";

/**
 * The committed stream as the durable order, as far as it is built (docs/durable-order.md,
 * step 3; WEFT_LOG_WRITER=on), on a local stack of its own: a held document's runs are
 * committed by their put to the local Kinesis stream and answered then (the ack rule), the room
 * delivers them, and the log writer writes the log table from the stream, a few seconds of the
 * document per item instead of an item per run; the holder's readers continue the log with what
 * it committed lately. A holding's first run waits the quiet time (15 s) first: its head must
 * include every earlier writer's writes.
 */

let stack: Stack;
const tenant = "sc";
const open: WsClient[] = [];
beforeAll(async () => {
  stack = await startStack({ port: 0, data: "memory", quiet: true, env: { WEFT_LOG_WRITER: "on", WEFT_STRUCTURED_LOGS: "off" } });
}, 120_000);
afterAll(async () => {
  await Promise.all(open.map((c) => c.close()));
  await stack?.stop();
});

const call = async (method: string, path: string, tok: string, body?: unknown) => {
  const res = await fetch(stack.url + path, { method, headers: { authorization: `Bearer ${tok}`, ...(body ? { "content-type": "application/json" } : {}) }, body: body ? JSON.stringify(body) : undefined });
  return { status: res.status, body: (await res.json()) as any };
};

describe("stream commit (WEFT_LOG_WRITER=on)", () => {
  test("changes are committed by the stream, delivered, and written to the log from it in merged items", async () => {
    const docId = `sc-${Date.now().toString(36)}`;
    const doc = { tenant, docId };
    // Two sockets of one editor, subscribed before the document exists: every seq reaches them live.
    const a = await WsClient.open({ sub: "ann", tid: tenant, url: stack.roomsUrl });
    const b = await WsClient.open({ sub: "ann", tid: tenant, url: stack.roomsUrl });
    open.push(a, b);
    await a.subscribe(docId);
    await b.subscribe(docId);
    let ref = 0;
    const submit = async (c: WsClient, clientId: string, seq: number, text: string, timeoutMs = 15_000) => {
      const r = `sc${ref++}`;
      const ops = [{ id: `${clientId}-${seq}`, seq, type: "insert", pos: 0, text }];
      const from = c.received.length;
      c.send({ action: "submit", docId, ref: r, change: { clientId, base: 0, ops } });
      const answer = await c.waitFor(`the answer to ${r}`, (m) => (m.type === "submitted" || m.type === "error") && m.ref === r, { from, timeoutMs });
      expect(answer, JSON.stringify(answer)).toMatchObject({ type: "submitted", results: [{ id: ops[0].id, status: "accepted" }] });
    };
    // The holding's first run waits the quiet time (15 s) before it reads the head; the lease is
    // then renewed as changes keep coming (a lease that lapses starts a new holding: the same wait).
    const t0 = Date.now();
    await submit(a, "a", 1, "a", 30_000);
    expect(Date.now() - t0).toBeGreaterThan(14_000);
    await Promise.all([
      (async () => {
        for (let k = 2; k <= 11; k++) await submit(a, "a", k, `a${k}`);
      })(),
      (async () => {
        for (let k = 1; k <= 10; k++) await submit(b, "b", k, `b${k}`);
      })(),
    ]);
    // The owner entry and 21 ops, delivered to both sockets as committed.
    await a.waitForSeqs(docId, 22);
    await b.waitForSeqs(docId, 22);
    // A socket subscribing now, on the holder, catches up from the log continued by what the
    // holder committed lately (the log writer may not have written it yet).
    const log = new DynamoLogStore({ client: dynamoClient(stack.dynamoEndpoint), table: stack.tables.log });
    const c = await WsClient.open({ sub: "ann", tid: tenant, url: stack.roomsUrl });
    open.push(c);
    const logHeadThen = (await log.head(doc)).seq;
    expect(await c.subscribe(docId, 0)).toBe(22);
    await c.waitForSeqs(docId, 22);
    expect(c.seqs(docId)).toEqual(Array.from({ length: 22 }, (_, k) => k + 1));
    console.log(JSON.stringify({ kind: "stream_commit_catch_up", logHeadAtSubscribe: logHeadThen }));
    await waitFor("the log writer's items at seq 22", async () => ((await log.head(doc)).seq >= 22 ? true : undefined), 30_000);
    const entries = await log.entries(doc, 0, 100);
    expect(entries.map((e) => e.seq)).toEqual(Array.from({ length: 22 }, (_, k) => k + 1));
    expect(entries.filter((e) => e.type !== "acl").map((e) => e.id).sort()).toEqual(
      [...Array.from({ length: 11 }, (_, k) => `a-${k + 1}`), ...Array.from({ length: 10 }, (_, k) => `b-${k + 1}`)].sort(),
    );
    // Twenty-one changes in a few seconds: items merged from many runs, not one per run.
    const items = await log.batchesAfter(doc, 0);
    expect(items.length).toBeLessThan(10);
    expect(items.every((b) => b.deliveredLive)).toBe(true);
    // Read back over HTTP, and counted by the writer.
    const annTok = await token({ sub: "ann", tid: tenant });
    const ops = await call("GET", `/v1/docs/${docId}/ops?after=0&limit=100`, annTok);
    expect(ops.status).toBe(200);
    expect(ops.body.ops.map((e: { seq: number }) => e.seq)).toEqual(entries.map((e) => e.seq));
    const metrics = await call("GET", "/v1/admin/metrics", await token({ sub: "admin", tid: tenant, role: "admin" }));
    expect(metrics.body.logWriter.kept).toBeGreaterThanOrEqual(items.length);
    expect(metrics.body.logWriter.conflict).toBeUndefined();
  }, 120_000);
});
