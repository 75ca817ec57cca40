import { describe, expect, it } from "vitest";
import type { DocHead, DocStateStore } from "../../src/ports/doc-state-store.js";
import { newDoc } from "./fixtures.js";
import { proseGenerator } from "./prose.js";

function head(version: number, extra: Partial<DocHead> = {}): DocHead {
  return { version, snapshotVersion: 0, snapshotBytes: 0, logBytesSinceSnapshot: 10 * version, updatedAt: 1_760_000_000_000 + version, materializedAt: 1_760_000_000_500 + version, ...extra };
}

/** A state-like encoding of about `bytes` UTF-8 bytes, with multi-byte text and surrogate pairs. */
function bigEncoding(bytes: number, seed = 1): string {
  const text = proseGenerator(seed)(bytes) + " Grüße 世界 👋🏽 𝄞";
  return JSON.stringify({ spans: [{ text }], text, version: seed });
}

/**
 * DocStateStore contract suite. `factory` may return stores sharing one backing table:
 * tests use fresh documents.
 */
export function runDocStateStoreConformance(name: string, factory: () => Promise<DocStateStore>): void {
  describe(`DocStateStore conformance: ${name}`, () => {
    it("a new document has no head and no snapshot", async () => {
      const store = await factory();
      const doc = newDoc();
      expect(await store.head(doc)).toBeUndefined();
      expect(await store.snapshot(doc, 1_000_000)).toBeUndefined();
    });

    it("putHead then head round-trips deep-equal", async () => {
      const store = await factory();
      const doc = newDoc();
      const h = head(7, { snapshotVersion: 5, logBytesSinceSnapshot: 123_456 });
      expect(await store.putHead(doc, h)).toEqual({ ok: true });
      expect(await store.head(doc)).toEqual(h);
    });

    it("a head never goes backwards: an older version is refused with the stored head", async () => {
      const store = await factory();
      const doc = newDoc();
      await store.putHead(doc, head(10));
      expect(await store.putHead(doc, head(9, { snapshotVersion: 9 }))).toEqual({ ok: false, current: head(10) });
      expect(await store.head(doc)).toEqual(head(10));
      expect(await store.putHead(doc, head(11))).toEqual({ ok: true });
      expect((await store.head(doc))?.version).toBe(11);
    });

    it("at the same version, snapshotVersion decides; an equal head writes again", async () => {
      const store = await factory();
      const doc = newDoc();
      await store.putHead(doc, head(20, { snapshotVersion: 15 }));
      expect(await store.putHead(doc, head(20, { snapshotVersion: 10 }))).toEqual({ ok: false, current: head(20, { snapshotVersion: 15 }) });
      const same = head(20, { snapshotVersion: 15, materializedAt: 99 });
      expect(await store.putHead(doc, same)).toEqual({ ok: true });
      expect(await store.head(doc)).toEqual(same);
      expect(await store.putHead(doc, head(20, { snapshotVersion: 20, snapshotBytes: 4321, logBytesSinceSnapshot: 0 }))).toEqual({ ok: true });
      expect((await store.head(doc))?.snapshotVersion).toBe(20);
    });

    it("racing putHeads: the newest head wins whatever the order", async () => {
      const store = await factory();
      const doc = newDoc();
      const versions = [3, 9, 1, 7, 9, 5, 2, 8, 6, 4];
      const results = await Promise.all(versions.map((v) => store.putHead(doc, head(v))));
      expect(results.some((r) => r.ok)).toBe(true);
      expect((await store.head(doc))?.version).toBe(9);
    });

    it("snapshot returns the highest version at or below the one asked, exactly as put; older ones are kept", async () => {
      const store = await factory();
      const doc = newDoc();
      await store.putSnapshot(doc, 10, '{"v":10,"t":"Grüße 👋🏽"}');
      await store.putSnapshot(doc, 30, '{"v":30}');
      await store.putSnapshot(doc, 20, '{"v":20}');
      expect(await store.snapshot(doc, 9)).toBeUndefined();
      expect(await store.snapshot(doc, 10)).toEqual({ version: 10, encoded: '{"v":10,"t":"Grüße 👋🏽"}' });
      expect(await store.snapshot(doc, 25)).toEqual({ version: 20, encoded: '{"v":20}' });
      expect(await store.snapshot(doc, 30)).toEqual({ version: 30, encoded: '{"v":30}' });
      expect(await store.snapshot(doc, 1_000_000_000)).toEqual({ version: 30, encoded: '{"v":30}' });
    });

    it("a snapshot of several MiB round-trips exactly (adapters that split it must join it)", async () => {
      const store = await factory();
      const doc = newDoc();
      const big = bigEncoding(4.5 * 2 ** 20, 3);
      await store.putSnapshot(doc, 5, big);
      const got = await store.snapshot(doc, 5);
      expect(got?.version).toBe(5);
      expect(got?.encoded.length).toBe(big.length);
      expect(got?.encoded === big).toBe(true);
    });

    it("putSnapshot at an existing version replaces it whole (a smaller one leaves nothing of the larger)", async () => {
      const store = await factory();
      const doc = newDoc();
      const large = bigEncoding(1.5 * 2 ** 20, 4);
      await store.putSnapshot(doc, 8, large);
      await store.putSnapshot(doc, 8, '{"small":true}');
      expect(await store.snapshot(doc, 8)).toEqual({ version: 8, encoded: '{"small":true}' });
      await store.putSnapshot(doc, 8, large);
      expect((await store.snapshot(doc, 100))?.encoded === large).toBe(true);
    });

    it("a read racing a replace sees one whole snapshot, never a mix", async () => {
      const store = await factory();
      const doc = newDoc();
      const a = bigEncoding(900_000, 5);
      const b = bigEncoding(700_000, 6);
      await store.putSnapshot(doc, 4, a);
      const reads = [];
      const write = store.putSnapshot(doc, 4, b);
      for (let i = 0; i < 4; i++) reads.push(store.snapshot(doc, 4));
      await write;
      for (const r of await Promise.all(reads)) expect(r?.encoded === a || r?.encoded === b).toBe(true);
      expect((await store.snapshot(doc, 4))?.encoded === b).toBe(true);
    });

    it("heads and snapshots are independent", async () => {
      const store = await factory();
      const doc = newDoc();
      await store.putSnapshot(doc, 3, '{"s":3}');
      expect(await store.head(doc)).toBeUndefined();
      await store.putHead(doc, head(4, { snapshotVersion: 3 }));
      expect(await store.snapshot(doc, 4)).toEqual({ version: 3, encoded: '{"s":3}' });
    });

    it("refuses versions below 1", async () => {
      const store = await factory();
      const doc = newDoc();
      await expect(store.putSnapshot(doc, 0, "{}")).rejects.toThrow(RangeError);
      await expect(store.putHead(doc, head(0))).rejects.toThrow(RangeError);
    });

    it("documents are isolated, also across tenants with the same docId", async () => {
      const store = await factory();
      const doc = newDoc();
      const twin = { tenant: `${doc.tenant}x`, docId: doc.docId };
      const sibling = newDoc(doc.tenant);
      await store.putHead(doc, head(5));
      await store.putSnapshot(doc, 5, '{"mine":1}');
      for (const other of [twin, sibling]) {
        expect(await store.head(other)).toBeUndefined();
        expect(await store.snapshot(other, 100)).toBeUndefined();
      }
      await store.putHead(twin, head(1));
      expect(await store.head(doc)).toEqual(head(5));
    });
  });
}
