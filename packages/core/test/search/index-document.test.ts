import fc from "fast-check";
import { describe, expect, test } from "vitest";
import type { DocRef } from "../../src/doc-ref.js";
import { MemorySearchIndexStore } from "../../src/ports/memory/search-index-store.js";
import type { SearchIndexStore } from "../../src/ports/search-index-store.js";
import { INDEX_LEASE_MS, indexDocument, type IndexDeps, type IndexableState } from "../../src/search/index-document.js";
import { diffTerms, termSetOf } from "../../src/search/term-diff.js";

const SEED = Number(process.env.FUZZ_SEED ?? 20260618);
const doc: DocRef = { tenant: "acme", docId: "roadmap" };
let ids = 0;

function deps(store: SearchIndexStore, now = { t: 1_000 }): IndexDeps {
  return { store, now: () => now.t, newId: () => `claim-${++ids}`, sleep: async () => {} };
}

const state = (version: number, text: string): IndexableState => ({ version, text, updatedAt: 1_760_000_000_000 + version });

/** Everything the index holds for the document, as seen through the port. */
async function snapshot(store: SearchIndexStore, words: string[]) {
  // `written` is how the index got there (one write or several), not what it holds.
  const { meta, ...rest } = await store.load(doc);
  const loaded = { ...rest, meta: meta && { ...meta, written: undefined } };
  const postings = await Promise.all(words.map(async (w) => [w, await store.postings(doc.tenant, w, 100)] as const));
  const prefixes = await Promise.all(words.map((w) => store.expand(doc.tenant, w.slice(0, 2), 100)));
  return { loaded, postings, prefixes };
}

describe("indexDocument", () => {
  test("indexes a new document, then writes only the delta of an edit", async () => {
    const store = new MemorySearchIndexStore();
    expect(await indexDocument(deps(store), doc, state(3, "Live documents are live"))).toEqual({
      status: "indexed",
      version: 3,
      put: 3,
      removed: 0,
      truncated: false,
    });
    expect(await store.postings("acme", "live", 10)).toEqual([{ docId: "roadmap", tf: 2 }]);
    expect(await indexDocument(deps(store), doc, state(5, "Live documents are here"))).toEqual({
      status: "indexed",
      version: 5,
      put: 2, // "live" drops to bucket 1, "here" is new
      removed: 0,
      truncated: false,
    });
    expect(await store.postings("acme", "live", 10)).toEqual([{ docId: "roadmap", tf: 1 }]);
    await indexDocument(deps(store), doc, state(6, "documents are here"));
    expect(await store.postings("acme", "live", 10)).toEqual([]);
    expect((await store.load(doc)).meta).toEqual({ version: 6, updatedAt: 1_760_000_000_006, truncated: false, termCount: 3, indexedAt: 1_000, written: 1 });
  });

  test("a replayed or older state changes nothing; same terms only move the version", async () => {
    const store = new MemorySearchIndexStore();
    const words = ["alpha", "beta", "gamma"];
    await indexDocument(deps(store), doc, state(4, "alpha beta"));
    await indexDocument(deps(store), doc, state(7, "alpha gamma"));
    const before = await snapshot(store, words);
    expect(await indexDocument(deps(store), doc, state(7, "alpha gamma"))).toEqual({ status: "unchanged", version: 7 });
    expect(await indexDocument(deps(store), doc, state(4, "alpha beta"))).toEqual({ status: "unchanged", version: 7 });
    expect(await snapshot(store, words)).toEqual(before);
    expect(await indexDocument(deps(store), doc, state(9, "Gamma, ALPHA!"))).toEqual({ status: "advanced", version: 9 });
    expect((await store.load(doc)).meta?.version).toBe(9);
  });

  test("waits for a live claim, then gives up so the bus retries", async () => {
    const store = new MemorySearchIndexStore();
    await store.begin(doc, { version: 0 }, { id: "other", version: 2, until: 1_000 + INDEX_LEASE_MS, touched: [] });
    let slept = 0;
    const d = { ...deps(store), sleep: async () => void slept++ };
    await expect(indexDocument(d, doc, state(3, "text"))).rejects.toThrow(/busy/);
    expect(slept).toBe(7);
    expect((await store.load(doc)).pending?.id).toBe("other");
  });

  test("takes over a dead writer's claim and repairs every posting it touched", async () => {
    const store = new MemorySearchIndexStore();
    await indexDocument(deps(store), doc, state(1, "stable words here"));
    // A writer for version 2 ("stable words gone") claimed, wrote part of its delta, and died.
    const loaded = await store.load(doc);
    const target = termSetOf("stable words ghost").terms;
    const delta = diffTerms(loaded.terms, target);
    await store.begin(doc, { version: 1 }, { id: "dead", version: 2, until: 5_000, touched: ["ghost", "here"] });
    await store.write(doc, { put: delta.put, remove: [], added: delta.added }, loaded.terms); // postings only, set not stored
    expect(await store.postings("acme", "ghost", 10)).toHaveLength(1);
    const now = { t: 4_000 };
    await expect(indexDocument(deps(store, now), doc, state(3, "stable words"))).rejects.toThrow(/busy/);
    now.t = 5_001;
    expect(await indexDocument(deps(store, now), doc, state(3, "stable words"))).toMatchObject({ status: "indexed", version: 3 });
    expect(await store.postings("acme", "ghost", 10)).toEqual([]);
    expect(await store.postings("acme", "here", 10)).toEqual([]);
    expect(await store.expand("acme", "gh", 10)).toEqual([]);
    expect(await store.load(doc)).toEqual({ meta: expect.objectContaining({ version: 3 }), terms: termSetOf("stable words").terms });
  });

  test("property: any delivery order, duplicates and interleaving end in the newest text's index", async () => {
    const vocabulary = ["red", "green", "blue", "cyan", "magenta", "black", "white", "grey"];
    const textArb = fc.array(fc.constantFrom(...vocabulary), { maxLength: 12 }).map((ws) => ws.join(" "));
    let conflicts = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(textArb, { minLength: 1, maxLength: 6 }),
        fc.array(fc.nat(), { minLength: 1, maxLength: 12 }),
        fc.scheduler(),
        async (texts, picks, s) => {
          const inner = new MemorySearchIndexStore();
          // Every store call yields to the scheduler first, so writers interleave at every step.
          const store = new Proxy(inner, {
            get: (target, key) => {
              const f = Reflect.get(target, key) as (...a: unknown[]) => Promise<unknown>;
              return async (...args: unknown[]) => {
                await s.schedule(Promise.resolve(), String(key));
                const out = await f.apply(target, args);
                if (key === "begin" && out === false) conflicts++;
                return out;
              };
            },
          });
          const d: IndexDeps = { ...deps(store), sleep: () => s.schedule(Promise.resolve(), "sleep") };
          // A delivery that finds the index busy is retried, as the bus does.
          const deliver = async (st: IndexableState) => {
            for (let i = 0; ; i++) {
              try {
                return await indexDocument(d, doc, st);
              } catch (err) {
                if (i > 20 || !/busy/.test(String(err))) throw err;
              }
            }
          };
          const states = texts.map((t, i) => state(i + 1, t));
          const deliveries = [...states, ...picks.map((p) => states[p % states.length])].map(deliver);
          await s.waitFor(Promise.all(deliveries));
          const fresh = new MemorySearchIndexStore();
          await indexDocument(deps(fresh), doc, states[states.length - 1]);
          expect(await snapshot(inner, vocabulary)).toEqual(await snapshot(fresh, vocabulary));
        },
      ),
      { seed: SEED, numRuns: 150 },
    );
    // The schedules did make writers collide.
    expect(conflicts).toBeGreaterThan(0);
  });
});
