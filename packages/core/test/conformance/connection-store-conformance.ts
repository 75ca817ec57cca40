import { describe, expect, it } from "vitest";
import type { DocRef } from "../../src/doc-ref.js";
import { PRESENCE_RATE, type RateLimit } from "../../src/live/rate-limit.js";
import type { ConnectionMeta, ConnectionStore } from "../../src/ports/connection-store.js";
import { newDoc, uid } from "./fixtures.js";

/**
 * Presence times. Connection and disconnect times are real (Date.now()): stores may expire
 * old connections and forget old disconnects.
 */
const T0 = 1_760_000_000_000;

/** ConnectionStore contract suite. Every test uses fresh tenants and connection ids. */
export function runConnectionStoreConformance(name: string, factory: () => Promise<ConnectionStore>): void {
  describe(`ConnectionStore conformance: ${name}`, () => {
    const connectedAt = Date.now();
    async function connected(store: ConnectionStore, tenant = uid("t"), userId = uid("u")) {
      const connectionId = uid("c");
      await store.connect({ connectionId, tenant, userId, connectedAt });
      return { connectionId, tenant, userId };
    }
    const docOf = (tenant: string): DocRef => ({ tenant, docId: uid("d") });

    it("connect registers the connection; get returns it with its subscriptions; unknown ids are undefined", async () => {
      const store = await factory();
      const c = await connected(store);
      expect(await store.get(c.connectionId)).toEqual({ ...c, connectedAt, docs: [] });
      const doc = docOf(c.tenant);
      expect(await store.subscribe(c.connectionId, doc, 100)).toBe("ok");
      expect(await store.get(c.connectionId)).toMatchObject({ docs: [doc.docId] });
      expect(await store.get(uid("c"))).toBeUndefined();
    });

    it("subscribe makes the connection a subscriber; a second subscribe is ok and keeps one entry and its presence", async () => {
      const store = await factory();
      const c = await connected(store);
      const doc = docOf(c.tenant);
      expect(await store.subscribers(doc)).toEqual([]);
      expect(await store.subscribe(c.connectionId, doc, 100)).toBe("ok");
      expect(await store.subscribers(doc)).toEqual([{ connectionId: c.connectionId, userId: c.userId, presence: null }]);
      expect(await store.setPresence(c.connectionId, doc, { cursor: 3, name: "Zoë 👋" }, T0, PRESENCE_RATE)).toBe("ok");
      expect(await store.subscribe(c.connectionId, doc, 100)).toBe("ok");
      expect(await store.subscribers(doc)).toEqual([
        { connectionId: c.connectionId, userId: c.userId, presence: { cursor: 3, name: "Zoë 👋" }, presenceAt: T0 },
      ]);
    });

    it("subscribers carry the connection's groups and admin flag and the subscription's since; a resubscribe replaces since", async () => {
      const store = await factory();
      const tenant = uid("t");
      const connectionId = uid("c");
      await store.connect({ connectionId, tenant, userId: "gus", connectedAt, groups: ["design", "ops"], admin: true, tokenExpiresAt: connectedAt + 60_000 });
      const plain = await connected(store, tenant);
      const doc = docOf(tenant);
      expect(await store.subscribe(connectionId, doc, 100, 41)).toBe("ok");
      expect(await store.subscribe(plain.connectionId, doc, 100)).toBe("ok");
      const byId = async () => new Map((await store.subscribers(doc)).map((s) => [s.connectionId, s]));
      expect((await byId()).get(connectionId)).toEqual({ connectionId, userId: "gus", presence: null, groups: ["design", "ops"], admin: true, since: 41 });
      expect((await byId()).get(plain.connectionId)).toEqual({ connectionId: plain.connectionId, userId: plain.userId, presence: null });
      expect(await store.subscribe(connectionId, doc, 100, 57)).toBe("ok");
      expect((await byId()).get(connectionId)?.since).toBe(57);
    });

    it("subscribe of an unknown connection is gone and writes nothing", async () => {
      const store = await factory();
      const doc = newDoc();
      expect(await store.subscribe(uid("c"), doc, 100)).toBe("gone");
      expect(await store.subscribers(doc)).toEqual([]);
    });

    it("subscribers lists every subscriber of that document only: other documents and other tenants are separate", async () => {
      const store = await factory();
      const tenant = uid("t");
      const a = await connected(store, tenant);
      const b = await connected(store, tenant);
      const other = await connected(store);
      const doc = docOf(tenant);
      const sameIdOtherTenant = { tenant: other.tenant, docId: doc.docId };
      await store.subscribe(a.connectionId, doc, 100);
      await store.subscribe(b.connectionId, doc, 100);
      await store.subscribe(b.connectionId, docOf(tenant), 100);
      await store.subscribe(other.connectionId, sameIdOtherTenant, 100);
      const subs = await store.subscribers(doc);
      expect(subs.map((s) => s.connectionId).sort()).toEqual([a.connectionId, b.connectionId].sort());
      expect(await store.subscribers(sameIdOtherTenant)).toEqual([
        { connectionId: other.connectionId, userId: other.userId, presence: null },
      ]);
    });

    it("subscribe refuses more than maxDocs documents with too_many; a document already held still subscribes", async () => {
      const store = await factory();
      const c = await connected(store);
      const docs = [docOf(c.tenant), docOf(c.tenant), docOf(c.tenant)];
      for (const d of docs) expect(await store.subscribe(c.connectionId, d, 3)).toBe("ok");
      const fourth = docOf(c.tenant);
      expect(await store.subscribe(c.connectionId, fourth, 3)).toBe("too_many");
      expect(await store.subscribers(fourth)).toEqual([]);
      expect(await store.subscribe(c.connectionId, docs[1], 3)).toBe("ok");
      await store.unsubscribe(c.connectionId, docs[0]);
      expect(await store.subscribe(c.connectionId, fourth, 3)).toBe("ok");
      expect((await store.get(c.connectionId))?.docs.sort()).toEqual([docs[1].docId, docs[2].docId, fourth.docId].sort());
    });

    it("unsubscribe removes the subscription and returns it; a second unsubscribe returns undefined", async () => {
      const store = await factory();
      const c = await connected(store);
      const doc = docOf(c.tenant);
      await store.subscribe(c.connectionId, doc, 100);
      await store.setPresence(c.connectionId, doc, { sel: [1, 4] }, T0, PRESENCE_RATE);
      expect(await store.unsubscribe(c.connectionId, doc)).toEqual({
        connectionId: c.connectionId,
        userId: c.userId,
        presence: { sel: [1, 4] },
        presenceAt: T0,
      });
      expect(await store.subscribers(doc)).toEqual([]);
      expect((await store.get(c.connectionId))?.docs).toEqual([]);
      expect(await store.unsubscribe(c.connectionId, doc)).toBeUndefined();
      expect(await store.setPresence(c.connectionId, doc, { sel: 1 }, T0, PRESENCE_RATE)).toBe("not_subscribed");
    });

    it("setPresence stores the state of a subscribed connection; null clears it; others are unaffected", async () => {
      const store = await factory();
      const tenant = uid("t");
      const a = await connected(store, tenant);
      const b = await connected(store, tenant);
      const doc = docOf(tenant);
      await store.subscribe(a.connectionId, doc, 100);
      await store.subscribe(b.connectionId, doc, 100);
      expect(await store.setPresence(a.connectionId, doc, { cursor: { pos: 7 } }, T0, PRESENCE_RATE)).toBe("ok");
      const byId = async () => Object.fromEntries((await store.subscribers(doc)).map((s) => [s.connectionId, s.presence]));
      expect(await byId()).toEqual({ [a.connectionId]: { cursor: { pos: 7 } }, [b.connectionId]: null });
      // With when it was set (what a new subscriber's greeting is stamped with); none without a state.
      const at = async () => Object.fromEntries((await store.subscribers(doc)).map((s) => [s.connectionId, s.presenceAt]));
      expect(await at()).toEqual({ [a.connectionId]: T0, [b.connectionId]: undefined });
      expect(await store.setPresence(a.connectionId, doc, null, T0 + 1000, PRESENCE_RATE)).toBe("ok");
      expect(await byId()).toEqual({ [a.connectionId]: null, [b.connectionId]: null });
      expect(await at()).toEqual({ [a.connectionId]: undefined, [b.connectionId]: undefined });
    });

    it("setPresence: not_subscribed for a document the connection is not subscribed to, gone for an unknown connection", async () => {
      const store = await factory();
      const c = await connected(store);
      expect(await store.setPresence(c.connectionId, docOf(c.tenant), { a: 1 }, T0, PRESENCE_RATE)).toBe("not_subscribed");
      expect(await store.setPresence(uid("c"), docOf(c.tenant), { a: 1 }, T0, PRESENCE_RATE)).toBe("gone");
    });

    it("setPresence takes one token per call from the connection's bucket, shared across its documents, refilled over time", async () => {
      const store = await factory();
      const rate: RateLimit = { burst: 4, intervalMs: 100 };
      const c = await connected(store);
      const [d1, d2] = [docOf(c.tenant), docOf(c.tenant)];
      await store.subscribe(c.connectionId, d1, 100);
      await store.subscribe(c.connectionId, d2, 100);
      const results = [];
      for (let i = 0; i < 6; i++) results.push(await store.setPresence(c.connectionId, i % 2 ? d1 : d2, { i }, T0, rate));
      expect(results).toEqual(["ok", "ok", "ok", "ok", "rate_limited", "rate_limited"]);
      // The refused call stored nothing: d1 keeps i = 3.
      expect((await store.subscribers(d1))[0].presence).toEqual({ i: 3 });
      expect(await store.setPresence(c.connectionId, d1, { i: 6 }, T0 + 99, rate)).toBe("rate_limited");
      expect(await store.setPresence(c.connectionId, d1, { i: 7 }, T0 + 100, rate)).toBe("ok");
      expect(await store.setPresence(c.connectionId, d1, { i: 8 }, T0 + 100, rate)).toBe("rate_limited");
      // Idle long enough: the full burst again, not more.
      const later = T0 + 10_000;
      const burst = [];
      for (let i = 0; i < 5; i++) burst.push(await store.setPresence(c.connectionId, d2, { i }, later, rate));
      expect(burst).toEqual(["ok", "ok", "ok", "ok", "rate_limited"]);
      // Another connection has its own bucket.
      const other = await connected(store, c.tenant);
      await store.subscribe(other.connectionId, d1, 100);
      expect(await store.setPresence(other.connectionId, d1, { x: 1 }, later, rate)).toBe("ok");
    });

    it("the bucket is enforced atomically: of many concurrent calls exactly the burst succeeds", async () => {
      const store = await factory();
      const c = await connected(store);
      const doc = docOf(c.tenant);
      await store.subscribe(c.connectionId, doc, 100);
      const results = await Promise.all(
        Array.from({ length: PRESENCE_RATE.burst + 10 }, (_, i) => store.setPresence(c.connectionId, doc, { i }, T0, PRESENCE_RATE)),
      );
      expect(results.filter((r) => r === "ok")).toHaveLength(PRESENCE_RATE.burst);
      expect(results.filter((r) => r === "rate_limited")).toHaveLength(10);
    });

    it("disconnect removes the connection and all its subscriptions and returns them; a second disconnect returns []", async () => {
      const store = await factory();
      const tenant = uid("t");
      const c = await connected(store, tenant);
      const stay = await connected(store, tenant);
      const [d1, d2] = [docOf(tenant), docOf(tenant)];
      await store.subscribe(c.connectionId, d1, 100);
      await store.subscribe(c.connectionId, d2, 100);
      await store.subscribe(stay.connectionId, d1, 100);
      await store.setPresence(c.connectionId, d2, { here: true }, T0, PRESENCE_RATE);
      const removed = await store.disconnect(c.connectionId);
      expect(removed.sort((x, y) => x.doc.docId.localeCompare(y.doc.docId))).toEqual(
        [
          { doc: d1, connectionId: c.connectionId, userId: c.userId, presence: null },
          { doc: d2, connectionId: c.connectionId, userId: c.userId, presence: { here: true }, presenceAt: T0 },
        ].sort((x, y) => x.doc.docId.localeCompare(y.doc.docId)),
      );
      expect(await store.get(c.connectionId)).toBeUndefined();
      expect((await store.subscribers(d1)).map((s) => s.connectionId)).toEqual([stay.connectionId]);
      expect(await store.subscribers(d2)).toEqual([]);
      expect(await store.disconnect(c.connectionId)).toEqual([]);
      expect(await store.subscribe(c.connectionId, d1, 100)).toBe("gone");
      expect(await store.disconnect(uid("c"))).toEqual([]);
    });

    describe("userPresence", () => {
      const sorted = (p: { connections: ConnectionMeta[] }) =>
        p.connections.map((c) => ({ ...c, docs: [...c.docs].sort() })).sort((x, y) => x.connectionId.localeCompare(y.connectionId));

      it("lists each live connection of the user in that tenant with its documents; a user never seen has none and no lastDisconnectAt", async () => {
        const store = await factory();
        const tenant = uid("t");
        const userId = uid("u");
        expect(await store.userPresence(tenant, userId)).toEqual({ connections: [] });
        const a = await connected(store, tenant, userId);
        const b = await connected(store, tenant, userId);
        await connected(store, tenant); // another user of the tenant
        const [d1, d2, d3] = [docOf(tenant), docOf(tenant), docOf(tenant)];
        await store.subscribe(a.connectionId, d1, 100);
        await store.subscribe(a.connectionId, d2, 100);
        await store.subscribe(b.connectionId, d2, 100);
        await store.subscribe(b.connectionId, d3, 100);
        await store.unsubscribe(b.connectionId, d3);
        const presence = await store.userPresence(tenant, userId);
        expect(presence.lastDisconnectAt).toBeUndefined();
        expect(sorted(presence)).toEqual(
          sorted({
            connections: [
              { ...a, connectedAt, docs: [d1.docId, d2.docId] },
              { ...b, connectedAt, docs: [d2.docId] },
            ],
          }),
        );
      });

      it("a disconnect that resolved is not listed and sets lastDisconnectAt to its now; only a later now raises it", async () => {
        const store = await factory();
        const tenant = uid("t");
        const userId = uid("u");
        const [a, b, c] = [await connected(store, tenant, userId), await connected(store, tenant, userId), await connected(store, tenant, userId)];
        const now = Date.now();
        await store.subscribe(a.connectionId, docOf(tenant), 100);
        await store.disconnect(a.connectionId, [], now);
        let presence = await store.userPresence(tenant, userId);
        expect(presence.lastDisconnectAt).toBe(now);
        expect(presence.connections.map((x) => x.connectionId).sort()).toEqual([b.connectionId, c.connectionId].sort());
        // An earlier time (a slower disconnect finishing late) does not lower it.
        await store.disconnect(b.connectionId, [], now - 5000);
        presence = await store.userPresence(tenant, userId);
        expect(presence).toEqual({ connections: [{ ...c, connectedAt, docs: [] }], lastDisconnectAt: now });
        // Disconnecting an id again, or an unknown id, records nothing.
        await store.disconnect(a.connectionId, [], now + 9000);
        await store.disconnect(uid("c"), [], now + 9000);
        expect((await store.userPresence(tenant, userId)).lastDisconnectAt).toBe(now);
        await store.disconnect(c.connectionId, [], now + 1000);
        expect(await store.userPresence(tenant, userId)).toEqual({ connections: [], lastDisconnectAt: now + 1000 });
        // Connecting again lists the new connection and keeps the last disconnect.
        const d = await connected(store, tenant, userId);
        expect(await store.userPresence(tenant, userId)).toEqual({ connections: [{ ...d, connectedAt, docs: [] }], lastDisconnectAt: now + 1000 });
      });

      it("without a now, disconnect records the current time", async () => {
        const store = await factory();
        const c = await connected(store);
        const before = Date.now();
        await store.disconnect(c.connectionId);
        const after = Date.now();
        const { connections, lastDisconnectAt } = await store.userPresence(c.tenant, c.userId);
        expect(connections).toEqual([]);
        expect(lastDisconnectAt).toBeGreaterThanOrEqual(before);
        expect(lastDisconnectAt).toBeLessThanOrEqual(after);
      });

      it("is tenant-isolated: the same user id in another tenant has its own connections and last disconnect", async () => {
        const store = await factory();
        const userId = uid("u");
        const [t1, t2] = [uid("t"), uid("t")];
        const one = await connected(store, t1, userId);
        const two = await connected(store, t2, userId);
        const gone = await connected(store, t2, userId);
        const now = Date.now();
        await store.disconnect(gone.connectionId, [], now);
        expect(await store.userPresence(t1, userId)).toEqual({ connections: [{ ...one, connectedAt, docs: [] }] });
        expect(await store.userPresence(t2, userId)).toEqual({ connections: [{ ...two, connectedAt, docs: [] }], lastDisconnectAt: now });
        expect(await store.userPresence(uid("t"), userId)).toEqual({ connections: [] });
      });

      it("concurrent connects and disconnects of one user: exactly the survivors are listed, lastDisconnectAt is the latest now", async () => {
        const store = await factory();
        const tenant = uid("t");
        const userId = uid("u");
        const base = Date.now();
        const early = await Promise.all(Array.from({ length: 6 }, () => connected(store, tenant, userId)));
        const ids = early.map((c) => c.connectionId);
        const late: string[] = [];
        await Promise.all([
          ...ids.slice(0, 4).map((id, i) => store.disconnect(id, [], base + [30, 10, 40, 20][i])),
          ...Array.from({ length: 3 }, async () => late.push((await connected(store, tenant, userId)).connectionId)),
          ...ids.slice(4).map((id) => store.subscribe(id, docOf(tenant), 100)),
        ]);
        const presence = await store.userPresence(tenant, userId);
        expect(presence.lastDisconnectAt).toBe(base + 40);
        expect(presence.connections.map((c) => c.connectionId).sort()).toEqual([...ids.slice(4), ...late].sort());
        expect(presence.connections.filter((c) => c.docs.length === 1).map((c) => c.connectionId).sort()).toEqual(ids.slice(4).sort());
      });
    });

    it("a subscribe racing a disconnect leaves nothing once disconnect is called with that document", async () => {
      const store = await factory();
      const tenant = uid("t");
      for (let round = 0; round < 8; round++) {
        const c = await connected(store, tenant);
        const doc = docOf(tenant);
        await Promise.all([store.subscribe(c.connectionId, doc, 100), store.disconnect(c.connectionId)]);
        await store.disconnect(c.connectionId, [doc]);
        expect(await store.subscribers(doc)).toEqual([]);
        expect(await store.get(c.connectionId)).toBeUndefined();
      }
    });
  });
}
