import { afterAll, describe, expect, test } from "vitest";
import WebSocket from "ws";
import { call, freshDoc, token, waitFor } from "./http.js";
import { roomsUrl, WsClient } from "./ws-client.js";

/**
 * The room tier (docs/rooms.md) through the real local stack: changes submitted over a room
 * socket, sequenced by the task's group commit into the same log, delivered from the task to
 * its own sockets and, through the connections table and the gateways, to API Gateway
 * connections; ops posted over HTTP reach room sockets through the log stream's broadcaster and
 * the task's private `@connections` API; notifications reach room sockets the same way.
 */

const open: WsClient[] = [];
const room = async (sub: string, tid = "acme") => {
  const c = await WsClient.open({ sub, tid, url: roomsUrl() });
  open.push(c);
  return c;
};
const gatewaySocket = async (sub: string, tid = "acme") => {
  const c = await WsClient.open({ sub, tid });
  open.push(c);
  return c;
};
afterAll(async () => {
  await Promise.all(open.map((c) => c.close()));
});

let refs = 0;
const insert = (clientId: string, seq: number, base: number, text: string) => ({ clientId, base, ops: [{ id: `${clientId}-${seq}`, seq, type: "insert", pos: 0, text }] });
/** Submits and returns the answer (`submitted` or a ref'd `error`) and the index it arrived at. */
async function submit(c: WsClient, docId: string, change: unknown, ref = `r${refs++}`): Promise<{ answer: any; at: number }> {
  const from = c.received.length;
  const answer = await c.request({ action: "submit", docId, ref, change }, (m) => (m.type === "submitted" || m.type === "error") && m.ref === ref, `the answer to ${ref}`);
  return { answer, at: c.received.indexOf(answer, from) };
}

async function logIds(docId: string, tok: string): Promise<string[]> {
  const r = await call("GET", `/v1/docs/${docId}/ops?limit=1000`, { token: tok });
  expect(r.status).toBe(200);
  return r.body.ops.map((e: any) => e.id);
}

describe("room tier", () => {
  test("serves /health, and refuses an upgrade without a valid token with 401", async () => {
    const health = await fetch(roomsUrl().replace(/^ws/, "http").replace(/\/ws$/, "/health"));
    expect(health.status).toBe(200);
    for (const query of ["", "?token=", `?token=${await token({ secret: "not-the-secret" })}`, `?token=${await token({ tid: null })}`]) {
      const status = await new Promise<number>((resolve) => {
        const ws = new WebSocket(`${roomsUrl()}${query}`);
        ws.once("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0));
        ws.once("open", () => {
          ws.close();
          resolve(101);
        });
        ws.once("error", () => undefined);
      });
      expect(status, query).toBe(401);
    }
  });

  test("a submit is answered once decided: the op's entry reaches the room (submitter first) and API Gateway subscribers once, and the log has it", async () => {
    const docId = freshDoc("room");
    const ann = await room("ann");
    const bob = await gatewaySocket("bob");
    const handedOff = async () => (await (await fetch(roomsUrl().replace(/^ws/, "http").replace(/\/ws$/, "/health"))).json()).forwards.handedOff as number;
    const handedBefore = await handedOff();
    const first = await submit(ann, docId, insert("ann-c", 1, 0, "Hi"));
    expect(first.answer).toEqual({ type: "submitted", docId, ref: expect.any(String), results: [{ id: "ann-c-1", status: "accepted" }] });
    await call("POST", `/v1/docs/${docId}/ops`, {
      token: await token({ sub: "ann" }),
      body: { clientId: "ann-http", base: 2, ops: [{ id: "ann-http-1", seq: 1, type: "acl", userId: "bob", role: "editor" }] },
    });
    await ann.subscribe(docId, 0);
    await ann.waitForSeqs(docId, 3); // Bob's grant is committed (it went through the sequencer function)
    await bob.subscribe(docId);
    const second = await submit(ann, docId, insert("ann-c", 2, 3, "!"));
    expect(second.answer.results).toEqual([{ id: "ann-c-2", status: "accepted" }]);
    // Decided means delivered here first: the entry came before the answer on the same socket.
    const entryAt = ann.received.findIndex((m) => m.type === "ops" && m.ops.some((e: any) => e.id === "ann-c-2"));
    expect(entryAt).toBeGreaterThanOrEqual(0);
    expect(entryAt).toBeLessThan(second.at);
    await bob.waitForSeqs(docId, 4, 3);
    // Bob submits from API Gateway's socket over HTTP; Ann's room socket gets it through the broadcaster.
    const bobTok = await token({ sub: "bob" });
    expect((await call("POST", `/v1/docs/${docId}/ops`, { token: bobTok, body: insert("bob-c", 1, 4, "?") })).status).toBe(202);
    await ann.waitForSeqs(docId, 5);
    await bob.waitForSeqs(docId, 5, 3);
    await bob.settle();
    // Each seq exactly once on the gateway socket: the broadcaster skipped what the room delivered.
    expect(bob.seqs(docId)).toEqual([4, 5]);
    expect(await logIds(docId, bobTok)).toEqual(["~owner", "ann-c-1", "ann-http-1", "ann-c-2", "bob-c-1"]);
    // Both ops posted over HTTP were sequenced by the task holding the document's lease: the
    // sequencer function handed them over instead of writing the document itself.
    expect((await handedOff()) - handedBefore).toBeGreaterThanOrEqual(2);
  });

  test("a resent change is answered duplicate and committed once; concurrent submits of many clients all commit, gap-free", async () => {
    const docId = freshDoc("room-dup");
    const ann = await room("ann");
    await submit(ann, docId, insert("c0", 1, 0, "x"));
    const again = await submit(ann, docId, insert("c0", 1, 0, "x"));
    expect(again.answer.results).toEqual([{ id: "c0-1", status: "duplicate" }]);
    const answers = await Promise.all(Array.from({ length: 15 }, (_, i) => submit(ann, docId, insert(`k${i}`, 1, 2, "y"))));
    for (const [i, a] of answers.entries()) expect(a.answer.results, `k${i}`).toEqual([{ id: `k${i}-1`, status: "accepted" }]);
    const ids = await logIds(docId, await token({ sub: "ann" }));
    expect(ids).toHaveLength(17);
    expect(new Set(ids).size).toBe(17);
  });

  test("a change submitted ahead of its client's earlier seqs is held (answered accepted) and committed in order when they come; alone, at its hold window's end", async () => {
    const docId = freshDoc("room-held");
    const ann = await room("ann");
    const tok = await token({ sub: "ann" });
    await submit(ann, docId, insert("seed", 1, 0, "s"));
    const ahead = { clientId: "c", base: 2, ops: [3, 4].map((seq) => ({ id: `c-${seq}`, seq, type: "insert", pos: 0, text: "b" })) };
    expect((await submit(ann, docId, ahead)).answer.results).toEqual([
      { id: "c-3", status: "accepted" },
      { id: "c-4", status: "accepted" },
    ]);
    const earlier = { clientId: "c", base: 2, ops: [1, 2].map((seq) => ({ id: `c-${seq}`, seq, type: "insert", pos: 0, text: "a" })) };
    expect((await submit(ann, docId, earlier)).answer.results.map((r: any) => r.status)).toEqual(["accepted", "accepted"]);
    expect(await logIds(docId, tok)).toEqual(["~owner", "seed-1", "c-1", "c-2", "c-3", "c-4"]);

    // Seqs 7-8 with 5-6 never sent: the window's timer wakes the sequencer function, which
    // hands the wake to the task holding the document; its run reads the held change from the
    // inbox table and gives the gap up.
    const gap = { clientId: "c", base: 6, ops: [7, 8].map((seq) => ({ id: `c-${seq}`, seq, type: "insert", pos: 0, text: "z" })) };
    expect((await submit(ann, docId, gap)).answer.results.map((r: any) => r.status)).toEqual(["accepted", "accepted"]);
    await waitFor("the held change released at its window's end", async () => ((await logIds(docId, tok)).includes("c-8") ? true : undefined), 20_000);
    expect(await logIds(docId, tok)).toEqual(["~owner", "seed-1", "c-1", "c-2", "c-3", "c-4", "c-7", "c-8"]);
  }, 60_000);

  test("bad submits get a clear error with the ref, and nothing is committed", async () => {
    const docId = freshDoc("room-bad");
    const ann = await room("ann");
    await submit(ann, docId, insert("ok", 1, 0, "x"));
    const cases: Array<[unknown, string, RegExp]> = [
      [{ clientId: "bad", base: 0, ops: [{ id: "bad-1", seq: 1, type: "insert", pos: -1, text: "x" }] }, "invalid_request", /pos/],
      [{ clientId: "bad", base: 0, ops: [] }, "invalid_request", /ops/],
      [[1, 2], "invalid_request", /change must be a JSON object/],
    ];
    for (const [change, code, message] of cases) {
      const { answer } = await submit(ann, docId, change, "bad-ref");
      expect(answer).toMatchObject({ type: "error", code, docId, ref: "bad-ref" });
      expect(answer.message).toMatch(message);
    }
    const noDoc = await ann.request({ action: "submit", ref: "nodoc", change: insert("x", 1, 0, "x") }, (m) => m.ref === "nodoc");
    expect(noDoc).toMatchObject({ type: "error", code: "invalid_request", message: expect.stringMatching(/docId/) });
    const longRef = await ann.request({ action: "submit", docId, ref: "r".repeat(65), change: insert("x", 1, 0, "x") }, (m) => m.type === "error" && /ref/.test(m.message));
    expect(longRef).toMatchObject({ code: "invalid_request", docId });
    expect(await logIds(docId, await token({ sub: "ann" }))).toEqual(["~owner", "ok-1"]);
  });

  test("access: a stranger is refused forbidden (submit and subscribe), another tenant's same docId is another document", async () => {
    const docId = freshDoc("room-acl");
    const ann = await room("ann");
    await submit(ann, docId, insert("a", 1, 0, "secret"));
    const mallory = await room("mallory");
    const refused = await submit(mallory, docId, insert("m", 1, 2, "x"));
    expect(refused.answer).toMatchObject({ type: "error", code: "forbidden", docId });
    // Recorded in the audit trail as the HTTP route's 403 is.
    const admin = await token({ sub: "root", role: "admin" });
    const access = await waitFor("the refusal in the audit trail", async () => {
      const r = await call("GET", `/v1/admin/audit?docId=${docId}`, { token: admin });
      return r.body?.access?.find((e: any) => e.kind === "refused") ? r.body.access : undefined;
    });
    expect(access.find((e: any) => e.kind === "refused")).toMatchObject({ userId: "mallory", action: "submit ops", reason: "no access" });
    // No role at all: the subscribe is refused too.
    const sub = await mallory.request({ action: "subscribe", docId }, (m) => m.docId === docId && (m.type === "error" || m.type === "subscribed"));
    expect(sub).toMatchObject({ type: "error", code: "forbidden" });
    // Another tenant's user with the same docId creates a document of their own.
    const eve = await room("eve", "other-tenant");
    const theirs = await submit(eve, docId, insert("e", 1, 0, "mine"));
    expect(theirs.answer.results).toEqual([{ id: "e-1", status: "accepted" }]);
    expect(await logIds(docId, await token({ sub: "eve", tid: "other-tenant" }))).toEqual(["~owner", "e-1"]);
    expect(await logIds(docId, await token({ sub: "ann" }))).toEqual(["~owner", "a-1"]);
  });

  test("an op the sequencer rejects is told to its submitter before the answer", async () => {
    const docId = freshDoc("room-rej");
    const ann = await room("ann");
    await ann.subscribe(docId);
    await submit(ann, docId, insert("a", 1, 0, "x"));
    const ahead = await submit(ann, docId, insert("b", 1, 99, "y"));
    expect(ahead.answer.results).toEqual([{ id: "b-1", status: "accepted" }]);
    const rejectedAt = ann.received.findIndex((m) => m.type === "rejected" && m.id === "b-1");
    expect(ann.received[rejectedAt]).toEqual({ type: "rejected", docId, id: "b-1", reason: "base_ahead_of_head" });
    expect(rejectedAt).toBeLessThan(ahead.at);
    const receipt = await call("GET", `/v1/docs/${docId}/ops/b-1`, { token: await token({ sub: "ann" }) });
    expect(receipt.body).toMatchObject({ status: "rejected", reason: "base_ahead_of_head" });
  });

  test("presence crosses tiers, and an in-app notification reaches a room socket (through the task's private API)", async () => {
    const docId = freshDoc("room-presence");
    const ann = await room("ann");
    await submit(ann, docId, insert("a", 1, 0, "x"));
    await call("POST", `/v1/docs/${docId}/ops`, {
      token: await token({ sub: "ann" }),
      body: { clientId: "acl", base: 2, ops: [{ id: "acl-1", seq: 1, type: "acl", userId: "bob", role: "viewer" }] },
    });
    const bob = await gatewaySocket("bob");
    await ann.subscribe(docId, 0);
    await ann.waitForSeqs(docId, 3); // Bob's grant is committed
    await bob.subscribe(docId);
    ann.send({ action: "presence", docId, state: { cursor: 1 } });
    const seen = await bob.waitFor("ann's presence", (m) => m.type === "presence" && m.userId === "ann");
    expect(seen.state).toEqual({ cursor: 1 });
    bob.send({ action: "presence", docId, state: { cursor: 0 } });
    expect((await ann.waitFor("bob's presence", (m) => m.type === "presence" && m.userId === "bob")).state).toEqual({ cursor: 0 });

    const tid = `rooms-n-${Date.now().toString(36)}`;
    const zoe = await room("zoe", tid);
    const admin = await token({ sub: "ops", tid, role: "admin" });
    const posted = await call("POST", "/v1/notify", {
      token: admin,
      body: { eventId: "room-n-1", class: "transactional", topic: "security", recipients: ["zoe"], title: "New sign-in", body: "A new device signed in." },
    });
    expect(posted.status).toBe(202);
    const n = await zoe.waitFor("the notification", (m) => m.type === "notification");
    expect(n.notification).toMatchObject({ userId: "zoe", title: "New sign-in", eventIds: ["room-n-1"] });
  });
});
