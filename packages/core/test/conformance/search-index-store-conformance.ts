import { describe, expect, it } from "vitest";
import type { DocRef } from "../../src/doc-ref.js";
import type { PendingIndexWrite, SearchDocMeta, SearchIndexStore } from "../../src/ports/search-index-store.js";
import { applyDelta, diffTerms, type TermSet } from "../../src/search/term-diff.js";
import { newDoc, uid } from "./fixtures.js";

const T = 1_760_000_000_000;

function meta(version: number, extra: Partial<SearchDocMeta> = {}): SearchDocMeta {
  return { version, updatedAt: T + version, truncated: false, termCount: 0, indexedAt: T + version, written: 0, ...extra };
}

function claim(version: number, touched: string[] = []): PendingIndexWrite {
  return { id: uid("p"), version, until: T + 60_000, touched };
}

/** One whole index write as indexDocument makes it: claim, delta, commit. Returns the new set. */
async function indexTerms(store: SearchIndexStore, doc: DocRef, from: number, to: TermSet, version: number): Promise<TermSet> {
  const loaded = await store.load(doc);
  const delta = diffTerms(loaded.terms, to);
  const c = claim(version);
  expect(await store.begin(doc, { version: from }, c)).toBe(true);
  await store.write(doc, delta, applyDelta(loaded.terms, delta));
  expect(await store.commit(doc, c.id, meta(version, { termCount: to.size }))).toBe(true);
  return to;
}

const set = (...entries: Array<[string, number]>): TermSet => new Map(entries);

/**
 * SearchIndexStore contract suite. `factory` may return stores sharing one backing table:
 * tests use fresh tenants and documents.
 */
export function runSearchIndexStoreConformance(name: string, factory: () => Promise<SearchIndexStore>): void {
  describe(`SearchIndexStore conformance: ${name}`, () => {
    it("a new document has no meta, no terms and no claim; unknown terms have no postings", async () => {
      const store = await factory();
      const doc = newDoc();
      expect(await store.load(doc)).toEqual({ terms: new Map() });
      expect(await store.postings(doc.tenant, "anything", 10)).toEqual([]);
      expect(await store.expand(doc.tenant, "an", 10)).toEqual([]);
      expect(await store.metas(doc.tenant, [doc.docId])).toEqual(new Map());
    });

    it("claim, write, commit: the meta, term set, postings and prefixes round-trip", async () => {
      const store = await factory();
      const doc = newDoc();
      const terms = set(["alpha", 1], ["alpine", 4], ["grüße", 2], ["世界", 1], ["𝒳𝒴", 8]);
      const delta = diffTerms(new Map(), terms);
      const c = claim(3, ["alpha"]);
      expect(await store.begin(doc, { version: 0 }, c)).toBe(true);
      expect(await store.load(doc)).toEqual({ terms: new Map(), pending: c });
      await store.write(doc, delta, terms);
      const m = meta(3, { truncated: true, termCount: 5 });
      expect(await store.commit(doc, c.id, m)).toBe(true);
      expect(await store.load(doc)).toEqual({ meta: m, terms });
      expect(await store.postings(doc.tenant, "alpine", 10)).toEqual([{ docId: doc.docId, tf: 4 }]);
      expect(await store.postings(doc.tenant, "𝒳𝒴", 10)).toEqual([{ docId: doc.docId, tf: 8 }]);
      expect(await store.expand(doc.tenant, "al", 10)).toEqual(["alpha", "alpine"]);
      expect(await store.expand(doc.tenant, "alp", 1)).toEqual(["alpha"]);
      expect(await store.expand(doc.tenant, "alpi", 10)).toEqual(["alpine"]);
      expect(await store.expand(doc.tenant, "gr", 10)).toEqual(["grüße"]);
      expect(await store.expand(doc.tenant, "世界", 10)).toEqual(["世界"]);
      expect(await store.expand(doc.tenant, "alpha", 10)).toEqual(["alpha"]);
      expect(await store.expand(doc.tenant, "alphas", 10)).toEqual([]);
      expect(await store.metas(doc.tenant, [doc.docId, "missing"])).toEqual(new Map([[doc.docId, m]]));
    });

    it("begin needs the committed version and no other claim; a claim can be taken over by id", async () => {
      const store = await factory();
      const doc = newDoc();
      await indexTerms(store, doc, 0, set(["one", 1]), 2);
      expect(await store.begin(doc, { version: 0 }, claim(5))).toBe(false);
      expect(await store.begin(doc, { version: 3 }, claim(5))).toBe(false);
      const first = claim(5, ["one"]);
      expect(await store.begin(doc, { version: 2 }, first)).toBe(true);
      expect(await store.begin(doc, { version: 2 }, claim(6))).toBe(false);
      expect(await store.begin(doc, { version: 2, pendingId: "someone-else" }, claim(6))).toBe(false);
      expect(await store.advance(doc, 2, meta(6))).toBe(false);
      const second = claim(6, ["two"]);
      expect(await store.begin(doc, { version: 2, pendingId: first.id }, second)).toBe(true);
      expect((await store.load(doc)).pending).toEqual(second);
      expect(await store.commit(doc, first.id, meta(5))).toBe(false);
      expect(await store.commit(doc, second.id, meta(6))).toBe(true);
      expect(await store.commit(doc, second.id, meta(7))).toBe(false);
      expect(await store.load(doc)).toEqual({ meta: meta(6), terms: set(["one", 1]) });
    });

    it("advance moves the version only from the expected one and never over a claim", async () => {
      const store = await factory();
      const doc = newDoc();
      expect(await store.advance(doc, 1, meta(2))).toBe(false);
      expect(await store.advance(doc, 0, meta(2))).toBe(true);
      expect(await store.advance(doc, 0, meta(3))).toBe(false);
      expect(await store.advance(doc, 2, meta(3, { updatedAt: 5 }))).toBe(true);
      expect(await store.load(doc)).toEqual({ meta: meta(3, { updatedAt: 5 }), terms: new Map() });
    });

    it("a delta rewrites changed postings and deletes removed ones; writing it twice changes nothing", async () => {
      const store = await factory();
      const doc = newDoc();
      const v1 = await indexTerms(store, doc, 0, set(["keep", 1], ["grow", 1], ["drop", 2]), 1);
      const v2 = set(["keep", 1], ["grow", 4], ["fresh", 1]);
      const loaded = await store.load(doc);
      expect(loaded.terms).toEqual(v1);
      const delta = diffTerms(loaded.terms, v2);
      const c = claim(2);
      expect(await store.begin(doc, { version: 1 }, c)).toBe(true);
      await store.write(doc, delta, v2);
      await store.write(doc, delta, v2);
      expect(await store.commit(doc, c.id, meta(2))).toBe(true);
      expect((await store.load(doc)).terms).toEqual(v2);
      expect(await store.postings(doc.tenant, "grow", 10)).toEqual([{ docId: doc.docId, tf: 4 }]);
      expect(await store.postings(doc.tenant, "drop", 10)).toEqual([]);
      expect(await store.postings(doc.tenant, "fresh", 10)).toEqual([{ docId: doc.docId, tf: 1 }]);
      expect(await store.expand(doc.tenant, "dr", 10)).toEqual([]);
    });

    it("a term leaves the prefix dictionary with its last posting, not before", async () => {
      const store = await factory();
      const tenant = uid("t");
      const a = newDoc(tenant);
      const b = newDoc(tenant);
      await indexTerms(store, a, 0, set(["shared", 1], ["onlya", 1]), 1);
      await indexTerms(store, b, 0, set(["shared", 2]), 1);
      await indexTerms(store, a, 1, set(["other", 1]), 2);
      expect(await store.expand(tenant, "sh", 10)).toEqual(["shared"]);
      expect(await store.expand(tenant, "on", 10)).toEqual([]);
      expect(await store.postings(tenant, "shared", 10)).toEqual([{ docId: b.docId, tf: 2 }]);
      await indexTerms(store, b, 1, set(["other", 1]), 2);
      expect(await store.expand(tenant, "sh", 10)).toEqual([]);
      expect(await store.expand(tenant, "ot", 10)).toEqual(["other"]);
    });

    it("lists postings by docId with a limit and expansions in code-point order with a limit", async () => {
      const store = await factory();
      const tenant = uid("t");
      const docs = ["d-c", "d-a", "d-b", "d-e", "d-d"].map((docId) => ({ tenant, docId }));
      for (const [i, doc] of docs.entries()) await indexTerms(store, doc, 0, set(["common", 2 ** i], [`zz${Array.from("ｚ𝒳abc")[i]}`, 1]), 1);
      expect(await store.postings(tenant, "common", 10)).toEqual(
        ["d-a", "d-b", "d-c", "d-d", "d-e"].map((docId) => ({ docId, tf: 2 ** docs.findIndex((d) => d.docId === docId) })),
      );
      expect((await store.postings(tenant, "common", 2)).map((p) => p.docId)).toEqual(["d-a", "d-b"]);
      // Code-point order: "ｚ" (U+FF5A) sorts before "𝒳" (U+1D4B3), unlike UTF-16 order.
      expect(await store.expand(tenant, "zz", 10)).toEqual(["zza", "zzb", "zzc", "zzｚ", "zz𝒳"]);
      expect(await store.expand(tenant, "zz", 3)).toEqual(["zza", "zzb", "zzc"]);
    });

    it("isolates tenants: postings, prefixes and metas of the same docId and terms", async () => {
      const store = await factory();
      const docId = uid("d");
      const a: DocRef = { tenant: uid("t"), docId };
      const b: DocRef = { tenant: uid("t"), docId };
      await indexTerms(store, a, 0, set(["secret", 1]), 4);
      expect(await store.postings(b.tenant, "secret", 10)).toEqual([]);
      expect(await store.expand(b.tenant, "se", 10)).toEqual([]);
      expect(await store.metas(b.tenant, [docId])).toEqual(new Map());
      expect(await store.load(b)).toEqual({ terms: new Map() });
      await indexTerms(store, b, 0, set(["public", 1]), 1);
      expect(await store.postings(a.tenant, "public", 10)).toEqual([]);
      expect((await store.metas(a.tenant, [docId])).get(docId)?.version).toBe(4);
    });

    it("keeps a large term set (1,000 terms of up to 64 code points, ~70 KB) and a large claim", async () => {
      const store = await factory();
      const doc = newDoc();
      const terms: TermSet = new Map(Array.from({ length: 1000 }, (_, i) => [`${"ü".repeat(20 + (i % 37))}term${i}`, 2 ** (i % 6)]));
      const c = claim(9, [...terms.keys()]);
      expect(await store.begin(doc, { version: 0 }, c)).toBe(true);
      await store.write(doc, diffTerms(new Map(), terms), terms);
      expect((await store.load(doc)).pending).toEqual(c);
      expect(await store.commit(doc, c.id, meta(9, { termCount: 1000 }))).toBe(true);
      const loaded = await store.load(doc);
      expect(loaded.terms).toEqual(terms);
      expect(loaded.meta?.termCount).toBe(1000);
    });

    it("defer records one due time until commit, advance or clearDue of that time clears it; head omits the terms", async () => {
      const store = await factory();
      const doc = newDoc();
      expect(await store.head(doc)).toEqual({});
      expect(await store.defer(doc, T + 2000)).toBe(true);
      expect(await store.defer(doc, T + 3000)).toBe(false);
      expect(await store.head(doc)).toEqual({ dueAt: T + 2000 });
      expect(await store.metas(doc.tenant, [doc.docId])).toEqual(new Map());
      await store.clearDue(doc, T + 3000);
      expect((await store.head(doc)).dueAt).toBe(T + 2000);
      await indexTerms(store, doc, 0, set(["alpha", 1]), 2);
      expect(await store.head(doc)).toEqual({ meta: meta(2, { termCount: 1 }) });
      expect(await store.defer(doc, T + 4000)).toBe(true);
      expect(await store.load(doc)).toEqual({ meta: meta(2, { termCount: 1 }), terms: set(["alpha", 1]), dueAt: T + 4000 });
      expect(await store.advance(doc, 2, meta(3, { termCount: 1 }))).toBe(true);
      expect(await store.head(doc)).toEqual({ meta: meta(3, { termCount: 1 }) });
      expect(await store.defer(doc, T + 5000)).toBe(true);
      await store.clearDue(doc, T + 5000);
      expect(await store.head(doc)).toEqual({ meta: meta(3, { termCount: 1 }) });
    });

    it("moveDue moves the recorded due time only from the one named; nothing recorded, nothing moved", async () => {
      const store = await factory();
      const doc = newDoc();
      expect(await store.moveDue(doc, T + 1000, T + 2000)).toBe(false);
      expect(await store.head(doc)).toEqual({});
      await indexTerms(store, doc, 0, set(["alpha", 1]), 2);
      expect(await store.defer(doc, T + 1000)).toBe(true);
      expect(await store.moveDue(doc, T + 9000, T + 2000)).toBe(false);
      expect((await store.head(doc)).dueAt).toBe(T + 1000);
      expect(await store.moveDue(doc, T + 1000, T + 2000)).toBe(true);
      expect(await store.head(doc)).toEqual({ meta: meta(2, { termCount: 1 }), dueAt: T + 2000 });
      expect(await store.defer(doc, T + 3000)).toBe(false);
      await store.clearDue(doc, T + 1000);
      expect((await store.head(doc)).dueAt).toBe(T + 2000);
      await store.clearDue(doc, T + 2000);
      expect(await store.head(doc)).toEqual({ meta: meta(2, { termCount: 1 }) });
    });
  });
}
