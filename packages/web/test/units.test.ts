import { describe, expect, it } from "vitest";
import { applyEntries, emptyState, materialize, type LogEntry } from "@weft/core";
import { sendablePieces } from "../src/engine/canonical.js";
import { mergeInto } from "../src/engine/merge.js";
import { OtEngine } from "../src/engine/ot-engine.js";
import { mapThroughOps } from "../src/edits/map-position.js";
import { backoffDelay } from "../src/net/backoff.js";
import { expiryOf, TokenSource } from "../src/net/tokens.js";
import { EntryBuffer } from "../src/sync/entry-buffer.js";
import { OutboxWriter, parseRecord, recordOf } from "../src/sync/outbox.js";
import { MemoryStorage } from "../src/index.js";
import { MemoryServer } from "./memory-server.js";

const entry = (seq: number, id = `e${seq}`): LogEntry =>
  ({ seq, id, clientId: "x", clientSeq: seq, userId: "u", serverTs: 0, type: "insert", pos: 0, text: "a" }) as LogEntry;

describe("EntryBuffer", () => {
  it("hands out entries in seq order once contiguous, dropping repeats and applied ones", () => {
    const b = new EntryBuffer(2);
    b.add([entry(5), entry(3), entry(2), entry(3)]);
    expect(b.contiguous).toBe(3);
    expect(b.hasGap).toBe(true);
    expect(b.take().map((e) => e.seq)).toEqual([3]);
    b.add([entry(4), entry(6)]);
    expect(b.take(5).map((e) => e.seq)).toEqual([4, 5]);
    expect(b.peek().map((e) => e.seq)).toEqual([6]);
    b.knowHead(9);
    expect(b.hasGap).toBe(true);
    expect(b.take().map((e) => e.seq)).toEqual([6]);
    expect(b.version).toBe(6);
  });
});

describe("OtEngine", () => {
  const state = (text: string) => applyEntries(emptyState(), [{ ...entry(1), text } as LogEntry]);

  it("a rejected in-flight change is undone and the pending ops rebased past its inverse", () => {
    const e = new OtEngine("c", state("hello"));
    e.edit({ type: "insert", pos: 5, text: " world" });
    e.cut();
    e.edit({ type: "insert", pos: 11, text: "!" });
    expect(e.text).toBe("hello world!");
    expect(e.dropInflight().map((l) => l.id)).toEqual(["c-1"]);
    expect(e.text).toBe("hello!");
    expect(e.pending.map((l) => l.op)).toEqual([{ type: "insert", pos: 5, text: "!" }]);

    const d = new OtEngine("d", state("abcdef"));
    d.edit({ type: "delete", pos: 1, len: 2 });
    d.cut();
    d.edit({ type: "insert", pos: 1, text: "X" }); // typed where "bc" was
    d.dropInflight();
    expect(d.text).toBe("abcXdef");
  });

  it("a restored outbox is rebased past the entries committed since it was saved", async () => {
    const server = new MemoryServer();
    const a = new OtEngine("a", emptyState());
    a.edit({ type: "insert", pos: 0, text: "abc" });
    await server.post(a.cut()!);
    a.edit({ type: "insert", pos: 3, text: "!" }); // pending
    const saved = parseRecord(JSON.stringify(recordOf(a)))!;
    const b = new OtEngine("b", emptyState());
    b.edit({ type: "insert", pos: 0, text: "XY" });
    await server.post(b.cut()!);
    await server.sequence(); // a's change and b's both committed; a never saw either

    const log = await server.entries();
    const restored = new OtEngine(saved.clientId, materialize(log), saved);
    restored.rebaseOnly(log.slice(saved.version));
    expect(restored.inflight).toBeNull(); // its ack was among the entries
    expect(restored.text).toBe(`${materialize(log).text}!`);
    await server.post(restored.cut()!);
    await server.sequence();
    expect(materialize(await server.entries()).text).toBe(restored.text);
  });

  it("cut splits ops that concurrent inserts split, and drops ops concurrent deletes emptied", () => {
    expect(sendablePieces({ id: "c-7", op: { type: "delete", pos: 2, len: 9, ranges: [{ pos: 2, len: 3 }, { pos: 8, len: 3 }] } })).toEqual([
      { id: "c-7", op: { type: "delete", pos: 2, len: 3 }, ts: undefined },
      { id: "c-7_1", op: { type: "delete", pos: 5, len: 3 }, ts: undefined },
    ]);
    expect(sendablePieces({ id: "c-8", op: { type: "format", pos: 4, len: 0, attrs: { b: true } } })).toEqual([]);
  });

  it("merges typing and backspacing into one op", () => {
    expect(mergeInto({ type: "insert", pos: 3, text: "ab" }, { type: "insert", pos: 5, text: "c" })).toEqual({ type: "insert", pos: 3, text: "abc" });
    expect(mergeInto({ type: "insert", pos: 3, text: "ab" }, { type: "insert", pos: 4, text: "🌍" })).toEqual({ type: "insert", pos: 3, text: "a🌍b" });
    expect(mergeInto({ type: "insert", pos: 3, text: "ab" }, { type: "insert", pos: 6, text: "c" })).toBeNull();
    expect(mergeInto({ type: "delete", pos: 5, len: 1 }, { type: "delete", pos: 4, len: 1 })).toEqual({ type: "delete", pos: 4, len: 2 });
    expect(mergeInto({ type: "delete", pos: 5, len: 1 }, { type: "delete", pos: 5, len: 2 })).toEqual({ type: "delete", pos: 5, len: 3 });
  });
});

describe("small helpers", () => {
  it("maps positions through inserts (caret pushed only by local ones) and deletes", () => {
    const ops = [{ type: "insert", pos: 2, text: "xy" }, { type: "delete", pos: 0, len: 1 }] as const;
    expect([0, 1, 2, 3].map((p) => mapThroughOps(p, [...ops], true))).toEqual([0, 0, 3, 4]);
    expect([0, 1, 2, 3].map((p) => mapThroughOps(p, [...ops], false))).toEqual([0, 0, 1, 4]);
    expect(mapThroughOps(6, [{ type: "delete", pos: 1, len: 9, ranges: [{ pos: 1, len: 2 }, { pos: 7, len: 3 }] }], false)).toBe(4);
  });

  it("backoff grows exponentially to its cap with jitter in [50%, 100%]", () => {
    expect(backoffDelay(1, 100, 1000, () => 0)).toBe(50);
    expect(backoffDelay(3, 100, 1000, () => 1)).toBe(400);
    expect(backoffDelay(30, 100, 1000, () => 1)).toBe(1000);
  });

  it("reads a JWT's expiry and renews a token before it lapses", async () => {
    const jwt = (exp: number) => `h.${btoa(JSON.stringify({ exp })).replace(/=+$/, "")}.s`;
    expect(expiryOf(jwt(2_000_000_000))).toBe(2_000_000_000_000);
    expect(expiryOf("opaque-token")).toBe(Infinity);
    let n = 0;
    const soon = Math.floor(Date.now() / 1000) + 2;
    const tokens = new TokenSource(() => jwt(soon + n++));
    const first = await tokens.get();
    expect(await tokens.get()).toBe(first); // fresh: reused
    await new Promise((r) => setTimeout(r, 1600)); // past 3/4 of its life
    expect(await tokens.get()).not.toBe(first);
    tokens.invalidate();
    await tokens.get();
    expect(tokens.calls).toBe(3);
  });

  it("the outbox writer coalesces writes and flush waits for the newest", async () => {
    const storage = new MemoryStorage();
    let writes = 0;
    const slow = { ...storage, get: storage.get.bind(storage), delete: storage.delete.bind(storage), set: async (k: string, v: string) => { writes++; await new Promise((r) => setTimeout(r, 20)); await storage.set(k, v); } };
    let value = 0;
    const w = new OutboxWriter(slow, "k", () => String(value), () => {});
    for (value = 1; value <= 50; value++) w.schedule();
    await w.flush();
    expect(await storage.get("k")).toBe("51");
    expect(writes).toBeLessThanOrEqual(2);
  });
});
