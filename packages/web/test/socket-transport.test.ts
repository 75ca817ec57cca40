import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { applyEntries, emptyState, type LogEntry } from "@weft/core";
import type { ClientOptions, RejectedEvent, RevokedEvent, WeftClient, WeftDoc } from "../src/index.js";
import { prng, randomEdit } from "./prng.js";
import { until } from "./roles-server.js";
import { RoomServer, type SubmitFault } from "./room-server.js";

/**
 * `opsTransport: "socket"` (docs/sdk.md, docs/protocol.md "The room tier") against RoomServer:
 * real HTTP and WebSocket in front of core's ingest and sequencer, answering `submit` per the
 * contract, with faults to stage drops, refusals, throttling and lost answers.
 */
let server: RoomServer;
const clients: WeftClient[] = [];
beforeEach(async () => {
  server = await new RoomServer().start();
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await server.stop();
});

/** A socket client of `user` whose HTTP POSTs are counted (there should be none). */
function client(user: string, opts: Partial<ClientOptions> = {}): WeftClient & { posts: number } {
  const counted = { posts: 0 };
  const c = server.client(user, {
    fetch: (input, init) => {
      if (init?.method === "POST") counted.posts++;
      return fetch(input, init);
    },
    ...opts,
  });
  clients.push(c);
  return Object.assign(c, counted);
}

async function open(user: string, opts: Partial<ClientOptions> = {}): Promise<WeftDoc> {
  const doc = client(user, opts).doc("d");
  await doc.ready;
  return doc;
}

function record<T>(doc: WeftDoc, event: "rejected" | "revoked"): T[] {
  const out: T[] = [];
  doc.on(event, (v) => out.push(v as T));
  return out;
}

/** Ann creates the document with "Hello"; everyone in the tenant may edit it. */
async function created(opts: Partial<ClientOptions> = {}): Promise<WeftDoc> {
  server.mem.policy.newDocumentEveryone = "editor";
  const ann = await open("ann", opts);
  ann.insert(0, "Hello");
  await ann.whenSynced();
  return ann;
}

const logIds = async () => (await server.entries()).map((e) => e.id);
/** Each of `ids` is in the log exactly once. */
async function onceEach(ids: string[]): Promise<void> {
  const log = await logIds();
  for (const id of ids) expect(log.filter((x) => x === id), id).toHaveLength(1);
}
const submitsOf = (id: string) => server.submits.filter((s) => s.ids.includes(id));

describe("changes over the socket (opsTransport: socket)", () => {
  it("a change goes as a submit with its first op id as ref, is answered submitted, and nothing is POSTed", async () => {
    const ann = await open("ann");
    const ids = ann.insert(0, "Hello");
    await ann.whenSynced();
    const second = ann.insert(5, "!");
    await ann.whenSynced();
    expect(server.submits.map((s) => [s.ref, s.ids])).toEqual([
      [ids[0], ids],
      [second[0], second],
    ]);
    expect(server.posts.map((p) => p.status)).toEqual([202, 202]);
    expect((clients[0] as WeftClient & { posts: number }).posts).toBe(0);
    expect(server.receiptReads).toEqual([]); // answered in time: no fallback
    expect(ann.state.text).toBe("Hello!");
    await onceEach([...ids, ...second]);
  });

  it("edits made while the socket is down are submitted once it is back and the document re-subscribed", async () => {
    const ann = await open("ann");
    ann.insert(0, "Hello");
    await ann.whenSynced();
    server.setOffline("ann", true);
    await until("offline", () => clients[0].status === "offline");
    const ids = [...ann.insert(5, " world"), ...ann.delete(0, 1)];
    await new Promise((r) => setTimeout(r, 300));
    expect(submitsOf(ids[0])).toEqual([]); // nothing goes on a closed socket
    server.setOffline("ann", false);
    await ann.whenSynced();
    expect(ann.text).toBe("ello world");
    await onceEach(ids);
  });

  for (const fault of ["drop-before", "drop-after"] as const) {
    it(`the socket dropping with a submit in flight (${fault} ingest): sent again unchanged after reconnecting, committed once`, async () => {
      // An ack timeout far above the time a dropped socket takes to be noticed: else, on a slow
      // host, the submit times out first and the receipt check acknowledges it with no resend.
      const ann = await created({ ackTimeoutMs: 10_000 });
      const bob = await open("bob");
      server.faults.push(fault);
      // Bob's edit waits until ann's submit has met the fault: the server hands each fault to
      // the next submit it gets, whoever sends it. It is made before ann's change is committed
      // (concurrent), and the resend must not move past it.
      bob.hooks.holdSending(true);
      const ids = ann.insert(5, " world");
      bob.insert(0, ">");
      await until("ann's submit meeting the fault", () => submitsOf(ids[0]).length >= 1);
      bob.hooks.holdSending(false);
      await Promise.all([ann.whenSynced(), bob.whenSynced()]);
      // The resend goes when the document re-subscribed; its catch-up may acknowledge the change first.
      await until("the resend", () => submitsOf(ids[0]).length >= 2);
      const subs = submitsOf(ids[0]);
      expect(new Set(subs.map((s) => JSON.stringify([s.ref, s.ids])))).toEqual(new Set([JSON.stringify([ids[0], ids])]));
      await onceEach(ids);
      const head = (await server.entries()).length;
      await until("both at the head", () => ann.version === head && bob.version === head);
      expect(ann.text).toBe(bob.text);
      expect(ann.hooks.mismatches + bob.hooks.mismatches).toBe(0);
    });
  }

  it("an invalid_request or payload_too_large refusal drops the change (rolled back, reported, never sent again); the next edits go", async () => {
    const ann = await open("ann");
    ann.insert(0, "Hello");
    await ann.whenSynced();
    const rejected = record<RejectedEvent>(ann, "rejected");
    for (const code of ["invalid_request", "payload_too_large"]) {
      server.faults.push({ code, message: `refused: ${code}` });
      const [bad] = ann.insert(5, "?");
      await until(`the ${code} refusal`, () => rejected.some((r) => r.id === bad));
      expect(rejected.at(-1)).toEqual({ id: bad, reason: code, message: `refused: ${code}` });
      expect(ann.text).toBe("Hello");
    }
    const ok = ann.insert(5, "!");
    await ann.whenSynced();
    await new Promise((r) => setTimeout(r, 400)); // two ack timeouts: nothing refused is retried
    expect(server.submits.filter((s) => s.fault)).toHaveLength(2);
    expect(ann.state.text).toBe("Hello!");
    await onceEach(ok);
    expect(await logIds()).not.toContain(rejected[0].id);
  });

  it("forbidden for one op (a role too low for it) drops the change; the document goes on", async () => {
    const ann = await open("ann");
    ann.insert(0, "Hello");
    ann.share("ben", "editor");
    await ann.whenSynced();
    const ben = await open("ben");
    const rejected = record<RejectedEvent>(ben, "rejected");
    const [share] = ben.share("cat", "viewer"); // the tenant does not let editors share: ingest refuses it
    await until("the refusal", () => rejected.length > 0);
    expect(rejected[0]).toMatchObject({ id: share, reason: "forbidden" });
    expect(server.posts.find((p) => p.ids.includes(share))?.status).toBe(403);
    const ids = ben.insert(5, "!");
    await ben.whenSynced();
    await onceEach(ids);
    expect(ben.role).toBe("editor");
  });

  it("forbidden saying no access at all stops the document, as the 403 does", async () => {
    const ann = await open("ann");
    ann.insert(0, "Hello");
    await ann.whenSynced();
    const [rejected, revoked] = [record<RejectedEvent>(ann, "rejected"), record<RevokedEvent>(ann, "revoked")];
    server.faults.push({ code: "forbidden", message: "you have no access to document d" });
    const ids = ann.insert(5, "!");
    await until("revoked", () => revoked.length > 0);
    expect(revoked).toEqual([{ reason: "forbidden", dropped: ids }]);
    expect(rejected.map((r) => [r.id, r.reason])).toEqual([[ids[0], "forbidden"]]);
    expect([ann.role, ann.text]).toEqual(["none", "Hello"]);
  });

  it("unavailable is sent again after a second, internal after a backoff; same change, committed once", async () => {
    const ann = await open("ann");
    server.faults.push({ code: "unavailable" }, { code: "internal" });
    const t0 = Date.now();
    const ids = ann.insert(0, "Hello");
    await ann.whenSynced();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1000);
    const subs = submitsOf(ids[0]);
    expect(subs.map((s) => s.fault ?? "ok")).toEqual([{ code: "unavailable" }, { code: "internal" }, "ok"]);
    expect(new Set(subs.map((s) => JSON.stringify(s.ids))).size).toBe(1);
    await onceEach(ids);
  });

  it("a submit lost on the way: after ackTimeoutMs the receipt is read (unknown), and the change is submitted again", async () => {
    const ann = await open("ann");
    server.faults.push("lose");
    const ids = ann.insert(0, "Hello");
    await ann.whenSynced();
    expect(server.receiptReads).toContain(ids[0]);
    expect(submitsOf(ids[0]).map((s) => s.fault ?? "ok")).toEqual(["lose", "ok"]);
    await onceEach(ids);
  });

  it("an answer slower than ackTimeoutMs: the receipt says pending, the change waits and is acknowledged by its entry", async () => {
    const ann = await open("ann");
    server.autoSequence = false;
    const ids = ann.insert(0, "Hello");
    await until("the receipt read", () => server.receiptReads.includes(ids[0]));
    expect(ann.hooks.inflight).toEqual(ids);
    server.autoSequence = true;
    await server.sequence();
    await ann.whenSynced();
    expect(submitsOf(ids[0])).toHaveLength(1); // pending: not sent again
    await onceEach(ids);
  });

  it("an answer that never comes after the entries did: the next change goes at once", async () => {
    const ann = await open("ann", { ackTimeoutMs: 60_000 });
    server.faults.push("mute");
    ann.insert(0, "Hello");
    await ann.whenSynced();
    const t0 = Date.now();
    ann.insert(5, "!");
    await ann.whenSynced();
    expect(Date.now() - t0).toBeLessThan(20_000); // far below the 60 s ack timeout it must not wait out
    expect(server.receiptReads).toEqual([]);
    expect(ann.state.text).toBe("Hello!");
  });

  for (const seed of [1, 2, 3]) {
    it(`3 socket clients converge under drops, throttling and lost submits (seed ${seed})`, { timeout: 30_000 }, async () => {
      const r = prng(seed);
      const docs = [await created(), await open("ben", { mergeEdits: false }), await open("cat")];
      const made: string[] = [];
      for (let step = 0; step < 80; step++) {
        const k = r.int(3);
        const roll = r.next();
        if (roll < 0.06) clients[k].hooks.dropConnection();
        else if (roll < 0.12) server.faults.push(r.pick<SubmitFault>(["lose", "drop-before", "drop-after", "mute", { code: "unavailable" }, { code: "internal" }]));
        else {
          const e = randomEdit(r, [...docs[k].text].length);
          made.push(...(e[0] === "insert" ? docs[k].insert(e[1], e[2]) : e[0] === "delete" ? docs[k].delete(e[1], e[2]) : docs[k].format(e[1], e[2], e[3])));
        }
        await new Promise((res) => setTimeout(res, r.int(15)));
      }
      const faulted = server.submits.filter((s) => s.fault).length;
      server.faults.length = 0;
      await Promise.all(docs.map((d) => d.whenSynced()));
      const log: LogEntry[] = await server.entries();
      await until("every client at the head", () => docs.every((d) => d.version === log.length));
      const text = applyEntries(emptyState(), log).text;
      for (const d of docs) {
        expect(d.text).toBe(text);
        expect(d.hooks.mismatches).toBe(0);
      }
      expect(new Set(log.map((e) => e.id)).size).toBe(log.length);
      const committed = new Set(log.map((e) => e.id));
      // Every edit made is committed (split ops commit as pieces `<id>_<k>`) or was emptied by concurrent deletes.
      const emptied = new Set(docs.flatMap((d) => d.hooks.emptied));
      for (const id of made) expect(committed.has(id) || [...committed].some((c) => c.startsWith(`${id}_`)) || emptied.has(id), id).toBe(true);
      expect(clients.reduce((n, c) => n + (c as WeftClient & { posts: number }).posts, 0)).toBe(0);
      expect(faulted).toBeGreaterThan(0);
    });
  }
});
