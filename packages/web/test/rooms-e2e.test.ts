import { afterEach, describe, expect, it } from "vitest";
import { freshDoc, token } from "../../../test/e2e/http.js";
import { readLog, textOf } from "../../../test/e2e/docs.js";
import type { ClientOptions, WeftClient, WeftDoc } from "../src/index.js";
import { prng, randomEdit } from "./prng.js";
import { roomsUrl, shareAs, stackClient, until } from "./stack-client.js";

const open: WeftClient[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
});

/** Makes `n` random edits on `doc`, yielding a random 0-25 ms between them; drops the socket once, halfway. */
async function typeRandomly(client: WeftClient, doc: WeftDoc, seed: number, n: number): Promise<void> {
  const r = prng(seed);
  for (let i = 0; i < n; i++) {
    if (i === n >> 1) client.hooks.dropConnection(); // a submit may be in flight: it is sent again after re-subscribing
    const e = randomEdit(r, [...doc.text].length);
    if (e[0] === "insert") doc.insert(e[1], e[2]);
    else if (e[0] === "delete") doc.delete(e[1], e[2]);
    else doc.format(e[1], e[2], e[3]);
    await new Promise((res) => setTimeout(res, r.int(26)));
  }
}

// The room tier exists in the local stack once it provides `roomsUrl`.
describe.skipIf(!roomsUrl())("SDK clients on the room tier (local stack, opsTransport: socket)", () => {
  it("two clients submitting over room sockets edit one document and converge to the log", { timeout: 60_000 }, async () => {
    const docId = freshDoc("rooms-sdk");
    expect(await shareAs("alice", docId, { userId: "bob" }, "editor")).toBe(2); // alice owns it (seq 1), bob edits (seq 2)
    let posts = 0;
    const fetchCounted: ClientOptions["fetch"] = (input, init) => {
      if (init?.method === "POST") posts++;
      return fetch(input, init);
    };
    const clients = ["alice", "bob"].map((user) => stackClient({ user, opsTransport: "socket", wsUrl: roomsUrl(), fetch: fetchCounted, backoff: { initialMs: 20, maxMs: 300 } }));
    open.push(...clients);
    const docs = clients.map((c) => c.doc(docId));
    await Promise.all(docs.map((d) => d.ready));
    await Promise.all(docs.map((d, i) => typeRandomly(clients[i], d, 7 + i, 30)));
    await Promise.all(docs.map((d) => d.whenSynced()));

    const log = await readLog(await token(), docId);
    await until("both clients at the head", () => docs.every((d) => d.version === log.length));
    const text = textOf(log);
    for (const d of docs) {
      expect(d.text).toBe(text);
      expect(d.state.text).toBe(text);
      expect(d.hooks.mismatches).toBe(0);
    }
    expect(new Set(log.map((e) => e.id)).size).toBe(log.length); // every op once, resends included
    expect(new Set(log.slice(2).map((e) => e.userId))).toEqual(new Set(["alice", "bob"]));
    expect(posts).toBe(0); // every change went over the socket
  });
});
