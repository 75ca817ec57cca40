import { describe, expect, it } from "vitest";
import type { DocLeaseStore, LeaseClaim } from "../../src/ports/doc-lease-store.js";
import { newDoc } from "./fixtures.js";

const T = 1_760_000_000_000;
const claim = (owner: string, now: number, ttl = 10_000): LeaseClaim => ({ owner, address: `${owner}.internal:8081`, now, expiresAt: now + ttl });

/** DocLeaseStore contract suite (core/src/ports/doc-lease-store.ts). */
export function runDocLeaseStoreConformance(name: string, factory: () => Promise<DocLeaseStore>): void {
  describe(`DocLeaseStore conformance: ${name}`, () => {
    it("a document without a lease: get is undefined, the first acquire takes it at epoch 1", async () => {
      const leases = await factory();
      const doc = newDoc();
      expect(await leases.get(doc)).toBeUndefined();
      const got = await leases.acquire(doc, claim("a", T));
      expect(got).toEqual({ held: true, lease: { owner: "a", address: "a.internal:8081", epoch: 1, expiresAt: T + 10_000 } });
      expect(await leases.get(doc)).toEqual(got.lease);
    });

    it("a live lease refuses another owner and returns the holder's, unchanged", async () => {
      const leases = await factory();
      const doc = newDoc();
      const a = await leases.acquire(doc, claim("a", T));
      const b = await leases.acquire(doc, claim("b", T + 9_999));
      expect(b).toEqual({ held: false, lease: a.lease });
      expect(await leases.get(doc)).toEqual(a.lease);
    });

    it("the holder renews (epoch raised, new expiry and address); another takes it once it expired", async () => {
      const leases = await factory();
      const doc = newDoc();
      await leases.acquire(doc, claim("a", T));
      const renewed = await leases.acquire(doc, { owner: "a", address: "a2.internal:8081", now: T + 5_000, expiresAt: T + 15_000 });
      expect(renewed).toEqual({ held: true, lease: { owner: "a", address: "a2.internal:8081", epoch: 2, expiresAt: T + 15_000 } });
      expect((await leases.acquire(doc, claim("b", T + 14_999))).held).toBe(false);
      const taken = await leases.acquire(doc, claim("b", T + 15_000));
      expect(taken).toEqual({ held: true, lease: { owner: "b", address: "b.internal:8081", epoch: 3, expiresAt: T + 25_000 } });
      // The old holder's renewal now fails: the lease is b's.
      expect(await leases.acquire(doc, claim("a", T + 15_001))).toEqual({ held: false, lease: taken.lease });
    });

    it("release ends only the holder's current lease, keeps the epoch rising, and frees it at once", async () => {
      const leases = await factory();
      const doc = newDoc();
      await leases.acquire(doc, claim("a", T));
      const a2 = await leases.acquire(doc, claim("a", T + 1_000));
      expect(await leases.release(doc, "a", 1)).toBe(false);
      expect(await leases.release(doc, "b", 2)).toBe(false);
      expect(await leases.get(doc)).toEqual(a2.lease);
      expect(await leases.release(doc, "a", 2)).toBe(true);
      expect(await leases.get(doc)).toEqual({ ...a2.lease, expiresAt: 0 });
      expect(await leases.release(doc, "a", 2)).toBe(true);
      const b = await leases.acquire(doc, claim("b", T + 2_000));
      expect(b.lease).toMatchObject({ owner: "b", epoch: 3 });
      expect(await leases.release(doc, "a", 2)).toBe(false);
      expect(await leases.release(doc, "x", 1)).toBe(false);
      expect(await leases.release(newDoc(), "a", 1)).toBe(false);
    });

    it("concurrent claims on a free lease: exactly one wins, the others see the winner", async () => {
      const leases = await factory();
      const doc = newDoc();
      const owners = ["a", "b", "c", "d", "e", "f"];
      const results = await Promise.all(owners.map((o) => leases.acquire(doc, claim(o, T))));
      const winners = results.filter((r) => r.held);
      expect(winners).toHaveLength(1);
      for (const r of results) expect(r.lease).toEqual(winners[0].lease);
      expect(await leases.get(doc)).toEqual(winners[0].lease);
    });

    it("documents are isolated, including the same docId in two tenants", async () => {
      const leases = await factory();
      const one = newDoc();
      const other = { tenant: `${one.tenant}x`, docId: one.docId };
      await leases.acquire(one, claim("a", T));
      expect(await leases.get(other)).toBeUndefined();
      expect((await leases.acquire(other, claim("b", T))).held).toBe(true);
      expect(await leases.get(one)).toMatchObject({ owner: "a", epoch: 1 });
    });
  });
}
