import {
  BatchWriteItemCommand,
  ConditionalCheckFailedException,
  DeleteItemCommand,
  type ConsumedCapacity,
  type WriteRequest,
} from "@aws-sdk/client-dynamodb";
import type { DocRef, TermDelta } from "@weft/core";
import type { CapacityMeter } from "./capacity.js";
import { N, S } from "./codec.js";
import type { Item, Table } from "./table.js";

const BATCH_WRITE_MAX = 25;
const PARALLEL_BATCHES = 8;
const UNPROCESSED_RETRIES = 10;

/**
 * The multi-item writes of one search index write, in the order that keeps the prefix
 * dictionary complete:
 *
 * 1. postings: puts of `delta.put`, deletes of `delta.remove` (BatchWriteItem);
 * 2. dictionary entries of `delta.added`, stamped `at` = now (after their postings);
 * 3. for each removed term, one Limit-1 Query of its postings; if none is left, a conditional
 *    delete of its dictionary entry `at < t0` (t0 taken before the Query). A document adding
 *    the term concurrently writes its posting before its entry, so either the Query sees
 *    that posting or the entry's `at` is >= t0 and the delete is refused: a held term never
 *    leaves the dictionary (assuming writer clocks agree to well under a second, as Lambda's
 *    NTP-synced clocks do).
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
    const at = this.now();
    await this.batch(delta.added.map((term) => ({ pk: S(dictionaryPk(tenant, term)), sk: S(term), at: N(at) })), []);
    if (delta.remove.length > 0) await this.dropOrphans(tenant, delta.remove);
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
      const probe = this.table.query({
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": S(postingPk(tenant, term)) },
        ProjectionExpression: "sk",
        ConsistentRead: true,
        Limit: 1,
      });
      const first = await probe.next();
      await probe.return(undefined);
      if (!first.done && first.value.length > 0) return;
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

async function inParallel<T>(items: T[], width: number, fn: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  const worker = async () => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) await fn(item);
  };
  await Promise.all(Array.from({ length: Math.min(width, queue.length) }, worker));
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
