import { describe, expect, it } from "vitest";
import type { TimerStore } from "../../src/ports/timer-store.js";
import { newDoc, uid } from "./fixtures.js";

const T = 1_760_000_000_000;

/**
 * TimerStore contract suite. `due` spans all tenants, so `factory` must return a store
 * holding no timers (a fresh one per call).
 */
export function runTimerStoreConformance(name: string, factory: () => Promise<TimerStore>): void {
  describe(`TimerStore conformance: ${name}`, () => {
    it("an empty store has nothing due", async () => {
      const timers = await factory();
      expect(await timers.due(T, 10)).toEqual([]);
    });

    it("due returns timers with dueAt <= now, earliest first, across tenants and docs", async () => {
      const timers = await factory();
      const docs = Array.from({ length: 12 }, (_, i) => newDoc(i % 3 === 0 ? "tenant-a" : uid("t")));
      const added = docs.map((doc, i) => ({ doc, dueAt: T + ((i * 7) % 12) * 1000 }));
      for (const t of [...added].reverse()) await timers.add(t.doc, t.dueAt);
      const expected = [...added].sort((a, b) => a.dueAt - b.dueAt);
      expect(await timers.due(T + 11_000, 100)).toEqual(expected);
      expect(await timers.due(T + 4_000, 100)).toEqual(expected.filter((t) => t.dueAt <= T + 4_000));
      expect(await timers.due(T + 4_000, 100)).toHaveLength(5);
      expect(await timers.due(T - 1, 100)).toEqual([]);
    });

    it("due honours limit, keeping the earliest", async () => {
      const timers = await factory();
      const all = Array.from({ length: 20 }, (_, i) => ({ doc: newDoc(), dueAt: T + 100 * (20 - i) }));
      for (const t of all) await timers.add(t.doc, t.dueAt);
      const sorted = [...all].sort((a, b) => a.dueAt - b.dueAt);
      expect(await timers.due(T + 10_000, 3)).toEqual(sorted.slice(0, 3));
      expect(await timers.due(T + 10_000, 1)).toEqual(sorted.slice(0, 1));
    });

    it("due does not remove timers", async () => {
      const timers = await factory();
      const doc = newDoc();
      await timers.add(doc, T);
      expect(await timers.due(T, 10)).toEqual([{ doc, dueAt: T }]);
      expect(await timers.due(T, 10)).toEqual([{ doc, dueAt: T }]);
    });

    it("add is idempotent per (doc, dueAt); distinct dueAts for one doc are distinct timers", async () => {
      const timers = await factory();
      const doc = newDoc();
      await timers.add(doc, T);
      await timers.add(doc, T);
      await timers.add(doc, T + 1);
      expect(await timers.due(T + 1, 10)).toEqual([
        { doc, dueAt: T },
        { doc, dueAt: T + 1 },
      ]);
    });

    it("the same docId in two tenants keeps two timers", async () => {
      const timers = await factory();
      const a = newDoc();
      const b = { tenant: uid("t"), docId: a.docId };
      await timers.add(a, T);
      await timers.add(b, T);
      const due = await timers.due(T, 10);
      expect(due).toHaveLength(2);
      expect(due).toEqual(expect.arrayContaining([{ doc: a, dueAt: T }, { doc: b, dueAt: T }]));
      await timers.remove(a, T);
      expect(await timers.due(T, 10)).toEqual([{ doc: b, dueAt: T }]);
    });

    it("remove deletes exactly one timer; removing a missing timer is not an error", async () => {
      const timers = await factory();
      const doc = newDoc();
      const other = newDoc();
      await timers.add(doc, T);
      await timers.add(doc, T + 5);
      await timers.add(other, T);
      await timers.remove(doc, T);
      await timers.remove(doc, T);
      await timers.remove(newDoc(), T);
      expect(await timers.due(T + 10, 10)).toEqual([
        { doc: other, dueAt: T },
        { doc, dueAt: T + 5 },
      ]);
    });

    it("timers at small and large times order numerically", async () => {
      const timers = await factory();
      const doc = newDoc();
      for (const dueAt of [T, 5, 0, 99_999, 1_000_000_000_000]) await timers.add(doc, dueAt);
      expect((await timers.due(T, 10)).map((t) => t.dueAt)).toEqual([0, 5, 99_999, 1_000_000_000_000, T]);
    });
  });
}
