import { describe, expect, test } from "vitest";
import { MemorySearchIndexStore } from "../../src/ports/memory/search-index-store.js";
import { indexDocument } from "../../src/search/index-document.js";
import { parseQuery } from "../../src/search/query.js";
import { RECENCY_HALF_LIFE_MS, finalScore, prefixScore, recencyBoost, termScore } from "../../src/search/rank.js";
import { searchDocuments } from "../../src/search/search-documents.js";
import { SEARCH_LIMITS } from "../../src/search/search-limits.js";

const NOW = 1_760_000_000_000;
const DAY = 24 * 3600 * 1000;

async function indexed(docs: Array<{ tenant?: string; docId: string; text: string; updatedAt?: number }>) {
  const store = new MemorySearchIndexStore();
  let n = 0;
  for (const d of docs) {
    await indexDocument(
      { store, now: () => NOW, newId: () => `c${++n}` },
      { tenant: d.tenant ?? "acme", docId: d.docId },
      { version: 1, text: d.text, updatedAt: d.updatedAt ?? NOW },
    );
  }
  return store;
}

const search = (store: MemorySearchIndexStore, q: string, limit = 10, tenant = "acme") =>
  searchDocuments(store, tenant, parseQuery(q), { limit, now: NOW });

describe("searchDocuments", () => {
  test("every term must match; the last one also as a prefix", async () => {
    const store = await indexed([
      { docId: "a", text: "live documents with cursors" },
      { docId: "b", text: "live streams" },
      { docId: "c", text: "documentation only" },
    ]);
    expect((await search(store, "live documents ")).map((h) => h.docId)).toEqual(["a"]);
    expect((await search(store, "live")).map((h) => h.docId)).toEqual(["a", "b"]);
    expect((await search(store, "docu")).map((h) => h.docId).sort()).toEqual(["a", "c"]);
    expect((await search(store, "live docu")).map((h) => h.docId)).toEqual(["a"]);
    expect(await search(store, "live absent ")).toEqual([]);
    expect(await search(store, "x")).toEqual([]);
  });

  test("ranks by term frequency, then recency, then docId", async () => {
    const store = await indexed([
      { docId: "once", text: "budget" },
      { docId: "often", text: "budget budget budget budget review" },
      { docId: "old", text: "budget", updatedAt: NOW - 30 * DAY },
      { docId: "also-once", text: "budget" },
    ]);
    const hits = await search(store, "budget ");
    expect(hits.map((h) => h.docId)).toEqual(["often", "also-once", "once", "old"]);
    expect(hits[0]).toEqual({ docId: "often", version: 1, score: finalScore(termScore(4), NOW, NOW) });
    expect(hits[3].score).toBe(finalScore(termScore(1), NOW - 30 * DAY, NOW));
    expect((await search(store, "budget ", 2)).map((h) => h.docId)).toEqual(["often", "also-once"]);
  });

  test("a shorter completion of the prefix ranks higher", async () => {
    const store = await indexed([
      { docId: "long", text: "collaboration" },
      { docId: "short", text: "collab" },
    ]);
    const hits = await search(store, "colla");
    expect(hits.map((h) => h.docId)).toEqual(["short", "long"]);
    expect(hits[0].score).toBe(finalScore(prefixScore("colla", "collab", 1), NOW, NOW));
  });

  test("results come only from the caller's tenant", async () => {
    const store = await indexed([
      { tenant: "acme", docId: "plan", text: "secret plan" },
      { tenant: "globex", docId: "plan", text: "secret plan" },
      { tenant: "globex", docId: "other", text: "secret" },
    ]);
    expect((await search(store, "secret ", 10, "acme")).map((h) => h.docId)).toEqual(["plan"]);
    expect((await search(store, "secr", 10, "globex")).map((h) => h.docId)).toEqual(["other", "plan"]); // equal scores: by docId
    expect(await search(store, "secret ", 10, "initech")).toEqual([]);
  });

  test("canRead: hidden documents are filtered out before the cut, so readable ones fill the limit", async () => {
    const store = await indexed([
      { docId: "h1", text: "budget budget budget budget" },
      { docId: "h2", text: "budget budget" },
      { docId: "r1", text: "budget", updatedAt: NOW - 30 * DAY },
      { docId: "r2", text: "budget review" },
      { docId: "r3", text: "budget", updatedAt: NOW - DAY },
    ]);
    const asked: string[][] = [];
    const canRead = async (ids: string[]) => {
      asked.push(ids);
      return new Set(ids.filter((id) => id.startsWith("r")));
    };
    const hits = await searchDocuments(store, "acme", parseQuery("budget "), { limit: 2, now: NOW, canRead });
    expect(hits.map((h) => h.docId)).toEqual(["r2", "r3"]);
    expect(asked).toEqual([["h1", "h2", "r1", "r2", "r3"]]); // the text matches, best first (ties by docId)
    expect((await searchDocuments(store, "acme", parseQuery("budg"), { limit: 10, now: NOW, canRead })).map((h) => h.docId)).toEqual(["r2", "r3", "r1"]);
    const none = async () => new Set<string>();
    expect(await searchDocuments(store, "acme", parseQuery("budget"), { limit: 10, now: NOW, canRead: none })).toEqual([]);
  });

  test("canRead: hidden better matches never take the ranked candidates' places", async () => {
    const docs = Array.from({ length: 150 }, (_, i) => ({ docId: `h${String(i).padStart(3, "0")}`, text: "alpha alpha alpha alpha" }));
    const store = await indexed([...docs, { docId: "r-old", text: "alpha", updatedAt: NOW - 60 * DAY }, { docId: "r-new", text: "alpha" }]);
    const asked: number[] = [];
    const canRead = async (ids: string[]) => {
      asked.push(ids.length);
      return new Set(ids.filter((id) => id.startsWith("r-")));
    };
    const hits = await searchDocuments(store, "acme", parseQuery("alpha "), { limit: 10, now: NOW, canRead });
    expect(hits.map((h) => h.docId)).toEqual(["r-new", "r-old"]);
    expect(asked).toEqual([100, 52]);
    // Without the filter the 100 best are all hidden ones: the readable two would not even be ranked.
    const unfiltered = await search(store, "alpha ", 50);
    expect(unfiltered.some((h) => h.docId.startsWith("r-"))).toBe(false);
  });

  test(`canRead: at most ${SEARCH_LIMITS.accessChecks} candidates are checked per query, ${SEARCH_LIMITS.rankedCandidates} at a time`, async () => {
    // Two expansions of the prefix give 1,100 hidden candidates ranked above the readable one.
    const hidden = Array.from({ length: 1100 }, (_, i) => ({ docId: `h${String(i).padStart(4, "0")}`, text: i < 600 ? "zetaa" : "zetab" }));
    const store = await indexed([...hidden, { docId: "r", text: "zetacc" }, { docId: "r2", text: "zetacc" }]);
    const asked: number[] = [];
    const canRead = async (ids: string[]) => {
      asked.push(ids.length);
      return new Set(ids.filter((id) => id.startsWith("r")));
    };
    expect(await searchDocuments(store, "acme", parseQuery("zeta"), { limit: 10, now: NOW, canRead })).toEqual([]);
    expect(asked).toEqual(Array(10).fill(100));
    // The whole term: two candidates, both readable, one check.
    asked.length = 0;
    expect((await searchDocuments(store, "acme", parseQuery("zetacc "), { limit: 1, now: NOW, canRead })).map((h) => h.docId)).toEqual(["r"]);
    expect(asked).toEqual([2]);
  });

  test("recency boost: 1.5 now, 1.25 after one half-life, toward 1", () => {
    expect(recencyBoost(NOW, NOW)).toBe(1.5);
    expect(recencyBoost(NOW - RECENCY_HALF_LIFE_MS, NOW)).toBe(1.25);
    expect(recencyBoost(NOW + DAY, NOW)).toBe(1.5);
    expect(recencyBoost(0, NOW)).toBeCloseTo(1, 10);
  });
});
