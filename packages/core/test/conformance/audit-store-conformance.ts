import { describe, expect, it } from "vitest";
import type { AccessEvent } from "../../src/audit/access-events.js";
import type { DocRef } from "../../src/doc-ref.js";
import type { AuditStore } from "../../src/ports/audit-store.js";
import { newDoc, uid } from "./fixtures.js";

const T0 = 1_760_000_000_000;

/** One event of each kind, at T0 + dt, with the given id suffix and user. */
function events(dt: number, n: string, userId = "ann"): AccessEvent[] {
  const at = T0 + dt;
  return [
    {
      id: `rejected.c-${n}.op-${n}`,
      at,
      userId,
      kind: "rejected",
      reason: "forbidden",
      opId: `op-${n}`,
      clientId: `c-${n}`,
      ops: 2,
      message: `op op-${n}: insert needs the editor role; ${userId} has the viewer role, it needs editor`,
    },
    {
      id: `refused.${n}`,
      at,
      userId,
      kind: "refused",
      action: "submit ops",
      reason: "role too low, needs editor",
      opId: `o-${n}`,
      message: "op o: insert needs the editor role; you have the viewer role",
    },
    { id: `override.${n}`, at, userId, kind: "override", action: "read log" },
  ];
}

/** Every access event page, following `next`. */
async function accessPages(store: AuditStore, doc: DocRef, limit: number, q: { since?: number; userId?: string } = {}): Promise<AccessEvent[][]> {
  const out: AccessEvent[][] = [];
  let after: { at: number; id: string } | undefined;
  for (;;) {
    const page = await store.accessEvents(doc, { ...q, after, limit });
    out.push(page.events);
    if (page.next === undefined || out.length > 200) return out;
    after = page.next;
  }
}

/** Sorted by (at, id), as accessEvents answers. */
function ordered(es: AccessEvent[]): AccessEvent[] {
  return [...es].sort((a, b) => a.at - b.at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/**
 * AuditStore contract suite (access events: the per-op records are derived from the log and
 * tested with it, core test/audit). `factory` may return stores sharing one backing table:
 * tests use fresh documents and tenants.
 */
export function runAuditStoreConformance(name: string, factory: () => Promise<AuditStore>): void {
  describe(`AuditStore conformance: ${name}`, () => {
    it("access events: an unknown document has none; every kind round-trips deep-equal in (at, id) order", async () => {
      const store = await factory();
      const doc = newDoc();
      expect(await store.accessEvents(doc, { limit: 10 })).toEqual({ events: [] });
      const later = events(5, "b", "bob");
      const earlier = events(0, "a");
      await store.putAccessEvents(doc, later);
      await store.putAccessEvents(doc, earlier);
      await store.putAccessEvents(doc, []);
      expect(await store.accessEvents(doc, { limit: 100 })).toEqual({ events: ordered([...earlier, ...later]) });
    });

    it("putAccessEvents is idempotent per (at, id): a retried write, even with other fields, adds nothing", async () => {
      const store = await factory();
      const doc = newDoc();
      const first = events(0, "a");
      await store.putAccessEvents(doc, first);
      await store.putAccessEvents(doc, structuredClone(first));
      const altered = structuredClone(first).map((e) => ({ ...e, userId: "mallory" }));
      await store.putAccessEvents(doc, altered);
      // The same id at another time is another event.
      const moved = { ...first[2], at: first[2].at + 1 };
      await store.putAccessEvents(doc, [moved]);
      expect((await store.accessEvents(doc, { limit: 100 })).events).toEqual(ordered([...first, moved]));
    });

    it("refuses events with a bad id or time, storing nothing of the call", async () => {
      const store = await factory();
      const doc = newDoc();
      const good = events(0, "a");
      for (const bad of [{ ...good[2], id: "has space" }, { ...good[2], id: "" }, { ...good[2], id: "x#y" }, { ...good[2], at: -1 }, { ...good[2], at: 1.5 }]) {
        await expect(store.putAccessEvents(doc, [...good, bad])).rejects.toThrow(/access event/);
      }
      expect(await store.accessEvents(doc, { limit: 10 })).toEqual({ events: [] });
    });

    it("pages access events by since, after and limit, with next only while more exist", async () => {
      const store = await factory();
      const doc = newDoc();
      // 4 instants x 3 kinds; ids at one instant order as strings.
      const all = ordered([...events(30, "d"), ...events(10, "b"), ...events(0, "a"), ...events(20, "c")]);
      await store.putAccessEvents(doc, all.slice(6));
      await store.putAccessEvents(doc, all.slice(0, 6));
      const paged = await accessPages(store, doc, 5);
      expect(paged.map((p) => p.length)).toEqual([5, 5, 2]);
      expect(paged.flat()).toEqual(all);
      for (const since of [0, T0, T0 + 10, T0 + 11, T0 + 30, T0 + 31]) {
        const expected = all.filter((e) => e.at >= since);
        const page = await store.accessEvents(doc, { since, limit: 4 });
        expect(page.events).toEqual(expected.slice(0, 4));
        expect(page.next).toEqual(expected.length > 4 ? { at: expected[3].at, id: expected[3].id } : undefined);
        expect((await accessPages(store, doc, 2, { since })).flat()).toEqual(expected);
      }
      // after wins over an earlier since; since wins over an earlier after; a page ending on the last event has no next.
      expect((await store.accessEvents(doc, { since: 0, after: { at: all[7].at, id: all[7].id }, limit: 100 })).events).toEqual(all.slice(8));
      expect((await store.accessEvents(doc, { since: T0 + 30, after: { at: all[1].at, id: all[1].id }, limit: 100 })).events).toEqual(all.slice(9));
      expect(await store.accessEvents(doc, { after: { at: all[8].at, id: all[8].id }, limit: 3 })).toEqual({ events: all.slice(9) });
      // A cursor that names no stored event still orders ("override.b" < "q.none" < "refused.b").
      const between = await store.accessEvents(doc, { after: { at: T0 + 10, id: "q.none" }, limit: 100 });
      expect(between.events).toEqual(all.filter((e) => e.at > T0 + 10 || (e.at === T0 + 10 && e.id > "q.none")));
      expect(between.events[0].id).toBe("refused.b");
    });

    it("filters access events by userId, paging only that user's", async () => {
      const store = await factory();
      const doc = newDoc();
      await store.putAccessEvents(doc, [...events(0, "a", "ann"), ...events(1, "b", "bob"), ...events(2, "c", "ann"), ...events(3, "d", "an")]);
      const anns = await accessPages(store, doc, 2, { userId: "ann" });
      expect(anns.map((p) => p.length)).toEqual([2, 2, 2]);
      expect(anns.flat().every((e) => e.userId === "ann")).toBe(true);
      expect(await store.accessEvents(doc, { limit: 10, userId: "nobody" })).toEqual({ events: [] });
      expect((await store.accessEvents(doc, { limit: 10, userId: "bob" })).events).toEqual(ordered(events(1, "b", "bob")));
    });

    it("isolates access events by document and tenant", async () => {
      const store = await factory();
      const docId = uid("d");
      const a: DocRef = { tenant: uid("t"), docId };
      const b: DocRef = { tenant: uid("t"), docId };
      await store.putAccessEvents(a, events(0, "a", "alice"));
      await store.putAccessEvents(b, events(0, "a", "bert"));
      expect((await store.accessEvents(a, { limit: 10 })).events.map((e) => e.userId)).toEqual(["alice", "alice", "alice"]);
      expect((await store.accessEvents(b, { limit: 10 })).events.map((e) => e.userId)).toEqual(["bert", "bert", "bert"]);
      expect(await store.accessEvents(newDoc(a.tenant), { limit: 10 })).toEqual({ events: [] });
    });
  });
}
