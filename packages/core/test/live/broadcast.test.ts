import { describe, expect, it } from "vitest";
import { broadcast, notifyRejected } from "../../src/live/broadcast.js";
import { postAll } from "../../src/live/fanout.js";
import { onMessage } from "../../src/live/session.js";
import type { Gateway } from "../../src/ports/gateway.js";
import type { Rejection } from "../../src/ports/records.js";
import { proseEntries, smallEntries } from "../conformance/fixtures.js";
import { liveHarness, seqsOf } from "./live-harness.js";

const subscribe = (h: ReturnType<typeof liveHarness>, c: Parameters<typeof onMessage>[1], docId: string) =>
  onMessage(h.deps, c, JSON.stringify({ action: "subscribe", docId }));

describe("broadcast", () => {
  it("sends the entries, packed, to every subscriber of that document of that tenant only", async () => {
    const h = liveHarness();
    const doc = h.doc("shared");
    const [a, b, elsewhere] = [await h.connect(), await h.connect(), await h.connect()];
    const otherTenant = await h.connect("eve", "other-tenant");
    for (const x of [a, b]) await subscribe(h, x, "shared");
    await subscribe(h, elsewhere, "another");
    await subscribe(h, otherTenant, "shared");
    for (const x of [a, b, elsewhere, otherTenant]) h.fresh(x);
    const entries = proseEntries(1, 70);
    const r = await broadcast(h.deps, doc, entries);
    expect(r).toEqual({ subscribers: 2, messages: 3, gone: 0, revoked: 0 });
    for (const x of [a, b]) {
      const got = h.fresh(x);
      expect(got).toHaveLength(3);
      expect(got.flatMap((m) => m.ops)).toEqual(entries);
    }
    expect(h.fresh(elsewhere)).toEqual([]);
    expect(h.fresh(otherTenant)).toEqual([]);
  });

  it("nothing to do without subscribers or entries", async () => {
    const h = liveHarness();
    expect(await broadcast(h.deps, h.doc(), smallEntries(1, 3))).toEqual({ subscribers: 0, messages: 0, gone: 0, revoked: 0 });
    expect(await broadcast(h.deps, h.doc(), [])).toEqual({ subscribers: 0, messages: 0, gone: 0, revoked: 0 });
  });

  it("a gone connection is removed with all its subscriptions; the others of the doc see its leave", async () => {
    const h = liveHarness();
    const doc = h.doc();
    const [a, b] = [await h.connect("ann"), await h.connect("bob")];
    for (const x of [a, b]) await subscribe(h, x, doc.docId);
    await subscribe(h, b, "second");
    await onMessage(h.deps, b, JSON.stringify({ action: "presence", docId: doc.docId, state: { c: 1 } }));
    h.fresh(a);
    h.gateway.markGone(b.connectionId);
    const r = await broadcast(h.deps, doc, smallEntries(1, 2));
    expect(r.gone).toBe(1);
    const got = h.fresh(a);
    expect(seqsOf(got)).toEqual([1, 2]);
    expect(got.at(-1)).toEqual({ type: "presence", docId: doc.docId, userId: "bob", connectionId: b.connectionId, state: null, at: expect.any(Number) });
    expect(await h.deps.connections.get(b.connectionId)).toBeUndefined();
    expect(await h.deps.connections.subscribers(h.doc("second"))).toEqual([]);
  });
});

describe("notifyRejected", () => {
  it("tells the submitter's connections subscribed to the document, and no one else", async () => {
    const h = liveHarness();
    const doc = h.doc();
    const [mine1, mine2, notSubscribed, other] = [await h.connect("ann"), await h.connect("ann"), await h.connect("ann"), await h.connect("bob")];
    for (const x of [mine1, mine2, other]) await subscribe(h, x, doc.docId);
    await subscribe(h, notSubscribed, "elsewhere");
    for (const x of [mine1, mine2, notSubscribed, other]) h.fresh(x);
    const rejection = (opId: string, userId: string): Rejection => ({
      opId, clientId: "c", userId, clientSeq: 1, reason: "position_out_of_range", message: "m", at: 0,
    });
    const told = await notifyRejected(h.deps, doc, [rejection("op-1", "ann"), rejection("op-2", "ann"), rejection("op-3", "zed")]);
    expect(told).toBe(2);
    for (const x of [mine1, mine2]) {
      expect(h.fresh(x)).toEqual([
        { type: "rejected", docId: doc.docId, id: "op-1", reason: "position_out_of_range" },
        { type: "rejected", docId: doc.docId, id: "op-2", reason: "position_out_of_range" },
      ]);
    }
    expect(h.fresh(notSubscribed)).toEqual([]);
    expect(h.fresh(other)).toEqual([]);
  });
});

describe("postAll", () => {
  it("keeps each connection's order, bounds concurrency, stops at gone, and reports other failures", async () => {
    let inFlight = 0;
    let peak = 0;
    const log: string[] = [];
    const gateway: Gateway = {
      async post(id, data) {
        inFlight++;
        peak = Math.max(peak, inFlight);
        await new Promise((r) => setTimeout(r, Math.random() * 3));
        inFlight--;
        if (id === "gone") return "gone";
        if (id === "broken") throw new Error("boom");
        log.push(`${id}:${data}`);
        return "ok";
      },
      close: async () => "ok",
    };
    const targets = Array.from({ length: 20 }, (_, i) => ({ connectionId: `c${i}`, messages: ["1", "2", "3"] }));
    const gone = await postAll(gateway, [...targets, { connectionId: "gone", messages: ["1", "2"] }], 4);
    expect(gone).toEqual(["gone"]);
    expect(peak).toBeLessThanOrEqual(4);
    for (let i = 0; i < 20; i++) expect(log.filter((l) => l.startsWith(`c${i}:`))).toEqual([`c${i}:1`, `c${i}:2`, `c${i}:3`]);
    await expect(postAll(gateway, [{ connectionId: "broken", messages: ["x"] }, ...targets], 2)).rejects.toThrow("boom");
  });
});
