import { describe, expect, it } from "vitest";
import type { MetricsStore } from "../../src/ports/metrics-store.js";
import { uid } from "./fixtures.js";

/**
 * MetricsStore contract suite. `factory` may return stores sharing one backing table:
 * tests use fresh tenants. An adapter that spreads a tenant's counters over several records
 * (shards) should be given one that spreads consecutive adds over different shards, so that
 * the sums below cross shards.
 */
export function runMetricsStoreConformance(name: string, factory: () => Promise<MetricsStore>): void {
  describe(`MetricsStore conformance: ${name}`, () => {
    it("an unknown tenant has no counters", async () => {
      const store = await factory();
      expect(await store.get(uid("t"))).toEqual({});
    });

    it("add creates counters at 0 and increments them by their deltas", async () => {
      const store = await factory();
      const tenant = uid("t");
      await store.add(tenant, { ops_accepted: 3, "lag_le_100:ms": 1, "a.b": 2 });
      await store.add(tenant, { ops_accepted: 4, rejected: -1, "a.b": 0.5 });
      expect(await store.get(tenant)).toEqual({ ops_accepted: 7, "lag_le_100:ms": 1, "a.b": 2.5, rejected: -1 });
    });

    it("accepts names at the edges of the pattern", async () => {
      const store = await factory();
      const tenant = uid("t");
      const long = "z".repeat(100);
      await store.add(tenant, { [long]: 1, "0": 2, pk: 3, sk: 4 });
      expect(await store.get(tenant)).toEqual({ [long]: 1, "0": 2, pk: 3, sk: 4 });
    });

    it("an add with no counters is a no-op", async () => {
      const store = await factory();
      const tenant = uid("t");
      await store.add(tenant, {});
      expect(await store.get(tenant)).toEqual({});
    });

    it("rejects names outside the pattern and writes nothing", async () => {
      const store = await factory();
      const tenant = uid("t");
      for (const bad of ["Upper", "with space", "", "x".repeat(101), "a#b", "a-b"]) {
        await expect(store.add(tenant, { ok: 1, [bad]: 1 })).rejects.toThrow();
      }
      expect(await store.get(tenant)).toEqual({});
    });

    it("50 concurrent adds never lose an increment", async () => {
      const store = await factory();
      const tenant = uid("t");
      await Promise.all(Array.from({ length: 50 }, (_, i) => store.add(tenant, { hits: 1, bytes: i, [`c${i % 5}`]: 2 })));
      expect(await store.get(tenant)).toEqual({ hits: 50, bytes: 1225, c0: 20, c1: 20, c2: 20, c3: 20, c4: 20 });
    });

    it("many adds, whatever records they land on, sum exactly; a counter added once among them is found", async () => {
      const store = await factory();
      const tenant = uid("t");
      const expected: Record<string, number> = {};
      const adds = Array.from({ length: 24 }, (_, i) => {
        const deltas: Record<string, number> = { hits: 1, [`lag_le_${(i % 3) + 1}`]: i, ...(i === 13 ? { rare: 7 } : {}) };
        for (const [name, n] of Object.entries(deltas)) expected[name] = (expected[name] ?? 0) + n;
        return deltas;
      });
      for (const deltas of adds.slice(0, 12)) await store.add(tenant, deltas);
      await Promise.all(adds.slice(12).map((deltas) => store.add(tenant, deltas)));
      expect(await store.get(tenant)).toEqual(expected);
    });

    it("a counter whose adds sum to 0 is listed at 0", async () => {
      const store = await factory();
      const tenant = uid("t");
      await store.add(tenant, { x: 5, y: 1 });
      await store.add(tenant, { x: -5 });
      expect(await store.get(tenant)).toEqual({ x: 0, y: 1 });
    });

    it("tenants are isolated", async () => {
      const store = await factory();
      const a = uid("t");
      const b = uid("t");
      const prefixed = `${a}x`; // one tenant id a prefix of another
      await store.add(a, { hits: 2 });
      await store.add(b, { hits: 5, other: 1 });
      await store.add(prefixed, { hits: 9 });
      expect(await store.get(a)).toEqual({ hits: 2 });
      expect(await store.get(b)).toEqual({ hits: 5, other: 1 });
      expect(await store.get(prefixed)).toEqual({ hits: 9 });
    });
  });
}
