import { SPEND_ID_RETENTION_MS, type FanoutChunk, type FanoutJobMeta, type FanoutJobStore } from "@weft/core/notify/fanout/index";
import type { CapacityMeter } from "./capacity.js";
import { transactWrite } from "./notify-transact.js";
import { N, S, bin, packJson, unpackJson } from "./codec.js";
import { Table, type DynamoAdapterOptions, type Item } from "./table.js";

/** Jobs and budget counters expire on their own (a fan-out window is minutes). */
const JOB_TTL_SECONDS = 7 * 24 * 3600;
const BUDGET_TTL_SECONDS = 2 * 3600;

/**
 * FanoutJobStore on the `notify` table:
 *
 * | pk | sk | what |
 * |---|---|---|
 * | `j#<tenant>#<jobId>` | `meta` | senderId, recipients, chunks, createdAt (conditional put: "created" once) |
 * | `j#<tenant>#<jobId>` | `c#<index, 6 digits>` | `c` = the chunk (brotli JSON: 500 recipients' intents compress to a few KB) |
 * | `j#<tenant>#<jobId>` | `f#<index, 6 digits>` | finished marker, so a retried create never brings a chunk back |
 * | `sb#<tenant>#<senderId>` | `<windowStart>` | `n`: recipients spent in that hour (conditional ADD) |
 * | `sbe#<tenant>#<senderId>` | `<spendId>` | a spend already charged (`n`, `windowStart`), kept 7 days; written in one transaction with the ADD |
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
    const marker = { pk: S(`sbe#${tenant}#${senderId}`), sk: S(spendId) };
    if (n > max) return (await this.table.get(marker)) !== undefined;
    for (let attempt = 0; ; attempt++) {
      const r = await transactWrite(this.table, this.meter, [
        {
          put: {
            Item: { ...marker, n: N(n), windowStart: N(windowStart), expiresAt: N(Math.floor((Date.now() + SPEND_ID_RETENTION_MS) / 1000)) },
            ConditionExpression: "attribute_not_exists(pk)",
          },
        },
        {
          update: {
            Key: { pk: S(`sb#${tenant}#${senderId}`), sk: S(String(windowStart)) },
            UpdateExpression: "ADD #n :n SET expiresAt = :e",
            ConditionExpression: "attribute_not_exists(#n) OR #n <= :room",
            ExpressionAttributeNames: { "#n": "n" },
            ExpressionAttributeValues: { ":n": N(n), ":room": N(max - n), ":e": N(Math.floor((windowStart + 3_600_000) / 1000) + BUDGET_TTL_SECONDS) },
          },
        },
      ]);
      if (r.ok) return true;
      if (r.codes[0] === "ConditionalCheckFailed") return true; // charged before: a retry
      if (r.codes[1] === "ConditionalCheckFailed") return false;
      // TransactionConflict: concurrent spends of this sender; try again.
      if (attempt >= 8) throw new Error(`notify: sender budget of ${senderId} is contended; retry`);
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * 2 ** attempt));
    }
  }
}

function jobPk(tenant: string, jobId: string): string {
  return `j#${tenant}#${jobId}`;
}

function pad(index: number): string {
  return String(index).padStart(6, "0");
}
