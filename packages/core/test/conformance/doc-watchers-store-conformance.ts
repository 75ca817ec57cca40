import { describe, expect, it } from "vitest";
import type { DocWatchersStore } from "../../src/notify/sources/doc-watchers-store.js";
import { newDoc } from "./fixtures.js";

/** DocWatchersStore contract suite; `factory` may share one backing table (tests use fresh documents). */
export function runDocWatchersStoreConformance(name: string, factory: () => Promise<DocWatchersStore>): void {
  describe(`DocWatchersStore conformance: ${name}`, () => {
    it("stores, replaces and lists watchers by userId in pages", async () => {
      const store = await factory();
      const doc = newDoc();
      expect(await store.list(doc, { limit: 10 })).toEqual({ watchers: [] });
      await store.put(doc, [
        { userId: "carol", since: 3 },
        { userId: "alice", since: 1, editsNotifiedAt: 5 },
        { userId: "bob", since: 2 },
      ]);
      await store.put(doc, [{ userId: "bob", since: 2, editsNotifiedAt: 9 }]);
      await store.put(doc, [{ userId: "bob", since: 2, editsNotifiedAt: 9 }]);
      const first = await store.list(doc, { limit: 2 });
      expect(first.watchers).toEqual([
        { userId: "alice", since: 1, editsNotifiedAt: 5 },
        { userId: "bob", since: 2, editsNotifiedAt: 9 },
      ]);
      expect(first.cursor).toBeDefined();
      const rest = await store.list(doc, { limit: 2, cursor: first.cursor });
      expect(rest.watchers).toEqual([{ userId: "carol", since: 3 }]);
      expect(rest.cursor).toBeUndefined();
    });

    it("removes watchers (idempotent, unknown ids skipped); a later put stores them again", async () => {
      const store = await factory();
      const doc = newDoc();
      await store.put(doc, [{ userId: "alice", since: 1 }, { userId: "bob", since: 2, editsNotifiedAt: 4 }, { userId: "carol", since: 3 }]);
      await store.remove(doc, ["bob", "nobody"]);
      await store.remove(doc, ["bob"]);
      expect((await store.list(doc, { limit: 10 })).watchers.map((w) => w.userId)).toEqual(["alice", "carol"]);
      await store.remove({ tenant: `${doc.tenant}x`, docId: doc.docId }, ["alice"]);
      await store.put(doc, [{ userId: "bob", since: 7 }]);
      expect((await store.list(doc, { limit: 10 })).watchers).toEqual([{ userId: "alice", since: 1 }, { userId: "bob", since: 7 }, { userId: "carol", since: 3 }]);
    });

    it("claims an editor's edit notice once per window, atomically, keeping `since`", async () => {
      const store = await factory();
      const doc = newDoc();
      await store.put(doc, [{ userId: "alice", since: 1 }]);
      // Concurrent claims of different batches in one window: exactly one wins.
      const claims = await Promise.all([1_000, 1_001, 1_002, 1_003].map((t) => store.claimEditNotice(doc, "alice", t, 600)));
      expect(claims.filter(Boolean)).toHaveLength(1);
      const won = 1_000 + claims.indexOf(true);
      // The winner's batch retried claims again (same time); any other time in the window does not.
      expect(await store.claimEditNotice(doc, "alice", won, 600)).toBe(true);
      expect(await store.claimEditNotice(doc, "alice", 1_599, 600)).toBe(false);
      expect(await store.claimEditNotice(doc, "alice", won + 600, 600)).toBe(true);
      // A user with no record yet is stored by the claim, with `since` = the claim's time.
      expect(await store.claimEditNotice(doc, "bob", 2_000, 600)).toBe(true);
      expect(await store.claimEditNotice(doc, "bob", 2_100, 600)).toBe(false);
      expect((await store.list(doc, { limit: 10 })).watchers).toEqual([
        { userId: "alice", since: 1, editsNotifiedAt: won + 600 },
        { userId: "bob", since: 2_000, editsNotifiedAt: 2_000 },
      ]);
      // Another document or tenant has its own window.
      expect(await store.claimEditNotice({ ...doc, tenant: `${doc.tenant}x` }, "alice", 1_700, 600)).toBe(true);
    });

    it("isolates documents and tenants", async () => {
      const store = await factory();
      const doc = newDoc();
      await store.put(doc, [{ userId: "alice", since: 1 }]);
      expect(await store.list({ tenant: doc.tenant, docId: `${doc.docId}x` }, { limit: 10 })).toEqual({ watchers: [] });
      expect(await store.list({ tenant: `${doc.tenant}x`, docId: doc.docId }, { limit: 10 })).toEqual({ watchers: [] });
    });
  });
}
