import { docKey, parseDocKey, type DocRef, type TimerStore } from "@weft/core";
import { N, S, padTime, str } from "./codec.js";
import { Table, type DynamoAdapterOptions, type Item } from "./table.js";

/** Timer partitions by default: spreads timer writes over 8 keys while `due` stays 8 small queries. */
const BUCKETS = 8;

/**
 * TimerStore on a table with string pk/sk: pk = prefix + "#" + (FNV-1a(docKey) mod 8), sk =
 * 16-digit dueAt + "#" + docKey, so each bucket sorts by due time and `due` merges the
 * buckets. The prefix ("timers" by default: the sequencer's, in the `state` table) keeps
 * independent sets of timers apart when they share a table.
 */
export class DynamoTimerStore implements TimerStore {
  private readonly table: Table;
  private readonly prefix: string;
  private readonly buckets: number;

  /**
   * `buckets`: partitions to spread writes over (each `due` queries all of them). Fixed for the
   * life of a prefix: changing it strands timers in buckets no longer read.
   */
  constructor(opts: DynamoAdapterOptions & { prefix?: string; buckets?: number }) {
    this.table = new Table(opts);
    this.prefix = opts.prefix ?? "timers";
    this.buckets = opts.buckets ?? BUCKETS;
  }

  async add(doc: DocRef, dueAt: number): Promise<void> {
    await this.table.put({ Item: { ...this.key(doc, dueAt), dueAt: N(dueAt) } });
  }

  /** Up to `limit` from each bucket (sk <= dueAt of `now` + "#~", "~" sorting after any doc key), merged. */
  async due(now: number, limit: number): Promise<Array<{ doc: DocRef; dueAt: number }>> {
    if (limit <= 0) return [];
    const perBucket = await Promise.all(Array.from({ length: this.buckets }, (_, b) => this.dueIn(b, now, limit)));
    return perBucket
      .flat()
      .map((item) => str(item, "sk"))
      .sort()
      .slice(0, limit)
      .map((sk) => {
        const i = sk.indexOf("#");
        return { doc: parseDocKey(sk.slice(i + 1)), dueAt: Number(sk.slice(0, i)) };
      });
  }

  async remove(doc: DocRef, dueAt: number): Promise<void> {
    await this.table.delete(this.key(doc, dueAt));
  }

  private key(doc: DocRef, dueAt: number): Item {
    const key = docKey(doc);
    return { pk: S(`${this.prefix}#${fnv1a(key) % this.buckets}`), sk: S(`${padTime(dueAt)}#${key}`) };
  }

  private async dueIn(bucket: number, now: number, limit: number): Promise<Item[]> {
    const found: Item[] = [];
    const pages = this.table.query({
      KeyConditionExpression: "pk = :pk AND sk <= :hi",
      ExpressionAttributeValues: { ":pk": S(`${this.prefix}#${bucket}`), ":hi": S(`${padTime(now)}#~`) },
      ProjectionExpression: "sk",
      ConsistentRead: true,
      Limit: limit,
    });
    for await (const items of pages) {
      found.push(...items);
      if (found.length >= limit) break;
    }
    return found;
  }
}


/** 32-bit FNV-1a: a stable, well-spread hash (bucket choice must never change between versions). */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (const byte of Buffer.from(s)) h = Math.imul(h ^ byte, 0x01000193) >>> 0;
  return h;
}
