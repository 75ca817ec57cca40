import WebSocket from "ws";
import { describe, expect, it } from "vitest";
import { freshDoc, stackUrl, token } from "../../../test/e2e/http.js";
import { createClient, type PresencePeer, type WeftClient } from "../src/index.js";
import { closedAfterEach, refusal, shareAs, until } from "./stack-client.js";

const makeClient = closedAfterEach();
const client = (user: string): WeftClient => makeClient({ user });

describe("presence through the SDK (local stack)", () => {
  it("peers see each other's state, cursors move with local edits, throttling stays within the rate limit, leave removes", async () => {
    const docId = freshDoc("presence");
    await shareAs("ann", docId, { userId: "ben" }, "editor"); // ann owns it, ben edits too
    const a = client("ann");
    const b = client("ben");
    const errors: unknown[] = [];
    a.on("error", (e) => errors.push(e));
    const da = a.doc(docId);
    const db = b.doc(docId);
    await Promise.all([da.ready, db.ready]);
    da.insert(0, "hello world");
    await da.whenSynced();
    await until("ben has the text", () => db.text === "hello world");

    const seen: Array<Map<string, PresencePeer>> = [];
    db.on("presence", (p) => seen.push(p));
    // 60 updates in a burst: throttled to about 10/s, the last one wins.
    for (let i = 0; i <= 60; i++) da.setPresence({ cursor: i % 11, name: "Ann", color: "#e33" });
    da.setPresence({ cursor: 6, name: "Ann", color: "#e33" });
    await until("ben seeing Ann's last cursor", () => [...db.presence.values()].some((p) => p.userId === "ann" && p.state.cursor === 6));
    expect(errors.filter((e) => (e as { code?: string }).code === "rate_limited")).toEqual([]);
    expect(seen.length).toBeLessThan(20);

    // Ben types before Ann's cursor: in his view her cursor moves with the text.
    db.insert(0, ">> ");
    const ann = () => [...db.presence.values()].find((p) => p.userId === "ann");
    expect(ann()?.state.cursor).toBe(9);

    da.setPresence(null);
    await until("Ann gone from Ben's peers", () => ann() === undefined);
    da.setPresence({ cursor: 1 });
    await until("Ann back", () => ann()?.state.cursor === 1);
    da.close();
    await until("Ann's leave on close", () => ann() === undefined);
  });
});

describe("bad input gets a clear error with a stable code", () => {
  it("document methods, presence, doc ids and options", async () => {
    const c = client("carl");
    const doc = c.doc(freshDoc("input"));
    expect(() => doc.insert(0, "x")).toThrow(/not loaded yet/);
    await doc.ready;
    doc.insert(0, "abc");
    expect(refusal(() => doc.insert(-1, "x"))).toMatch(/^invalid_request: insert.pos: expected an integer >= 0/);
    expect(refusal(() => doc.insert(4, "x"))).toMatch(/^invalid_request: insert.pos: 4 is beyond the document end \(3 code points\)/);
    expect(refusal(() => doc.insert(1.5, "x"))).toMatch(/^invalid_request: insert.pos/);
    expect(refusal(() => doc.insert(0, "\uD800"))).toMatch(/lone UTF-16 surrogate/);
    expect(refusal(() => doc.insert(0, 5 as unknown as string))).toMatch(/insert.text: expected a string/);
    expect(refusal(() => doc.delete(2, 2))).toMatch(/^invalid_request: delete: 2..4 is beyond the document end/);
    expect(refusal(() => doc.format(0, 1, {}))).toMatch(/format.attrs: must have 1..32 keys/);
    expect(refusal(() => doc.format(0, 1, { "bad key": 1 }))).toMatch(/attr keys must match/);
    expect(refusal(() => doc.format(0, 1, { a: { nested: 1 } as unknown as string }))).toMatch(/attr values are flat/);
    expect(refusal(() => doc.comment("bad id!", "hi"))).toMatch(/comment.threadId/);
    expect(refusal(() => doc.comment("t1", ""))).toMatch(/comment.body: must be 1..8192 UTF-8 bytes/);
    expect(refusal(() => doc.comment("t1", "hi", { mentions: ["u1", "u1"] }))).toMatch(/must not repeat/);
    expect(refusal(() => doc.comment("t1", "hi", { anchor: { pos: 2, len: 5 } }))).toMatch(/comment.anchor/);
    expect(refusal(() => doc.setPresence({ blob: "x".repeat(2000) }))).toMatch(/^payload_too_large: presence state is \d+ bytes/);
    expect(refusal(() => doc.setPresence([] as unknown as Record<string, unknown>))).toMatch(/^invalid_request: presence state must be a JSON object/);
    expect(refusal(() => c.doc("no spaces allowed"))).toMatch(/^invalid_request: docId must match/);
    const base = { url: stackUrl(), wsUrl: stackUrl().replace(/^http/, "ws") + "/ws", getToken: () => token() };
    expect(refusal(() => createClient(base))).toMatch(/^invalid_request: createClient: WebSocket is required/);
    const WS = WebSocket as never;
    expect(refusal(() => createClient({ ...base, WebSocket: WS, url: "ftp://x" }))).toMatch(/createClient: url must be an http\(s\) URL/);
    expect(refusal(() => createClient({ ...base, WebSocket: WS, clientId: "x".repeat(41) }))).toMatch(/createClient: clientId must match/);

    // Valid edits of every kind go through; empty ones are no-ops.
    expect(doc.insert(0, "")).toEqual([]);
    expect(doc.delete(1, 0)).toEqual([]);
    doc.format(0, 2, { bold: true });
    doc.comment("t1", "looks good", { anchor: { pos: 0, len: 3 }, mentions: ["dana"] });
    await doc.whenSynced();
    expect(doc.state.threads.t1.comments[0]).toMatchObject({ body: "looks good", userId: "carl", mentions: ["dana"] });
    expect(doc.state.spans[0]).toEqual({ text: "ab", attrs: { bold: true } });
  });
});
