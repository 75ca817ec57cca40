import {
  BatchWriteItemCommand,
  ConditionalCheckFailedException,
  DeleteItemCommand,
  type ConsumedCapacity,
  type WriteRequest,
} from "@aws-sdk/client-dynamodb";
import { inParallel, type DocRef, type TermDelta } from "@weft/core";
import type { CapacityMeter } from "./capacity.js";
import { N, S } from "./codec.js";
import type { Item, Table } from "./table.js";

const BATCH_WRITE_MAX = 25;
/**
 * Batch calls in flight per index write. Search is a background consumer: a first index of a
 * large document writes thousands of items, and a burst of many calls at once would queue
 * ahead of the live path's small writes wherever they share capacity (a table's partitions,
 * or DynamoDB Local's single process), so the write trickles instead.
 */
const PARALLEL_BATCHES = 2;
const UNPROCESSED_RETRIES = 10;

/**
 * The multi-item writes of one search index write, in the order that keeps the prefix
 * dictionary complete:
 *
 * 1. postings: puts of `delta.put`, deletes of `delta.remove` (BatchWriteItem);
 * 2. dictionary entries of `delta.added` that are missing, stamped `at` = now (after their
 *    postings). A tenant's documents share most of their vocabulary, so most entries exist:
 *    a strongly consistent BatchGetItem of them (100 keys per call, a read unit costing a
 *    fifth of a write unit) skips the rest, instead of rewriting the tenant's common words
 *    for every document indexed.
 * 3. for each removed term, one Limit-1 Query of its postings; if none is left, a conditional
 *    delete of its dictionary entry `at < t0` (t0 taken before the Query), then a second
 *    Query: a posting found now was written by a document adding the term concurrently, and
 *    the entry is put back. So a held term never leaves the dictionary: an adder that found
 *    the entry (and skipped it) wrote its posting before looking, so the remover's first
 *    Query sees that posting, or its second one does; an adder that looks after the delete
 *    finds no entry and writes it.
 * Every write is idempotent, so a retried or taken-over write converges.
 */
export class SearchWrites {
  constructor(
    private readonly table: Table,
    private readonly meter: CapacityMeter | undefined,
    private readonly now: () => number,
  ) {}

  async postings(doc: DocRef, delta: TermDelta): Promise<void> {
    const { tenant, docId } = doc;
    const puts = delta.put.map(([term, tf]) => ({ pk: S(postingPk(tenant, term)), sk: S(docId), tf: N(tf) }));
    const deletes = delta.remove.map((term) => ({ pk: S(postingPk(tenant, term)), sk: S(docId) }));
    await this.batch(puts, deletes);
    if (delta.added.length > 0) await this.addToDictionary(tenant, delta.added);
    if (delta.remove.length > 0) await this.dropOrphans(tenant, delta.remove);
  }

  private async addToDictionary(tenant: string, terms: string[]): Promise<void> {
    const present = await this.table.batchGet(terms.map((term) => ({ pk: S(dictionaryPk(tenant, term)), sk: S(term) })));
    const known = new Set(present.map((item) => item.sk?.S));
    const at = this.now();
    const missing = terms.filter((term) => !known.has(term));
    await this.batch(missing.map((term) => ({ pk: S(dictionaryPk(tenant, term)), sk: S(term), at: N(at) })), []);
  }

  private async hasPosting(tenant: string, term: string): Promise<boolean> {
    const probe = this.table.query({
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: { ":pk": S(postingPk(tenant, term)) },
      ProjectionExpression: "sk",
      ConsistentRead: true,
      Limit: 1,
    });
    const first = await probe.next();
    await probe.return(undefined);
    return !first.done && first.value.length > 0;
  }

  /** BatchWriteItem of puts and deletes (distinct keys), 25 per call, several calls at once, unprocessed items retried. */
  async batch(puts: Item[], deletes: Item[]): Promise<void> {
    const requests: WriteRequest[] = [...puts.map((Item) => ({ PutRequest: { Item } })), ...deletes.map((Key) => ({ DeleteRequest: { Key } }))];
    const chunks: WriteRequest[][] = [];
    for (let i = 0; i < requests.length; i += BATCH_WRITE_MAX) chunks.push(requests.slice(i, i + BATCH_WRITE_MAX));
    await inParallel(chunks, PARALLEL_BATCHES, (c) => this.batchChunk(c));
  }

  private async dropOrphans(tenant: string, terms: string[]): Promise<void> {
    const t0 = this.now();
    await inParallel(terms, PARALLEL_BATCHES, async (term) => {
      if (await this.hasPosting(tenant, term)) return;
      try {
        const out = await this.table.client.send(
          new DeleteItemCommand({
            TableName: this.table.name,
            Key: { pk: S(dictionaryPk(tenant, term)), sk: S(term) },
            ConditionExpression: "#at < :t0",
            ExpressionAttributeNames: { "#at": "at" },
            ExpressionAttributeValues: { ":t0": N(t0) },
            ReturnConsumedCapacity: "TOTAL",
          }),
        );
        this.report("write", out.ConsumedCapacity);
      } catch (err) {
        if (!(err instanceof ConditionalCheckFailedException)) throw err;
        this.meter?.add(this.table.name, "write", 1);
        return;
      }
      if (await this.hasPosting(tenant, term)) {
        await this.table.put({ Item: { pk: S(dictionaryPk(tenant, term)), sk: S(term), at: N(this.now()) } });
      }
    });
  }

  private async batchChunk(requests: WriteRequest[]): Promise<void> {
    let pending = requests;
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > UNPROCESSED_RETRIES) throw new Error(`DynamoDB left ${pending.length} search index writes unprocessed`);
      if (attempt > 0) await new Promise((r) => setTimeout(r, Math.random() * Math.min(2000, 25 * 2 ** attempt)));
      const out = await this.table.client.send(
        new BatchWriteItemCommand({ RequestItems: { [this.table.name]: pending }, ReturnConsumedCapacity: "TOTAL" }),
      );
      for (const c of out.ConsumedCapacity ?? []) this.report("write", c);
      pending = out.UnprocessedItems?.[this.table.name] ?? [];
    }
  }

  private report(kind: "read" | "write", c: ConsumedCapacity | undefined): void {
    if (c) this.meter?.add(c.TableName ?? this.table.name, kind, c.CapacityUnits ?? 0);
  }
}

/** Partition keys of the search table's items (see DynamoSearchIndexStore). */
export function docPk(doc: DocRef): string {
  return `d#${doc.tenant}#${doc.docId}`;
}

export function postingPk(tenant: string, term: string): string {
  return `p#${tenant}#${term}`;
}

/** The dictionary partition of a term or prefix: its first two code points (terms have at least two). */
export function dictionaryPk(tenant: string, termOrPrefix: string): string {
  const head = Array.from(termOrPrefix).slice(0, 2);
  if (head.length < 2) throw new RangeError(`a search prefix needs at least 2 code points, got ${JSON.stringify(termOrPrefix)}`);
  return `v#${tenant}#${head.join("")}`;
}
