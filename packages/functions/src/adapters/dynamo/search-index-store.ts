import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import {
  compare,
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
import { Table, type DynamoAdapterOptions, type Item } from "./table.js";

/** Parts a document's term set is stored in (by term hash), so an edit rewrites one or two small items. */
const TERM_PARTS = 64;
const META = "meta";
const PART = "t#";

/**
 * SearchIndexStore on the `search` table. Items (tenant and docId never contain "#"; terms
 * are letters, digits and marks only):
 *
 * | pk | sk | what |
 * |---|---|---|
 * | `p#<tenant>#<term>` | docId | posting: `tf` (the inverted index, partitioned by tenant + term) |
 * | `v#<tenant>#<first 2 code points>` | term | prefix dictionary entry: `at` (ms written) |
 * | `d#<tenant>#<docId>` | `meta` | version, updatedAt, truncated (0/1), termCount, indexedAt, written; the claim (`pendingId`, `pendingVersion`, `pendingUntil`, `pendingTouched`); the deferral `dueAt` |
 * | `d#<tenant>#<docId>` | `t#00`..`t#63` | the indexed term set, by term hash: `terms` = compressed [[term, tf], ...] |
 *
 * `load` is one Query of the document's partition, `head` one GetItem of the meta item. Claim,
 * commit, advance and defer are single conditional UpdateItems on the meta item. `write` is BatchWriteItems (see SearchWrites).
 * Search reads (postings, expand, metas) are strongly consistent like every other read here.
 */
export class DynamoSearchIndexStore implements SearchIndexStore {
  private readonly table: Table;
  private readonly writes: SearchWrites;

  constructor(opts: DynamoAdapterOptions & { now?: () => number }) {
    this.table = new Table(opts);
    this.writes = new SearchWrites(this.table, opts.meter, opts.now ?? Date.now);
  }

  async load(doc: DocRef): Promise<IndexedDoc> {
    const out: IndexedDoc = { terms: new Map() };
    const parts: Array<Array<[string, number]>> = [];
    for await (const items of this.table.query({
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: { ":pk": S(docPk(doc)) },
      ConsistentRead: true,
    })) {
      for (const item of items) {
        const sk = str(item, "sk");
        if (sk.startsWith(PART)) parts.push(unpackJson(bin(item, "terms")));
        else if (sk === META) Object.assign(out, metaOf(item));
      }
    }
    const all = parts.flat().sort(([a], [b]) => compare(a, b));
    out.terms = new Map(all);
    return out;
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
    const parts = new Set([...delta.put.map(([t]) => t), ...delta.remove].map(partOf));
    const byPart = new Map<number, Array<[string, number]>>();
    for (const [term, tf] of terms) {
      const p = partOf(term);
      if (parts.has(p)) byPart.set(p, [...(byPart.get(p) ?? []), [term, tf]]);
    }
    const puts: Item[] = [];
    const deletes: Item[] = [];
    for (const p of parts) {
      const key = { pk: S(docPk(doc)), sk: S(PART + String(p).padStart(2, "0")) };
      const entries = byPart.get(p);
      if (entries) puts.push({ ...key, terms: { B: packJson(entries.sort(([a], [b]) => compare(a, b))) } });
      else deletes.push(key);
    }
    await this.writes.batch(puts, deletes);
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

/** FNV-1a over the UTF-16 units: stable across processes and releases (a changed hash would orphan parts). */
function partOf(term: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < term.length; i++) h = Math.imul(h ^ term.charCodeAt(i), 0x01000193);
  return (h >>> 0) % TERM_PARTS;
}
