import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  ConditionalCheckFailedException,
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
  type AttributeValue,
  type ConsumedCapacity,
  type DynamoDBClient,
  type PutItemCommandInput,
  type QueryCommandInput,
  type UpdateItemCommandInput,
  type WriteRequest,
} from "@aws-sdk/client-dynamodb";
import { failedWriteUnits, type CapacityKind, type CapacityMeter } from "./capacity.js";

export type Item = Record<string, AttributeValue>;

/** What every adapter is constructed with. */
export interface DynamoAdapterOptions {
  client: DynamoDBClient;
  /** Physical table name. */
  table: string;
  /** Receives the consumed capacity of every call. */
  meter?: CapacityMeter;
}

/** Outcome of a conditional write: written (with the item's attributes when the update asked ReturnValues), or refused with the item that failed the condition. */
export type ConditionalResult = { ok: true; attributes?: Item } | { ok: false; existing: Item | undefined };

type PutInput = Omit<PutItemCommandInput, "TableName" | "ReturnConsumedCapacity">;
type UpdateInput = Omit<UpdateItemCommandInput, "TableName" | "ReturnConsumedCapacity">;
type QueryInput = Omit<QueryCommandInput, "TableName" | "ReturnConsumedCapacity" | "ExclusiveStartKey">;

const BATCH_GET_MAX = 100;
const BATCH_WRITE_MAX = 25;
const UNPROCESSED_RETRIES = 10;

/**
 * One table as the adapters use it. Every call asks for ReturnConsumedCapacity TOTAL and
 * reports it to the meter; conditional writes return their failure instead of throwing
 * (every other error propagates: throttling is retried inside the SDK first).
 */
export class Table {
  readonly client: DynamoDBClient;
  readonly name: string;
  private readonly meter?: CapacityMeter;

  constructor(opts: DynamoAdapterOptions) {
    this.client = opts.client;
    this.name = opts.table;
    this.meter = opts.meter;
  }

  async get(Key: Item): Promise<Item | undefined> {
    const out = await this.client.send(
      new GetItemCommand({ TableName: this.name, Key, ConsistentRead: true, ReturnConsumedCapacity: "TOTAL" }),
    );
    this.report("read", out.ConsumedCapacity);
    return out.Item;
  }

  async put(input: PutInput): Promise<void> {
    const out = await this.client.send(new PutItemCommand({ ...input, TableName: this.name, ReturnConsumedCapacity: "TOTAL" }));
    this.report("write", out.ConsumedCapacity);
  }

  /** Returns the attributes the input's ReturnValues asked for (undefined without). */
  async update(input: UpdateInput): Promise<Item | undefined> {
    const out = await this.client.send(new UpdateItemCommand({ ...input, TableName: this.name, ReturnConsumedCapacity: "TOTAL" }));
    this.report("write", out.ConsumedCapacity);
    return out.Attributes;
  }

  async delete(Key: Item): Promise<void> {
    const out = await this.client.send(new DeleteItemCommand({ TableName: this.name, Key, ReturnConsumedCapacity: "TOTAL" }));
    this.report("write", out.ConsumedCapacity);
  }

  /** A put or update with a ConditionExpression; the existing item comes back on failure at no extra cost. */
  async conditional(op: { put: PutInput } | { update: UpdateInput }): Promise<ConditionalResult> {
    try {
      if ("put" in op) await this.put({ ...op.put, ReturnValuesOnConditionCheckFailure: "ALL_OLD" });
      else return { ok: true, attributes: await this.update({ ...op.update, ReturnValuesOnConditionCheckFailure: "ALL_OLD" }) };
      return { ok: true };
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
      this.meter?.add(this.name, "write", failedWriteUnits(err.Item));
      return { ok: false, existing: err.Item };
    }
  }

  /**
   * Query pages in order, following LastEvaluatedKey. `pageLimit(n)` gives the Limit of the
   * n-th page (0-based; undefined = no Limit): growing limits keep a search that usually
   * ends early from reading (and paying for) a full 1 MB page.
   */
  async *query(input: QueryInput, pageLimit?: (page: number) => number | undefined): AsyncGenerator<Item[]> {
    let start: Item | undefined;
    for (let page = 0; ; page++) {
      const out = await this.client.send(
        new QueryCommand({
          ...input,
          TableName: this.name,
          ReturnConsumedCapacity: "TOTAL",
          ExclusiveStartKey: start,
          Limit: pageLimit?.(page) ?? input.Limit,
        }),
      );
      this.report("read", out.ConsumedCapacity);
      yield out.Items ?? [];
      start = out.LastEvaluatedKey;
      if (!start) return;
    }
  }

  /** Strongly consistent BatchGetItem of any number of distinct keys (chunked, UnprocessedKeys retried). */
  async batchGet(keys: Item[]): Promise<Item[]> {
    const chunks = chunk(keys, BATCH_GET_MAX);
    const found = await Promise.all(chunks.map((c) => this.batchGetChunk(c)));
    return found.flat();
  }

  /** BatchWriteItem puts of any number of items with distinct keys (chunked, UnprocessedItems retried). */
  async batchPut(items: Item[]): Promise<void> {
    await Promise.all(chunk(items, BATCH_WRITE_MAX).map((c) => this.batchWriteChunk(c.map((Item) => ({ PutRequest: { Item } })))));
  }

  private async batchGetChunk(keys: Item[]): Promise<Item[]> {
    const items: Item[] = [];
    let pending: Item[] = keys;
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > 0) await backoff(attempt);
      const out = await this.client.send(
        new BatchGetItemCommand({
          RequestItems: { [this.name]: { Keys: pending, ConsistentRead: true } },
          ReturnConsumedCapacity: "TOTAL",
        }),
      );
      this.report("read", out.ConsumedCapacity);
      items.push(...(out.Responses?.[this.name] ?? []));
      pending = out.UnprocessedKeys?.[this.name]?.Keys ?? [];
    }
    return items;
  }

  private async batchWriteChunk(requests: WriteRequest[]): Promise<void> {
    let pending = requests;
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > 0) await backoff(attempt);
      const out = await this.client.send(
        new BatchWriteItemCommand({ RequestItems: { [this.name]: pending }, ReturnConsumedCapacity: "TOTAL" }),
      );
      this.report("write", out.ConsumedCapacity);
      pending = out.UnprocessedItems?.[this.name] ?? [];
    }
  }

  private report(kind: CapacityKind, consumed: ConsumedCapacity | ConsumedCapacity[] | undefined): void {
    if (!this.meter || !consumed) return;
    for (const c of Array.isArray(consumed) ? consumed : [consumed]) {
      this.meter.add(c.TableName ?? this.name, kind, c.CapacityUnits ?? 0);
    }
  }
}

/**
 * Exponential backoff with full jitter for unprocessed batch items (DynamoDB's advice),
 * giving up after UNPROCESSED_RETRIES rounds rather than looping forever.
 */
async function backoff(attempt: number): Promise<void> {
  if (attempt > UNPROCESSED_RETRIES) throw new Error(`DynamoDB left batch items unprocessed after ${UNPROCESSED_RETRIES} retries`);
  const cap = Math.min(2000, 25 * 2 ** attempt);
  await new Promise((r) => setTimeout(r, Math.random() * cap));
}

function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
