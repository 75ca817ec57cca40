import { PutItemCommand, QueryCommand } from "@aws-sdk/client-dynamodb";
import { beforeAll, describe, expect, it } from "vitest";
import { diffTerms, type DocRef, type TermSet } from "@weft/core";
import { newDoc } from "@weft/core/testing";
import { CapacityAccumulator } from "../../src/adapters/dynamo/capacity.js";
import { S } from "../../src/adapters/dynamo/codec.js";
import { packJson } from "../../src/adapters/dynamo/codec.js";
import type { TableNames } from "../../src/adapters/dynamo/create-tables.js";
import { DynamoSearchIndexStore } from "../../src/adapters/dynamo/search-index-store.js";
import { docPk } from "../../src/adapters/dynamo/search-index-writes.js";
import { MAX_TERM_PARTS, PART_TARGET_BYTES, partOf, partsFor, termSetBytes } from "../../src/adapters/dynamo/search-term-parts.js";
import { client, freshTables } from "./dynamo-harness.js";

/**
 * The term set's layout on the search table (search-term-parts.ts) against DynamoDB Local: parts
 * follow the set's size, a layout change leaves only the new layout's items, the fixed 64 parts
 * written before are read and replaced, a layout change cut short is never read, and a small
 * document's write rewrites one part where the fixed layout rewrote one per changed term.
 */
let tables: TableNames;
const meter = new CapacityAccumulator();
const store = () => new DynamoSearchIndexStore({ client, table: tables.search, meter });

beforeAll(async () => {
  tables = await freshTables();
});

const words = (n: number, from = 0) => new Map(Array.from({ length: n }, (_, i) => [`word${from + i}x`, 1])) as TermSet;
/** Long terms (~60 bytes): a set reaches many parts with few postings to write. */
const longWords = (n: number) => new Map(Array.from({ length: n }, (_, i) => [`${"long".repeat(12)}term${i}x`, 1])) as TermSet;

/** Writes `next` over what the store holds (as indexDocument does: load, then write the delta). */
async function index(s: DynamoSearchIndexStore, doc: DocRef, next: TermSet): Promise<void> {
  const { terms } = await s.load(doc);
  await s.write(doc, diffTerms(terms, next), next);
}

async function partSks(doc: DocRef): Promise<string[]> {
  const out = await client.send(
    new QueryCommand({ TableName: tables.search, KeyConditionExpression: "pk = :pk AND begins_with(sk, :t)", ExpressionAttributeValues: { ":pk": S(docPk(doc)), ":t": S("t#") }, ConsistentRead: true }),
  );
  return (out.Items ?? []).map((i) => i.sk.S!).sort();
}

describe("the search term set's parts", () => {
  it("part counts follow the set's size, with room either side before they change", () => {
    expect(partsFor(words(1), undefined)).toBe(1);
    const big = words(3_000);
    expect(partsFor(big, undefined)).toBe(2 ** Math.ceil(Math.log2(termSetBytes(big) / PART_TARGET_BYTES)));
    expect(partsFor(words(10_000), undefined)).toBe(MAX_TERM_PARTS);
    const n = partsFor(big, undefined);
    expect(partsFor(words(3_300), n)).toBe(n); // grown a tenth: same parts
    expect(partsFor(words(2_000), n)).toBe(n); // shrunk a third: same parts
    expect(partsFor(words(10), n)).toBe(1);
    expect(partOf("alpha", 64)).toBe(partOf("alpha", 64));
  });

  it("a growing document moves to more parts; only the current layout's items stay, and the set reads back exact", async () => {
    const s = store();
    const doc = newDoc();
    let parts: number | undefined;
    const counts: number[] = [];
    for (const n of [1, 10, 100, 400, 600]) {
      await index(s, doc, longWords(n));
      expect((await s.load(doc)).terms).toEqual(longWords(n));
      expect((await store().load(doc)).terms).toEqual(longWords(n));
      parts = partsFor(longWords(n), parts);
      counts.push(parts);
      const sks = await partSks(doc);
      expect(sks).toHaveLength(parts);
      expect(sks.every((sk) => sk.startsWith(`t#${parts}-`))).toBe(true);
    }
    expect(counts).toEqual([1, 1, 8, 32, 32]); // 600 terms: 32 parts of ~1.3 KB raw, inside the room before 64
    // Shrinking back to a few terms folds the parts again.
    await index(s, doc, words(5));
    expect(await partSks(doc)).toEqual(["t#1-0"]);
    expect((await store().load(doc)).terms).toEqual(words(5));
  }, 120_000);

  it("the fixed 64 parts written before are read, and the next write replaces them", async () => {
    const doc = newDoc();
    const before = words(50);
    const byPart = new Map<number, Array<[string, number]>>();
    for (const [t, tf] of before) byPart.set(partOf(t, 64), [...(byPart.get(partOf(t, 64)) ?? []), [t, tf]]);
    for (const [p, entries] of byPart) {
      await client.send(new PutItemCommand({ TableName: tables.search, Item: { pk: S(docPk(doc)), sk: S(`t#${String(p).padStart(2, "0")}`), terms: { B: packJson(entries) } } }));
    }
    expect((await store().load(doc)).terms).toEqual(before);
    const next = new Map([...before, ["newword", 2]]) as TermSet;
    await index(store(), doc, next);
    expect(await partSks(doc)).toEqual(["t#1-0"]);
    expect((await store().load(doc)).terms).toEqual(next);
  });

  it("a layout change cut short (no part 0) is not read, and the next write removes what it left", async () => {
    const s = store();
    const doc = newDoc();
    await index(s, doc, words(30));
    // A writer that died putting a 4-part layout's parts 1-3, before its part 0.
    for (const i of [1, 2, 3]) {
      await client.send(new PutItemCommand({ TableName: tables.search, Item: { pk: S(docPk(doc)), sk: S(`t#4-${i}`), terms: { B: packJson([["ghost", 1]]) } } }));
    }
    expect((await store().load(doc)).terms).toEqual(words(30));
    const next = words(31);
    await index(store(), doc, next);
    expect((await store().load(doc)).terms).toEqual(next);
    expect(await partSks(doc)).toEqual(["t#1-0"]);
  });

  it("a process that did not load the document reads its part keys before writing", async () => {
    const doc = newDoc();
    await index(store(), doc, words(150));
    const layoutBefore = await partSks(doc);
    const { terms } = await store().load(doc);
    const next = words(5);
    await store().write(doc, diffTerms(terms, next), next); // a fresh store: no keys remembered
    expect(await partSks(doc)).toEqual(["t#1-0"]);
    expect(layoutBefore.length).toBeGreaterThan(1);
    expect((await store().load(doc)).terms).toEqual(next);
    const grown = words(150);
    await store().write(doc, diffTerms(next, grown), grown);
    expect(await partSks(doc)).toHaveLength(partsFor(grown, 1));
    expect((await store().load(doc)).terms).toEqual(grown);
  }, 60_000);

  it("thirty new words in a small document rewrite its few parts, not a part per word", async () => {
    const s = store();
    const doc = newDoc();
    await index(s, doc, words(200));
    const before = meter.snapshot().byTable[tables.search]?.write ?? 0;
    const next = new Map([...words(200), ...words(30, 1_000)]) as TermSet;
    const delta = diffTerms((await s.load(doc)).terms, next);
    await s.write(doc, delta, next);
    const units = (meter.snapshot().byTable[tables.search]?.write ?? 0) - before;
    // 30 postings, 30 dictionary entries and the document's 4 parts (~1 KB each), where the
    // fixed 64 parts had one to rewrite per part hit by a new word.
    expect(delta.put).toHaveLength(30);
    const parts = (await partSks(doc)).length;
    expect(parts).toBe(4);
    expect(units).toBeLessThanOrEqual(30 + 30 + parts);
    expect(new Set([...words(30, 1_000).keys()].map((t) => partOf(t, 64))).size).toBeGreaterThan(15);
  });
});
