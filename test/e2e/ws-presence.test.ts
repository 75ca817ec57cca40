import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { PRESENCE_RATE } from "@weft/core";
import { freshDoc } from "./http.js";
import { WsClient, connectionIdOf, stackConnections, waitUntil } from "./ws-client.js";

/* Presence over real WebSockets against the local stack: relay, current state on subscribe, leaves, limits. */

const tenant = `ws-pres-${randomUUID().slice(0, 8)}`;
const open: WsClient[] = [];
async function client(sub: string): Promise<{ c: WsClient; id: string }> {
  const c = await WsClient.open({ tid: tenant, sub });
  open.push(c);
  return { c, id: await connectionIdOf(c, tenant, freshDoc("probe")) };
}
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
});

const isPresence = (docId: string, connectionId: string) => (m: any) =>
  m.type === "presence" && m.docId === docId && m.connectionId === connectionId;

describe("presence", () => {
  it("is relayed to the other subscribers only, with the sender's user and connection; a new subscriber gets it after subscribed", async () => {
    const doc = freshDoc("ws-pres");
    const [ann, bob, cat] = [await client("ann"), await client("bob"), await client("cat")];
    for (const x of [ann, bob, cat]) await x.c.subscribe(doc);
    const outsider = await client("dan");
    await outsider.c.subscribe(freshDoc("elsewhere"));
    const state = { cursor: { pos: 3, len: 2 }, name: "Ann 👋" };
    ann.c.send({ action: "presence", docId: doc, state });
    const expected = { type: "presence", docId: doc, userId: "ann", connectionId: ann.id, state, at: expect.any(Number) };
    expect(await bob.c.waitFor("ann's presence", isPresence(doc, ann.id))).toEqual(expected);
    expect(await cat.c.waitFor("ann's presence", isPresence(doc, ann.id))).toEqual(expected);
    await ann.c.settle();
    await outsider.c.settle();
    expect(ann.c.received.some((m) => m.type === "presence")).toBe(false);
    expect(outsider.c.received.some((m) => m.type === "presence")).toBe(false);

    // Never written to the log: the document has no version (and no ACL: nobody has a role).
    const late = await client("eve");
    const from = late.c.received.length;
    late.c.send({ action: "subscribe", docId: doc });
    await late.c.waitFor("ann's presence", isPresence(doc, ann.id), { from });
    const got = late.c.received.slice(from);
    expect(got[0]).toEqual({ type: "subscribed", docId: doc, version: 0, role: "none" });
    expect(got[1]).toEqual(expected);
  });

  it("unsubscribe sends the others a leave (state null)", async () => {
    const doc = freshDoc("ws-leave");
    const [ann, bob] = [await client("ann"), await client("bob")];
    for (const x of [ann, bob]) await x.c.subscribe(doc);
    ann.c.send({ action: "presence", docId: doc, state: { cursor: 1 } });
    await bob.c.waitFor("presence", isPresence(doc, ann.id));
    await ann.c.request({ action: "unsubscribe", docId: doc }, (m) => m.type === "unsubscribed");
    const leave = await bob.c.waitFor("leave", (m) => isPresence(doc, ann.id)(m) && m.state === null);
    expect(leave).toEqual({ type: "presence", docId: doc, userId: "ann", connectionId: ann.id, state: null, at: expect.any(Number) });
  });

  it("disconnect sends the others a leave and removes the connection's records", async () => {
    const doc = freshDoc("ws-dc");
    const [ann, bob] = [await client("ann"), await client("bob")];
    for (const x of [ann, bob]) await x.c.subscribe(doc);
    bob.c.send({ action: "presence", docId: doc, state: { typing: true } });
    await ann.c.waitFor("presence", isPresence(doc, bob.id));
    await bob.c.kill();
    expect(await ann.c.waitFor("leave", (m) => isPresence(doc, bob.id)(m) && m.state === null)).toMatchObject({ userId: "bob" });
    const store = stackConnections();
    await waitUntil("bob's records removed", async () => (await store.get(bob.id)) === undefined);
    expect((await store.subscribers({ tenant, docId: doc })).map((s) => s.connectionId)).toEqual([ann.id]);
  });

  it("a state of more than 1 KiB is refused with payload_too_large; exactly 1 KiB is relayed", async () => {
    const doc = freshDoc("ws-size");
    const [ann, bob] = [await client("ann"), await client("bob")];
    for (const x of [ann, bob]) await x.c.subscribe(doc);
    // {"t":"..."}: 8 bytes of JSON around the text; "é" is 2 bytes.
    const fits = { t: "é".repeat(508) };
    const over = { t: "é".repeat(508) + "x" };
    const refused = await ann.c.request({ action: "presence", docId: doc, state: over }, (m) => m.type === "error");
    expect(refused).toEqual({
      type: "error",
      code: "payload_too_large",
      message: "state is 1025 bytes; at most 1024 bytes of JSON",
      docId: doc,
    });
    ann.c.send({ action: "presence", docId: doc, state: fits });
    expect((await bob.c.waitFor("presence", isPresence(doc, ann.id))).state).toEqual(fits);
  });

  it("is rate limited per connection: refused with rate_limited while the bucket is empty, the connection stays usable, then refilled", async () => {
    const doc = freshDoc("ws-rate");
    const [ann, bob] = [await client("ann"), await client("bob")];
    for (const x of [ann, bob]) await x.c.subscribe(doc);
    // Empty ann's bucket in the stack's own table, with the real adapter, as a burst 5 s from
    // now would: the stack's handler, in another process, must see it (the bucket lives in
    // storage, not in a Lambda container). This stack is too loaded to send faster than 10/s.
    const store = stackConnections();
    const burstAt = Date.now() + 5000;
    const taken = [];
    for (let i = 0; i < 21; i++) taken.push(await store.setPresence(ann.id, { tenant, docId: doc }, { staged: i }, burstAt, PRESENCE_RATE));
    expect(taken.filter((r) => r === "ok")).toHaveLength(PRESENCE_RATE.burst);
    expect(taken[20]).toBe("rate_limited");

    for (let i = 0; i < 3; i++) ann.c.send({ action: "presence", docId: doc, state: { i } });
    ann.c.send({ action: "ping" });
    await ann.c.waitFor("pong", (m) => m.type === "pong");
    expect(ann.c.received.filter((m) => m.type === "error")).toEqual(
      Array(3).fill({
        type: "error",
        code: "rate_limited",
        message: "presence is limited to 20 messages at once and 10 per second per connection",
        docId: doc,
      }),
    );
    await bob.c.settle();
    expect(bob.c.received.some(isPresence(doc, ann.id))).toBe(false);

    // A token is back 100 ms after the burst.
    await new Promise((r) => setTimeout(r, Math.max(0, burstAt + 150 - Date.now())));
    ann.c.send({ action: "presence", docId: doc, state: { back: true } });
    expect((await bob.c.waitFor("presence", isPresence(doc, ann.id))).state).toEqual({ back: true });
  });
});
