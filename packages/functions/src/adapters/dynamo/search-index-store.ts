import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import {
  compare,
  docKey,
  type DocRef,
  type IndexedDoc,
  type IndexedDocHead,
  type PendingIndexWrite,
  type Posting,
  type SearchDocMeta,
  type SearchIndexStore,
  type TermDelta,
  type TermSet,
} from "@weft/core";
import { N, S, bin, num, packJson, str, unpackJson } from "./codec.js";
import { SearchWrites, docPk, dictionaryPk, postingPk } from "./search-index-writes.js";
import { MAX_TERM_PARTS, currentLayout, inLayout, partOf, partSk, partsFor, type TermLayout } from "./search-term-parts.js";
import { Table, type DynamoAdapterOptions, type Item } from "./table.js";

const META = "meta";
const PART = "t#";
/** Documents whose term-set part keys this process remembers (from its last load or write of them). */
const MAX_KNOWN_PARTS = 10_000;

/**
 * SearchIndexStore on the `search` table. Items (tenant and docId never contain "#"; terms
 * are letters, digits and marks only):
 *
 * | pk | sk | what |
 * |---|---|---|
 * | `p#<tenant>#<term>` | docId | posting: `tf` (the inverted index, partitioned by tenant + term) |
 * | `v#<tenant>#<first 2 code points>` | term | prefix dictionary entry: `at` (ms written) |
 * | `d#<tenant>#<docId>` | `meta` | version, updatedAt, truncated (0/1), termCount, indexedAt, written; the claim (`pendingId`, `pendingVersion`, `pendingUntil`, `pendingTouched`); the deferral `dueAt` |
 * | `d#<tenant>#<docId>` | `t#<P>-<i>` (`t#00`..`t#63` before) | the indexed term set in P parts by term hash (search-term-parts.ts): `terms` = compressed [[term, tf], ...]; part 0 `gen` |
 *
 * `load` is one Query of the document's partition, `head` one GetItem of the meta item. Claim,
 * commit, advance and defer are single conditional UpdateItems on the meta item. `write` is BatchWriteItems (see SearchWrites).
 * Search reads (postings, expand, metas) are strongly consistent like every other read here.
 */
export class DynamoSearchIndexStore implements SearchIndexStore {
  private readonly table: Table;
  private readonly writes: SearchWrites;
  /**
   * Per document, the term-set part items present (sk, and part 0's gen) as this process last
   * loaded or wrote them. indexDocument loads a document right before it writes it under its
   * claim, so a write finds the keys its load saw; without them it reads them first.
   */
  private readonly knownParts = new Map<string, Array<{ sk: string; gen?: number }>>();

  constructor(opts: DynamoAdapterOptions & { now?: () => number }) {
    this.table = new Table(opts);
    this.writes = new SearchWrites(this.table, opts.meter, opts.now ?? Date.now);
  }

  async load(doc: DocRef): Promise<IndexedDoc> {
    const out: IndexedDoc = { terms: new Map() };
    const parts: Item[] = [];
    for await (const items of this.table.query({
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: { ":pk": S(docPk(doc)) },
      ConsistentRead: true,
    })) {
      for (const item of items) {
        const sk = str(item, "sk");
        if (sk.startsWith(PART)) parts.push(item);
        else if (sk === META) Object.assign(out, metaOf(item));
      }
    }
    const present = parts.map(partEntry);
    this.remember(doc, present);
    const layout = currentLayout(present);
    const terms = layout ? parts.filter((item) => inLayout(str(item, "sk"), layout)).flatMap((item) => unpackJson<Array<[string, number]>>(bin(item, "terms"))) : [];
    out.terms = new Map(terms.sort(([a], [b]) => compare(a, b)));
    return out;
  }

  private remember(doc: DocRef, present: Array<{ sk: string; gen?: number }>): void {
    const key = docKey(doc);
    this.knownParts.delete(key);
    if (this.knownParts.size >= MAX_KNOWN_PARTS) this.knownParts.delete(this.knownParts.keys().next().value!);
    this.knownParts.set(key, present);
  }

  /** The term-set part items present (sk and part 0's gen), read when this process does not know them. */
  private async presentParts(doc: DocRef): Promise<Array<{ sk: string; gen?: number }>> {
    const known = this.knownParts.get(docKey(doc));
    if (known) return known;
    const present: Array<{ sk: string; gen?: number }> = [];
    for await (const items of this.table.query({
      KeyConditionExpression: "pk = :pk AND begins_with(sk, :t)",
      ExpressionAttributeValues: { ":pk": S(docPk(doc)), ":t": S(PART) },
      ProjectionExpression: "sk, gen",
      ConsistentRead: true,
    })) {
      present.push(...items.map(partEntry));
    }
    return present;
  }

  async head(doc: DocRef): Promise<IndexedDocHead> {
    const item = await this.table.get(metaKey(doc));
    return item ? metaOf(item) : {};
  }

  async defer(doc: DocRef, dueAt: number): Promise<boolean> {
    const r = await this.table.conditional({
      update: {
        Key: metaKey(doc),
        UpdateExpression: "SET dueAt = :d",
        ConditionExpression: "attribute_not_exists(dueAt)",
        ExpressionAttributeValues: { ":d": N(dueAt) },
      },
    });
    return r.ok;
  }

  async clearDue(doc: DocRef, dueAt: number): Promise<void> {
    await this.table.conditional({
      update: {
        Key: metaKey(doc),
        UpdateExpression: "REMOVE dueAt",
        ConditionExpression: "dueAt = :d",
        ExpressionAttributeValues: { ":d": N(dueAt) },
      },
    });
  }

  async moveDue(doc: DocRef, from: number, to: number): Promise<boolean> {
    const r = await this.table.conditional({
      update: {
        Key: metaKey(doc),
        UpdateExpression: "SET dueAt = :t",
        ConditionExpression: "dueAt = :f",
        ExpressionAttributeValues: { ":f": N(from), ":t": N(to) },
      },
    });
    return r.ok;
  }

  async begin(doc: DocRef, expect: { version: number; pendingId?: string }, pending: PendingIndexWrite): Promise<boolean> {
    const names: Record<string, string> = { "#v": "version" };
    const values: Record<string, AttributeValue> = {
      ":id": S(pending.id),
      ":pv": N(pending.version),
      ":until": N(pending.until),
      ":touched": { B: packJson(pending.touched) },
    };
    const versionOk = expect.version === 0 ? "attribute_not_exists(#v)" : "#v = :ev";
    if (expect.version !== 0) values[":ev"] = N(expect.version);
    const claimOk = expect.pendingId === undefined ? "attribute_not_exists(pendingId)" : "pendingId = :old";
    if (expect.pendingId !== undefined) values[":old"] = S(expect.pendingId);
    const r = await this.table.conditional({
      update: {
        Key: metaKey(doc),
        UpdateExpression: "SET pendingId = :id, pendingVersion = :pv, pendingUntil = :until, pendingTouched = :touched",
        ConditionExpression: `${versionOk} AND ${claimOk}`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      },
    });
    return r.ok;
  }

  async write(doc: DocRef, delta: TermDelta, terms: TermSet): Promise<void> {
    await this.writes.postings(doc, delta);
    // The term set last: until it is stored, a take-over still sees the claim's touched terms.
    const present = await this.presentParts(doc);
    const current = currentLayout(present);
    const parts = partsFor(terms, current?.parts);
    const same = current !== undefined && current.parts === parts && (current.gen > 0 || parts === MAX_TERM_PARTS);
    const layout: TermLayout = same ? current : { parts, gen: (current?.gen ?? 0) + 1 };
    /** Part 0 of a generation > 0 always exists (empty or not): it marks the layout complete. */
    const keepsPart0 = layout.gen > 0;
    // Within the layout, the parts holding a changed term; a new layout, all of them.
    const touched = same ? new Set([...delta.put.map(([t]) => t), ...delta.remove].map((t) => partOf(t, parts))) : new Set(Array.from({ length: parts }, (_, i) => i));
    const byPart = new Map<number, Array<[string, number]>>();
    for (const [term, tf] of terms) {
      const p = partOf(term, parts);
      if (!touched.has(p)) continue;
      const entries = byPart.get(p);
      if (entries) entries.push([term, tf]);
      else byPart.set(p, [[term, tf]]);
    }
    const keyOf = (sk: string) => ({ pk: S(docPk(doc)), sk: S(sk) });
    const partItem = (i: number): Item => ({
      ...keyOf(partSk(layout, i)),
      terms: { B: packJson((byPart.get(i) ?? []).sort(([a], [b]) => compare(a, b))) },
      ...(i === 0 && keepsPart0 ? { gen: N(layout.gen) } : {}),
    });
    const presentSks = new Set(present.map((p) => p.sk));
    if (same) {
      const kept = (i: number) => byPart.has(i) || (i === 0 && keepsPart0);
      const puts = [...touched].filter(kept).map(partItem);
      // Emptied parts, and what another layout left (one cut short, or a replaced one's remains).
      const deletes = [
        ...[...touched].filter((i) => !kept(i) && presentSks.has(partSk(layout, i))).map((i) => keyOf(partSk(layout, i))),
        ...[...presentSks].filter((sk) => !inLayout(sk, layout)).map(keyOf),
      ];
      await this.writes.batch(puts, deletes);
      const after = new Map(present.map((p) => [p.sk, p]));
      for (const d of deletes) after.delete(d.sk.S!);
      for (const item of puts) after.set(item.sk.S!, partEntry(item));
      this.remember(doc, [...after.values()]);
      return;
    }
    // A new layout: every part (empty ones too, so no item of a cut-short attempt survives
    // under its keys), part 0 last; then every other item present is deleted.
    const all = Array.from({ length: parts }, (_, i) => partItem(i));
    await this.writes.batch(all.slice(1), []);
    await this.writes.batch(all.slice(0, 1), []);
    const written = new Set(all.map((item) => item.sk.S!));
    await this.writes.batch([], [...presentSks].filter((sk) => !written.has(sk)).map(keyOf));
    this.remember(doc, all.map(partEntry));
  }

  async commit(doc: DocRef, id: string, meta: SearchDocMeta): Promise<boolean> {
    const r = await this.table.conditional({
      update: {
        Key: metaKey(doc),
        UpdateExpression: `${SET_META} REMOVE pendingId, pendingVersion, pendingUntil, pendingTouched, dueAt`,
        ConditionExpression: "pendingId = :id",
        ExpressionAttributeNames: { "#v": "version" },
        ExpressionAttributeValues: { ...metaValues(meta), ":id": S(id) },
      },
    });
    return r.ok;
  }

  async advance(doc: DocRef, expectVersion: number, meta: SearchDocMeta): Promise<boolean> {
    const versionOk = expectVersion === 0 ? "attribute_not_exists(#v)" : "#v = :ev";
    const r = await this.table.conditional({
      update: {
        Key: metaKey(doc),
        UpdateExpression: `${SET_META} REMOVE dueAt`,
        ConditionExpression: `${versionOk} AND attribute_not_exists(pendingId)`,
        ExpressionAttributeNames: { "#v": "version" },
        ExpressionAttributeValues: { ...metaValues(meta), ...(expectVersion === 0 ? {} : { ":ev": N(expectVersion) }) },
      },
    });
    return r.ok;
  }

  async postings(tenant: string, term: string, limit: number): Promise<Posting[]> {
    const out: Posting[] = [];
    if (limit <= 0) return out;
    const pages = this.table.query(
      {
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": S(postingPk(tenant, term)) },
        ConsistentRead: true,
      },
      () => limit - out.length,
    );
    for await (const items of pages) {
      for (const item of items) out.push({ docId: str(item, "sk"), tf: num(item, "tf") });
      if (out.length >= limit) break;
    }
    return out;
  }

  async expand(tenant: string, prefix: string, limit: number): Promise<string[]> {
    const out: string[] = [];
    if (limit <= 0) return out;
    const pages = this.table.query(
      {
        KeyConditionExpression: "pk = :pk AND begins_with(sk, :prefix)",
        ExpressionAttributeValues: { ":pk": S(dictionaryPk(tenant, prefix)), ":prefix": S(prefix) },
        ConsistentRead: true,
      },
      () => limit - out.length,
    );
    for await (const items of pages) {
      for (const item of items) out.push(str(item, "sk"));
      if (out.length >= limit) break;
    }
    return out;
  }

  async metas(tenant: string, docIds: string[]): Promise<Map<string, SearchDocMeta>> {
    const keys = [...new Set(docIds)].map((docId) => metaKey({ tenant, docId }));
    const out = new Map<string, SearchDocMeta>();
    for (const item of await this.table.batchGet(keys)) {
      const { meta } = metaOf(item);
      if (meta) out.set(str(item, "pk").slice(`d#${tenant}#`.length), meta);
    }
    return out;
  }
}

const SET_META = "SET #v = :v, updatedAt = :u, truncated = :tr, termCount = :tc, indexedAt = :ia, written = :wr";

function metaValues(m: SearchDocMeta): Record<string, AttributeValue> {
  return { ":v": N(m.version), ":u": N(m.updatedAt), ":tr": N(m.truncated ? 1 : 0), ":tc": N(m.termCount), ":ia": N(m.indexedAt), ":wr": N(m.written) };
}

function metaOf(item: Item): IndexedDocHead {
  const out: IndexedDocHead = {};
  if (item.version) {
    out.meta = {
      version: num(item, "version"),
      updatedAt: num(item, "updatedAt"),
      truncated: num(item, "truncated") === 1,
      termCount: num(item, "termCount"),
      indexedAt: item.indexedAt ? num(item, "indexedAt") : 0,
      written: item.written ? num(item, "written") : 0,
    };
  }
  if (item.dueAt) out.dueAt = num(item, "dueAt");
  if (item.pendingId) {
    out.pending = {
      id: str(item, "pendingId"),
      version: num(item, "pendingVersion"),
      until: num(item, "pendingUntil"),
      touched: unpackJson<string[]>(bin(item, "pendingTouched")),
    };
  }
  return out;
}

function metaKey(doc: DocRef): Item {
  return { pk: S(docPk(doc)), sk: S(META) };
}

function partEntry(item: Item): { sk: string; gen?: number } {
  return item.gen ? { sk: str(item, "sk"), gen: num(item, "gen") } : { sk: str(item, "sk") };
}
