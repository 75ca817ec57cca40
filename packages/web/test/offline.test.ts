import { afterEach, describe, expect, it } from "vitest";
import { freshDoc, token } from "../../../test/e2e/http.js";
import { readLog, textOf } from "../../../test/e2e/docs.js";
import { MemoryStorage, type WeftClient } from "../src/index.js";
import { Network } from "./network.js";
import { shareAs, stackClient, until } from "./stack-client.js";

const open: WeftClient[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
});

const fast = { backoff: { initialMs: 20, maxMs: 300 }, ackTimeoutMs: 500 };

function client(opts: Parameters<typeof stackClient>[0] = {}): WeftClient {
  const c = stackClient({ ...fast, ...opts });
  open.push(c);
  return c;
}

/** Each of `ids` appears exactly once in the log. */
function onceEach(log: Array<{ id: string }>, ids: string[]): void {
  for (const id of ids) expect(log.filter((e) => e.id === id).length, id).toBe(1);
}

describe("offline edits and lost responses (local stack)", () => {
  it("edits made while the network is down are delivered exactly once when it is back", async () => {
    const docId = freshDoc("offline");
    await shareAs("alice", docId, { userId: "bob" }, "editor"); // alice owns it, bob edits too
    const net = new Network();
    const a = client({ fetch: net.fetch, WebSocket: net.WebSocket });
    const b = client({ user: "bob" });
    const da = a.doc(docId);
    const db = b.doc(docId);
    await Promise.all([da.ready, db.ready]);
    const ids = da.insert(0, "Hello");
    await da.whenSynced();
    await until("bob seeing Hello", () => db.text === "Hello"); // so his edit below is not concurrent with it

    const statuses: string[] = [];
    a.on("status", (s) => statuses.push(s));
    net.unplug();
    await until("the client noticing it is offline", () => a.status === "offline");
    ids.push(...da.insert(5, " world"), ...da.delete(0, 1), ...da.insert(0, "J"));
    db.insert(0, ">> ");
    await db.whenSynced();
    await new Promise((r) => setTimeout(r, 300)); // POST retries fail meanwhile
    expect(da.pending).toBeGreaterThan(0);
    expect(net.failures).toBeGreaterThan(0);

    net.plug();
    await until("reconnected", () => a.status === "open");
    await da.whenSynced();
    const log = await readLog(await token(), docId);
    await until("both clients at the head", () => da.version === log.length && db.version === log.length);
    onceEach(log, ids);
    expect(textOf(log)).toBe(">> Jello world");
    expect(da.text).toBe(textOf(log));
    expect(db.text).toBe(textOf(log));
    expect(statuses).toContain("offline");
    expect(statuses.at(-1)).toBe("open");
  });

  it("a change whose response was lost is resent with the same op ids and committed once; without a socket, receipts ack it", async () => {
    const docId = freshDoc("lost");
    const net = new Network();
    const a = client({ fetch: net.fetch, WebSocket: net.WebSocket });
    const da = a.doc(docId);
    await da.ready;
    net.cutSockets(); // acks can only come from the receipt check and a log read over HTTP
    net.loseResponses(1);
    const ids = [...da.insert(0, "abc"), ...da.insert(3, "def")];
    await da.whenSynced();
    expect(net.posts).toBe(2); // the lost one and its resend (the server said duplicate or accepted)
    const log = await readLog(await token(), docId);
    onceEach(log, ids);
    expect(textOf(log)).toBe("abcdef");
  });

  it("429 and 5xx answers are retried with the same body until the server takes it", async () => {
    const docId = freshDoc("retry");
    const net = new Network();
    const a = client({ fetch: net.fetch, WebSocket: net.WebSocket });
    const da = a.doc(docId);
    await da.ready;
    net.answerPosts({ status: 503 }, { status: 429, retryAfter: 0 }, { status: 502 });
    const ids = da.insert(0, "persistent");
    await da.whenSynced();
    expect(net.posts).toBe(4);
    const log = await readLog(await token(), docId);
    onceEach(log, ids);
    expect(textOf(log)).toBe("persistent");
  });
});

describe("outbox across a reload (local stack)", () => {
  it("a client recreated from the same storage sends its unsent changes exactly once", async () => {
    const docId = freshDoc("reload");
    await shareAs("alice", docId, { userId: "bob" }, "editor"); // alice owns it, bob edits too
    const storage = new MemoryStorage();
    const first = client({ storage });
    const d1 = first.doc(docId);
    await d1.ready;
    d1.hooks.holdSending(true);
    const ids = d1.insert(0, "one ");
    await d1.hooks.flush(); // in flight: accepted by the server, maybe committed, not acknowledged yet
    ids.push(...d1.insert(4, "two "), ...d1.insert(8, "three")); // pending: never sent
    const clientId = await first.clientId;
    await first.close(); // the "reload": the outbox is in storage

    // Someone else edits meanwhile: the restored ops must be rebased past it. Bob types once his
    // view holds "one " (committed, and applied on his side: a state loaded from a materializer
    // that trails the log lacks it until the socket's catch-up), so his insert at 0 is made on
    // top of it and lands before it. Made on a base without it, the tie of two inserts at 0
    // would put his after it.
    for (let i = 0; !(await readLog(await token(), docId)).some((e) => e.id === ids[0]); i++) {
      if (i > 300) throw new Error("the in-flight change was never committed");
      await new Promise((r) => setTimeout(r, 50));
    }
    const other = client({ user: "bob" });
    const od = other.doc(docId);
    await od.ready;
    await until("bob seeing the in-flight change", () => od.text === "one ");
    od.insert(0, "[bob] ");
    await od.whenSynced();

    const second = client({ storage });
    expect(await second.clientId).toBe(clientId);
    const d2 = second.doc(docId);
    await d2.ready;
    expect(d2.text, `restored view at version ${d2.version}`).toMatch(/one two three$/);
    await d2.whenSynced();
    const log = await readLog(await token(), docId);
    await until("both at the head", () => d2.version === log.length && od.version === log.length);
    onceEach(log, ids);
    expect(textOf(log)).toBe("[bob] one two three");
    expect(d2.text).toBe(textOf(log));
    expect(od.text).toBe(textOf(log));
  });

  it("a change sent while the network was down is delivered once by the next session", async () => {
    const docId = freshDoc("reload-offline");
    const storage = new MemoryStorage();
    const net = new Network();
    const first = client({ storage, fetch: net.fetch, WebSocket: net.WebSocket });
    const d1 = first.doc(docId);
    await d1.ready;
    net.unplug();
    const ids = [...d1.insert(0, "offline "), ...d1.insert(8, "edit")];
    await until("a failed send", () => net.failures > 0);
    await first.close();

    const second = client({ storage });
    const d2 = second.doc(docId);
    await d2.ready;
    await d2.whenSynced();
    const log = await readLog(await token(), docId);
    onceEach(log, ids);
    expect(textOf(log)).toBe("offline edit");
  });
});
