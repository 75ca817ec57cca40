import { afterEach, describe, expect, it } from "vitest";
import { freshDoc, token } from "../../../test/e2e/http.js";
import { readLog, textOf } from "../../../test/e2e/docs.js";
import { MemoryStorage, type OutboxRecord, type RejectedEvent, type WeftClient } from "../src/index.js";
import { stackClient, until } from "./stack-client.js";

const open: WeftClient[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
});

const fast = { backoff: { initialMs: 20, maxMs: 300 }, ackTimeoutMs: 300 };

describe("tokens (local stack)", () => {
  it("an expired token is replaced: the 401 and the refused upgrade ask getToken again", async () => {
    let calls = 0;
    const c = stackClient({
      ...fast,
      getToken: async () => (++calls === 1 ? token({ expiresIn: Math.floor(Date.now() / 1000) - 60 }) : token()),
    });
    open.push(c);
    const doc = c.doc(freshDoc("auth"));
    await doc.ready;
    const ids = doc.insert(0, "after refresh");
    await doc.whenSynced();
    expect(calls).toBeGreaterThanOrEqual(2);
    expect(c.hooks.tokenCalls).toBe(calls);
    // The first change created the document: alice's owner entry comes first.
    expect((await readLog(await token(), doc.docId)).map((e) => e.id)).toEqual(["~owner", ...ids]);
  });

  it("a short-lived token is renewed before it lapses, for requests and for reconnecting", async () => {
    const c = stackClient({ ...fast, getToken: () => token({ expiresIn: "3s" }) });
    open.push(c);
    const doc = c.doc(freshDoc("auth-renew"));
    await doc.ready;
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push(...doc.insert([...doc.text].length, `${i}`));
      await new Promise((r) => setTimeout(r, 800));
    }
    c.hooks.dropConnection(); // reconnecting needs a valid token by now
    await until("reconnected", () => c.status === "open", 10_000);
    ids.push(...doc.insert(0, ">"));
    await doc.whenSynced();
    expect(c.hooks.tokenCalls).toBeGreaterThanOrEqual(2);
    const log = await readLog(await token(), doc.docId);
    expect(log.map((e) => e.id).sort()).toEqual(["~owner", ...ids].sort());
    expect(textOf(log)).toBe(">01234");
  });
});

describe("rejected ops (local stack)", () => {
  for (const via of ["receipt", "socket"] as const) {
    it(`a change the sequencer rejects is dropped, reported (${via}), and the ops typed after it survive`, async () => {
    const docId = freshDoc("rejected");
    const clientId = `rej${process.pid}${Date.now().toString(36)}`;
    const storage = new MemoryStorage();
    // A saved outbox whose in-flight change names a base the document never reached (as after
    // the document was reset): the server accepts it, then rejects it (base_ahead_of_head).
    const record: OutboxRecord = {
      v: 1,
      clientId,
      version: 0,
      nextSeq: 2,
      nextN: 3,
      inflight: {
        sent: { clientId, base: 999, ops: [{ id: `${clientId}-1`, seq: 1, type: "insert", pos: 0, text: "ghost" }] },
        ops: [{ id: `${clientId}-1`, op: { type: "insert", pos: 0, text: "ghost" } }],
      },
      pending: [{ id: `${clientId}-2`, op: { type: "insert", pos: 5, text: "!" } }],
    };
    await storage.set("clientId", clientId);
    await storage.set(`outbox:${clientId}:${docId}`, JSON.stringify(record));

    // "socket": the receipt check is pushed out of reach, so only the server's `rejected`
    // message can report it in time; "receipt": sent before subscribing, the receipt does.
    const c = stackClient({ ...fast, storage, ...(via === "socket" ? { ackTimeoutMs: 60_000 } : {}) });
    open.push(c);
    const doc = c.doc(docId);
    if (via === "socket") doc.hooks.holdSending(true);
    const rejected: RejectedEvent[] = [];
    doc.on("rejected", (r) => rejected.push(r));
    await doc.ready;
    doc.hooks.holdSending(false);
    await doc.whenSynced();
    expect(rejected).toEqual([expect.objectContaining({ id: `${clientId}-1`, reason: "base_ahead_of_head" })]);
    const log = await readLog(await token(), docId);
    // The rejected change created nothing; the next one created the document (owner entry first).
    expect(log.map((e) => [e.id, e.clientSeq])).toEqual([["~owner", 0], [`${clientId}-2`, 2]]);
    expect(textOf(log)).toBe("!");
    await until("the client at the head", () => doc.version === 2);
    expect(doc.text).toBe("!");
    expect(JSON.parse((await storage.get(`outbox:${clientId}:${docId}`))!)).toMatchObject({ inflight: null, pending: [], nextSeq: 3 });
  }, 20_000);
  }
});
