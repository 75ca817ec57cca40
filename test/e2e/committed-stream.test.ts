import { KinesisClient, PutRecordCommand } from "@aws-sdk/client-kinesis";
import { afterAll, describe, expect, inject, test } from "vitest";
import { localStreamName } from "../../packages/local/src/kinesis-streams.js";
import { call, freshDoc, token, waitFor } from "./http.js";
import { roomsUrl, WsClient } from "./ws-client.js";

/**
 * The committed stream (docs/rooms.md): what the room tier commits reaches the materializer
 * through the local Kinesis stream (the log stream's materializer mapping filters the room's
 * batches out), and from there search and notifications; a batch that never reached the stream
 * (the stack runs with WEFT_FAULT_SKIP_COMMITTED=stream-lost-: the first K batches of a
 * document named `stream-lost-<K>-...` are left off it, as by a task that stopped between its
 * log write and its put) is filled from the log when the document's next batch comes, or
 * republished by the room tier when someone opens the document (WEFT_MATERIALIZED_CHECK_MS=1000
 * here). Such a batch is in the document's state at once (reads go through the log); what the
 * stream carries it to is the consumers: the notification its acl op causes is the witness.
 */

const open: WsClient[] = [];
afterAll(async () => {
  await Promise.all(open.map((c) => c.close()));
});
const room = async (sub: string) => {
  const c = await WsClient.open({ sub, tid: "acme", url: roomsUrl() });
  open.push(c);
  return c;
};
let refs = 0;
async function submit(c: WsClient, docId: string, clientId: string, seq: number, base: number, text: string, more: Array<Record<string, unknown>> = []) {
  const ref = `cs${refs++}`;
  const ops = [{ id: `${clientId}-${seq}`, seq, type: "insert", pos: 0, text }, ...more.map((op, k) => ({ id: `${clientId}-${seq + 1 + k}`, seq: seq + 1 + k, ...op }))];
  const answer = await c.request({ action: "submit", docId, ref, change: { clientId, base, ops } }, (m) => (m.type === "submitted" || m.type === "error") && m.ref === ref, `the answer to ${ref}`);
  expect(answer.results, JSON.stringify(answer)).toEqual(ops.map((op) => ({ id: op.id, status: "accepted" })));
}
/** Bob's access notices about `docId` (what a published acl op granting him a role gives him). */
async function bobsItems(docId: string): Promise<any[]> {
  const r = await call("GET", "/v1/me/notifications", { token: await token({ sub: "bob" }) });
  expect(r.status).toBe(200);
  return r.body.items.filter((i: any) => i.docId === docId && /gave you/.test(i.title));
}
const grantBob = [{ type: "acl", role: "editor", userId: "bob" }];
async function state(docId: string, tok: string): Promise<{ status: number; body: any }> {
  return call("GET", `/v1/docs/${docId}`, { token: tok });
}

describe("committed stream", () => {
  test("a room's batches are materialized through the stream, and indexed for search", async () => {
    const docId = freshDoc("room-stream");
    const word = `kestrel${Date.now().toString(36)}`;
    const ann = await room("ann");
    const tok = await token({ sub: "ann" });
    await submit(ann, docId, "s1", 1, 0, `${word} `);
    await submit(ann, docId, "s1", 2, 0, "the ");
    const materialized = await waitFor("the materialized state at version 3", async () => {
      const r = await state(docId, tok);
      return r.status === 200 && r.body.version === 3 ? r.body : undefined;
    });
    expect(materialized.text).toBe(`the ${word} `);
    const hit = await waitFor("the search hit", async () => {
      const r = await call("GET", `/v1/search?q=${word}`, { token: tok });
      return r.status === 200 && r.body.results?.some((x: any) => x.docId === docId) ? r.body : undefined;
    }, 30_000);
    expect(hit.results.find((x: any) => x.docId === docId)).toBeDefined();
  });

  test("a batch that never reached the stream is read at once, and filled for the consumers at the document's next batch", async () => {
    const docId = freshDoc("stream-lost-1");
    const ann = await room("ann");
    const tok = await token({ sub: "ann" });
    await submit(ann, docId, "l1", 1, 0, "one ", grantBob);
    // Its only batch is not on the stream, so no consumer has it; the state has it (read through the log).
    const now = await state(docId, tok);
    expect(now.status).toBe(200);
    expect(now.body).toMatchObject({ version: 3, text: "one " });
    await new Promise((r) => setTimeout(r, 1500));
    expect(await bobsItems(docId)).toEqual([]);
    await submit(ann, docId, "l1", 3, 3, "two ");
    const told = await waitFor("bob's access notice, from the batch filled from the log", async () => {
      const items = await bobsItems(docId);
      return items.length > 0 ? items : undefined;
    });
    expect(told[0].title).toMatch(/gave you editor access/);
    expect((await state(docId, tok)).body).toMatchObject({ version: 4, text: "two one " });
  });

  test("a record that cannot be decoded is quarantined and does not hold up the records after it", async () => {
    const kinesis = new KinesisClient({ endpoint: inject("kinesisEndpoint"), region: "us-east-1", credentials: { accessKeyId: "t", secretAccessKey: "t" } });
    const marker = `not-a-committed-record-${Date.now().toString(36)}`;
    try {
      const put = await kinesis.send(new PutRecordCommand({ StreamName: localStreamName("committed"), PartitionKey: "e2e", Data: Buffer.from(marker) }));
      const docId = freshDoc("room-after-bad");
      const ann = await room("ann");
      const tok = await token({ sub: "ann" });
      await submit(ann, docId, "b1", 1, 0, "fine");
      await waitFor("the materialized state after the bad record", async () => {
        const r = await state(docId, tok);
        return r.status === 200 && r.body.version === 2 ? r.body : undefined;
      });
      // A record names no tenant: it is kept under `_unknown`, with what it held.
      const admin = await token({ sub: "ops", tid: "_unknown", role: "admin" });
      const q = await waitFor("the quarantined record", async () => {
        const r = await call("GET", "/v1/admin/quarantine", { token: admin });
        return r.body?.records?.find((x: any) => String(x.message).includes(put.SequenceNumber!));
      });
      expect(q).toMatchObject({ source: "stream", reason: "invalid_record", payload: Buffer.from(marker).toString("base64") });
      expect(q.message).toMatch(/^materializer: stream record could not be decoded: committed record is not gzip JSON/);
    } finally {
      kinesis.destroy();
    }
  });

  test("a document whose last batch never reached the stream is republished when someone opens it", async () => {
    const docId = freshDoc("stream-lost-1");
    const ann = await room("ann");
    await submit(ann, docId, "o1", 1, 0, "only ", grantBob);
    await new Promise((r) => setTimeout(r, 1500));
    expect(await bobsItems(docId)).toEqual([]);
    // No further edit: opening the document is what repairs it (1 s after the subscription, here).
    const reader = await room("ann");
    await reader.subscribe(docId, 0);
    const told = await waitFor("bob's access notice, from the republished batch", async () => {
      const items = await bobsItems(docId);
      return items.length > 0 ? items : undefined;
    });
    expect(told[0].title).toMatch(/gave you editor access/);
  });
});
