import { GetItemCommand, QueryCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { beforeAll, describe, expect, it } from "vitest";
import { diffTerms, termSetOf, type DocRef, type SearchIndexStore } from "@weft/core";
import { CapacityAccumulator } from "../../src/adapters/dynamo/capacity.js";
import type { TableNames } from "../../src/adapters/dynamo/create-tables.js";
import { DynamoSearchIndexStore } from "../../src/adapters/dynamo/search-index-store.js";
import { client, freshTables } from "./dynamo-harness.js";

/**
 * The prefix dictionary on DynamoDB: entries a tenant already has are not rewritten, and a
 * remover racing an adder of the same term never drops the adder's entry.
 */
let tables: TableNames;
beforeAll(async () => {
  tables = await freshTables();
});

/** One whole index write of `text` (claim, postings, commit), as indexDocument does it. */
async function index(store: SearchIndexStore, doc: DocRef, version: number, text: string): Promise<void> {
  const loaded = await store.load(doc);
  const { terms } = termSetOf(text);
  const delta = diffTerms(loaded.terms, terms);
  const claim = { id: `c${version}-${doc.docId}`, version, until: Date.now() + 60_000, touched: [] };
  expect(await store.begin(doc, { version: loaded.meta?.version ?? 0 }, claim)).toBe(true);
  await store.write(doc, delta, terms);
  const meta = { version, updatedAt: 1, truncated: false, termCount: terms.size, indexedAt: 1, written: 0 };
  expect(await store.commit(doc, claim.id, meta)).toBe(true);
}

async function entryAt(tenant: string, term: string): Promise<string | undefined> {
  const out = await client.send(
    new GetItemCommand({ TableName: tables.search, Key: { pk: { S: `v#${tenant}#${term.slice(0, 2)}` }, sk: { S: term } }, ConsistentRead: true }),
  );
  return out.Item?.at?.N;
}

describe("search prefix dictionary on DynamoDB", () => {
  it("a second document with the same words writes its postings but no dictionary entry the tenant has", async () => {
    const tenant = `dict-${Date.now()}`;
    const words = Array.from({ length: 120 }, (_, i) => `shared${i}`);
    let now = 1_000;
    const first = new CapacityAccumulator();
    const store = new DynamoSearchIndexStore({ client, table: tables.search, meter: first, now: () => now });
    await index(store, { tenant, docId: "a" }, 1, words.join(" "));
    expect(await entryAt(tenant, "shared7")).toBe("1000");

    now = 2_000;
    const meter = new CapacityAccumulator();
    const metered = new DynamoSearchIndexStore({ client, table: tables.search, meter, now: () => now });
    await index(metered, { tenant, docId: "b" }, 1, `${words.join(" ")} onlyinb`);
    // The existing entries kept their stamp; the one new word got its entry.
    expect(await entryAt(tenant, "shared7")).toBe("1000");
    expect(await entryAt(tenant, "onlyinb")).toBe("2000");
    expect(await metered.expand(tenant, "on", 10)).toEqual(["onlyinb"]);
    expect((await metered.postings(tenant, "shared7", 10)).map((p) => p.docId)).toEqual(["a", "b"]);
    // The same write as the first document's (postings, term set, claim, commit) less its 120
    // dictionary entries, plus one entry and one posting.
    const writeOf = (m: CapacityAccumulator) => m.snapshot().byTable[tables.search].write;
    expect(writeOf(first) - writeOf(meter)).toBeGreaterThanOrEqual(110);
  });

  it("a remover that deletes an entry while an adder skipped it puts the entry back", async () => {
    const tenant = `race-${Date.now()}`;
    const plain = new DynamoSearchIndexStore({ client, table: tables.search });
    await index(plain, { tenant, docId: "old" }, 1, "zebra stays");

    // The remover's first posting probe of "zebra" finds none (the old document is dropping
    // it); right after that probe, before its delete, the adder indexes "zebra" in full:
    // its posting lands and it finds the entry still there, so it skips it.
    let adderRan = false;
    const racing = {
      send: async (command: unknown) => {
        const out = await client.send(command as never);
        const input = (command as { input?: { ExpressionAttributeValues?: Record<string, { S?: string }> } }).input;
        if (!adderRan && command instanceof QueryCommand && input?.ExpressionAttributeValues?.[":pk"]?.S === `p#${tenant}#zebra`) {
          adderRan = true;
          const onlyOld = ((out as { Items?: unknown[] }).Items ?? []).length;
          expect(onlyOld).toBe(0);
          await index(plain, { tenant, docId: "new" }, 1, "zebra arrives");
        }
        return out;
      },
    } as unknown as DynamoDBClient;
    const remover = new DynamoSearchIndexStore({ client: racing, table: tables.search });
    // The old document's posting is removed first (postings before the orphan check).
    await index(remover, { tenant, docId: "old" }, 2, "stays");

    expect(adderRan).toBe(true);
    expect((await plain.postings(tenant, "zebra", 10)).map((p) => p.docId)).toEqual(["new"]);
    expect(await plain.expand(tenant, "ze", 10)).toEqual(["zebra"]);
  });

  it("a term no document holds any more leaves the dictionary", async () => {
    const tenant = `drop-${Date.now()}`;
    const store = new DynamoSearchIndexStore({ client, table: tables.search });
    await index(store, { tenant, docId: "a" }, 1, "walrus");
    await index(store, { tenant, docId: "b" }, 1, "walrus");
    await index(store, { tenant, docId: "a" }, 2, "other");
    expect(await store.expand(tenant, "wa", 10)).toEqual(["walrus"]);
    await index(store, { tenant, docId: "b" }, 2, "other");
    expect(await store.expand(tenant, "wa", 10)).toEqual([]);
    expect(await entryAt(tenant, "walrus")).toBeUndefined();
  });
});
