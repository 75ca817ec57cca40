import { afterAll, describe, expect, inject, test } from "vitest";
import WebSocket from "ws";
import { dynamoClient } from "../../src/adapters/dynamo/client.js";
import { DynamoDocLeaseStore } from "../../src/adapters/dynamo/doc-lease-store.js";
import { startTask, taskToken, type TaskProcess } from "./task-process.js";

/**
 * Ownership across two room task processes on one DynamoDB (docs/rooms.md, "Ownership"): a
 * document is sequenced by the task holding its lease, a change arriving at the other task is
 * forwarded over the private port and answered as the owner answered; the private route refuses
 * what is not a forward; a task that stops releases its leases, and one that dies holds its
 * documents' changes until its leases lapse (then the next task takes them).
 */
const tasks: TaskProcess[] = [];
afterAll(() => {
  for (const t of tasks) t.child.kill("SIGKILL");
});

const leases = () => new DynamoDocLeaseStore({ client: dynamoClient(inject("stackDynamoEndpoint")), table: inject("stackTables").state });
const health = async (t: TaskProcess) => (await fetch(t.url.replace(/^ws/, "http").replace(/\/ws$/, "/health"))).json() as Promise<any>;

/** A socket on `task` as `user` of `tenant`; `submit` resolves with the task's answer to one change. */
async function socket(task: TaskProcess, user: string, tenant: string) {
  const ws = new WebSocket(`${task.url}?token=${encodeURIComponent(await taskToken(user, tenant))}`);
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
  });
  const answers = new Map<string, (m: any) => void>();
  ws.on("message", (d) => {
    const m = JSON.parse(d.toString());
    if (typeof m.ref === "string") answers.get(m.ref)?.(m);
  });
  let refs = 0;
  return {
    ws,
    submit: (docId: string, change: unknown) =>
      new Promise<any>((resolve) => {
        const ref = `r${++refs}`;
        answers.set(ref, resolve);
        ws.send(JSON.stringify({ action: "submit", docId, ref, change }));
      }),
  };
}

const insert = (clientId: string, seq: number, base: number) => ({ clientId, base, ops: [{ id: `${clientId}-${seq}`, seq, type: "insert", pos: 0, text: "x" }] });

describe("room tasks owning documents (two processes)", () => {
  test("a change at the non-owner is forwarded and answered by the owner; the private route refuses bad forwards; a stopped owner releases, a dead one is worked around", async () => {
    const [a, b] = await Promise.all([startTask(), startTask()]);
    tasks.push(a, b);
    const tenant = `own-${Date.now().toString(36)}`;
    const docId = "owned-doc";
    const onA = await socket(a, "ann", tenant);
    const onB = await socket(b, "ann", tenant);

    // a takes the lease with the document's first change; b forwards to a.
    expect((await onA.submit(docId, insert("ca", 1, 0))).results).toEqual([{ id: "ca-1", status: "accepted" }]);
    expect((await onB.submit(docId, insert("cb", 1, 2))).results).toEqual([{ id: "cb-1", status: "accepted" }]);
    expect((await onB.submit(docId, insert("cb", 1, 2))).results).toEqual([{ id: "cb-1", status: "duplicate" }]);
    const lease = await leases().get({ tenant, docId });
    expect(lease).toMatchObject({ address: a.privateUrl.replace("http://", "") });
    expect(lease!.expiresAt).toBeGreaterThan(Date.now());
    expect((await health(b)).forwards).toEqual({ forwarded: 2, waits: 0, received: 0, handedOff: 0 });
    expect(await health(a)).toMatchObject({ ownedDocuments: 1, forwards: { forwarded: 0, waits: 0, received: 2 } });

    // The owner's refusal comes back through b as the same error (no role: forbidden).
    const bobOnB = await socket(b, "bob", tenant);
    expect(await bobOnB.submit(docId, insert("bob", 1, 3))).toMatchObject({ type: "error", code: "forbidden", docId });

    // The private route itself.
    const route = `${a.privateUrl}/rooms/submit`;
    const post = (body: string) => fetch(route, { method: "POST", body, headers: { "content-type": "application/json" } });
    expect((await fetch(route)).status).toBe(404);
    const notJson = await post("{");
    expect(notJson.status).toBe(400);
    expect((await notJson.json()).error.code).toBe("invalid_request");
    const who = { tenant, userId: "ann", admin: false };
    const otherTenant = await post(JSON.stringify({ who, doc: { tenant: `${tenant}-x`, docId }, change: JSON.stringify(insert("cx", 1, 3)) }));
    expect(otherTenant.status).toBe(400);
    expect((await otherTenant.json()).error.message).toMatch(/caller's tenant/);
    expect((await post(JSON.stringify({ who: { tenant }, doc: { tenant, docId }, change: "{}" }))).status).toBe(400);
    expect((await post(JSON.stringify({ who, doc: { tenant, docId: "bad/id" }, change: "{}" }))).status).toBe(400);
    expect((await post(JSON.stringify({ who, doc: { tenant, docId }, change: { not: "a string" } }))).status).toBe(400);
    expect((await post("x".repeat(2 * 1_048_576 + 20_000))).status).toBe(413);
    const noRole = await post(JSON.stringify({ who: { tenant, userId: "mallory", admin: false }, doc: { tenant, docId }, change: JSON.stringify(insert("m", 1, 3)) }));
    expect(noRole.status).toBe(403);
    expect((await noRole.json()).error.code).toBe("forbidden");
    const forwarded = await post(JSON.stringify({ who, doc: { tenant, docId }, change: JSON.stringify(insert("cp", 1, 3)) }));
    expect(forwarded.status).toBe(200);
    expect(await forwarded.json()).toEqual({ results: [{ id: "cp-1", status: "accepted" }] });
    // A forward to a task that does not hold the document: 503, nothing kept (the forwarder reads the lease again).
    const toB = await fetch(`${b.privateUrl}/rooms/submit`, { method: "POST", body: JSON.stringify({ who, doc: { tenant, docId }, change: JSON.stringify(insert("cq", 1, 4)) }), headers: { "content-type": "application/json" } });
    expect(toB.status).toBe(503);

    // The hand-off route (a sequencer function's records of a document this task holds).
    const run = (t: TaskProcess, body: string) => fetch(`${t.privateUrl}/rooms/run`, { method: "POST", body, headers: { "content-type": "application/json" } });
    expect((await fetch(`${a.privateUrl}/rooms/run`)).status).toBe(404);
    for (const bad of ["{", JSON.stringify({ doc: { tenant, docId: "bad/id" }, records: [] }), JSON.stringify({ doc: { tenant, docId }, records: [] }), JSON.stringify({ doc: { tenant, docId }, records: [{ kind: "wake", wake: { doc: { tenant, docId: "other" }, dueAt: 0 } }] }), JSON.stringify({ doc: { tenant, docId }, records: [{ kind: "change", change: { doc: { tenant, docId } } }] }), JSON.stringify({ doc: { tenant, docId }, records: [{ kind: "wake", wake: { doc: { tenant, docId }, dueAt: 0 } }], reject: { reason: "bored", message: "x" } }), JSON.stringify({ doc: { tenant, docId }, records: [{ kind: "wake", wake: { doc: { tenant, docId }, dueAt: 0 } }], reject: { reason: "stream_retries_exhausted", message: "x".repeat(2001) } })]) {
      const r = await run(a, bad);
      expect(r.status, bad).toBe(400);
      expect((await r.json()).error.code).toBe("invalid_request");
    }
    expect((await run(a, "x".repeat(6 * 1_048_576 + 10))).status).toBe(413);
    const wake = JSON.stringify({ doc: { tenant, docId }, records: [{ kind: "wake", wake: { doc: { tenant, docId }, dueAt: Date.now() } }] });
    expect((await run(b, wake)).status).toBe(503); // b does not hold it
    expect((await run(a, wake)).status).toBe(200);
    expect((await health(a)).forwards.handedOff).toBe(1);
    // Every run of a so far read its head: its holding is younger than the quiet time.
    expect((await health(a)).heads).toMatchObject({ kept: 0 });
    expect((await health(a)).heads.read).toBeGreaterThanOrEqual(3);

    // SIGTERM: a releases its lease on the way out; b then takes the document at its next change.
    const exited = new Promise((resolve) => a.child.once("exit", resolve));
    a.child.kill("SIGTERM");
    await exited;
    expect((await leases().get({ tenant, docId }))!.expiresAt).toBe(0);
    expect((await onB.submit(docId, insert("cb", 2, 4))).results).toEqual([{ id: "cb-2", status: "accepted" }]);
    expect(await leases().get({ tenant, docId })).toMatchObject({ address: b.privateUrl.replace("http://", "") });
    expect(await health(b)).toMatchObject({ ownedDocuments: 1, forwards: { forwarded: 2, waits: 0 } });

    // A third task, killed while owning a document: b's change waits for that lease to lapse, then b takes it and sequences it.
    const c = await startTask();
    tasks.push(c);
    const onC = await socket(c, "ann", tenant);
    expect((await onC.submit("dead-owner", insert("cc", 1, 0))).results).toEqual([{ id: "cc-1", status: "accepted" }]);
    c.child.kill("SIGKILL");
    await new Promise((resolve) => c.child.once("exit", resolve));
    const killedAt = Date.now();
    const lapse = (await leases().get({ tenant, docId: "dead-owner" }))!.expiresAt;
    expect((await onB.submit("dead-owner", insert("cd", 1, 2))).results).toEqual([{ id: "cd-1", status: "accepted" }]);
    expect(Date.now()).toBeGreaterThanOrEqual(lapse);
    expect(Date.now() - killedAt).toBeLessThan(30_000);
    expect((await health(b)).forwards.waits).toBeGreaterThanOrEqual(1);
    expect(b.lines.some((l) => l.includes('"room_owner_wait"'))).toBe(true);
    expect(await leases().get({ tenant, docId: "dead-owner" })).toMatchObject({ address: b.privateUrl.replace("http://", "") });
  }, 120_000);
});
