import { type FanoutChunk, type FanoutJobMeta, type FanoutJobStore } from "@weft/core/notify/fanout/index";
import type { CapacityMeter } from "./capacity.js";
import { spendSenderBudget } from "./notify-sender-budget.js";
import { N, S, bin, packJson, unpackJson } from "./codec.js";
import { Table, type DynamoAdapterOptions, type Item } from "./table.js";

/** Jobs expire on their own (a fan-out window is minutes). */
const JOB_TTL_SECONDS = 7 * 24 * 3600;

/**
 * FanoutJobStore on the `notify` table:
 *
 * | pk | sk | what |
 * |---|---|---|
 * | `j#<tenant>#<jobId>` | `meta` | senderId, recipients, chunks, createdAt (conditional put: "created" once) |
 * | `j#<tenant>#<jobId>` | `c#<index, 6 digits>` | `c` = the chunk (brotli JSON: 500 recipients' intents compress to a few KB) |
 * | `j#<tenant>#<jobId>` | `f#<index, 6 digits>` | finished marker, so a retried create never brings a chunk back |
 * | `sb#<tenant>#<senderId>#<shard>` / `sbe#…` | | the sender budget, in 16 shards: notify-sender-budget.ts |
 */
export class DynamoFanoutJobStore implements FanoutJobStore {
  private readonly table: Table;
  private readonly meter?: CapacityMeter;

  constructor(opts: DynamoAdapterOptions) {
    this.table = new Table(opts);
    this.meter = opts.meter;
  }

  async create(tenant: string, jobId: string, meta: FanoutJobMeta, chunks: FanoutChunk[]): Promise<"created" | "exists"> {
    const pk = jobPk(tenant, jobId);
    const expiresAt = N(Math.floor(meta.createdAt / 1000) + JOB_TTL_SECONDS);
    const r = await this.table.conditional({
      put: {
        Item: { pk: S(pk), sk: S("meta"), senderId: S(meta.senderId), recipients: N(meta.recipients), chunks: N(meta.chunks), createdAt: N(meta.createdAt), expiresAt },
        ConditionExpression: "attribute_not_exists(pk)",
      },
    });
    let todo = chunks;
    if (!r.ok) {
      // A retry: finished chunks stay finished.
      const finished = new Set<number>();
      for await (const items of this.table.query({
        KeyConditionExpression: "pk = :pk AND begins_with(sk, :f)",
        ExpressionAttributeValues: { ":pk": S(pk), ":f": S("f#") },
        ProjectionExpression: "sk",
        ConsistentRead: true,
      })) {
        for (const item of items) finished.add(Number(item.sk.S!.slice(2)));
      }
      todo = chunks.filter((c) => !finished.has(c.index));
    }
    const items: Item[] = todo.map((c) => ({ pk: S(pk), sk: S(`c#${pad(c.index)}`), c: { B: packJson(c) }, expiresAt }));
    await this.table.batchPut(items);
    return r.ok ? "created" : "exists";
  }

  async chunk(tenant: string, jobId: string, index: number): Promise<FanoutChunk | undefined> {
    const item = await this.table.get({ pk: S(jobPk(tenant, jobId)), sk: S(`c#${pad(index)}`) });
    return item ? unpackJson<FanoutChunk>(bin(item, "c")) : undefined;
  }

  async finish(tenant: string, jobId: string, index: number): Promise<void> {
    const pk = jobPk(tenant, jobId);
    await this.table.put({ Item: { pk: S(pk), sk: S(`f#${pad(index)}`), expiresAt: N(Math.floor(Date.now() / 1000) + JOB_TTL_SECONDS) } });
    await this.table.delete({ pk: S(pk), sk: S(`c#${pad(index)}`) });
  }

  async spend(tenant: string, senderId: string, windowStart: number, n: number, max: number, spendId: string): Promise<boolean> {
    return spendSenderBudget(this.table, this.meter, { tenant, senderId, windowStart, n, max, spendId });
  }
}

function jobPk(tenant: string, jobId: string): string {
  return `j#${tenant}#${jobId}`;
}

function pad(index: number): string {
  return String(index).padStart(6, "0");
}
