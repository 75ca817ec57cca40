import { createHash } from "node:crypto";
import { SPEND_ID_RETENTION_MS } from "@weft/core/notify/fanout/index";
import type { CapacityMeter } from "./capacity.js";
import { N, S, num } from "./codec.js";
import { transactWrite, type TransactAction } from "./notify-transact.js";
import type { Table } from "./table.js";

/**
 * Counter shards per sender and hour. One DynamoDB item takes at most 1,000 write units a second
 * and every spend is a transaction (2 units per item), so one counter would cap a sender near
 * 500 events/s and make its concurrent spends conflict; the notification brief's back end posts
 * ~1,700/s (5,000 at peak). 16 shards keep each under ~320 spends/s at that peak.
 */
export const BUDGET_SHARDS = 16;
/** A counter outlives its hour by this much (it is not read after it). */
const BUDGET_TTL_SECONDS = 2 * 3600;
/** Transactions tried before a spend reports contention (the caller retries the request). */
const ATTEMPTS = 8;

/** Shard k's share of a budget of `max`: the shares differ by at most 1 and sum to `max`. */
export function shardCap(max: number, k: number): number {
  return Math.floor(max / BUDGET_SHARDS) + (k < max % BUDGET_SHARDS ? 1 : 0);
}

/** The shard a spend id lives on (its marker, and its counter on the fast path): stable across retries. */
export function homeShard(spendId: string): number {
  return createHash("sha256").update(spendId).digest().readUInt32BE(0) % BUDGET_SHARDS;
}

/**
 * Amounts per shard for a spend of `n` given each shard's count: the home shard first, then the
 * others by most room; undefined when all of them together have less than `n` left.
 */
export function spreadSpend(counts: readonly number[], max: number, n: number, home: number): Array<[number, number]> | undefined {
  const room = counts.map((c, k) => Math.max(0, shardCap(max, k) - c));
  if (room.reduce((a, b) => a + b, 0) < n) return undefined;
  const order = [home, ...room.map((_, k) => k).filter((k) => k !== home).sort((a, b) => room[b]! - room[a]! || a - b)];
  const plan: Array<[number, number]> = [];
  let left = n;
  for (const k of order) {
    if (left === 0) break;
    const take = Math.min(left, room[k]!);
    if (take > 0) plan.push([k, take]);
    left -= take;
  }
  return plan;
}

/**
 * The sender's hourly recipient budget on the `notify` table (FanoutJobStore.spend's contract):
 *
 * | pk | sk | what |
 * |---|---|---|
 * | `sb#<tenant>#<senderId>#<shard>` | `<windowStart>` | `n`: recipients spent on this shard in that hour; at most `shardCap(max, shard)` |
 * | `sbe#<tenant>#<senderId>#<home shard>` | `<spendId>` | a spend already charged (`n`, `windowStart`), kept SPEND_ID_RETENTION_MS |
 *
 * A spend is one transaction: the marker (conditioned on none: a charged spend id is never
 * charged again) and an ADD on each shard it uses, each conditioned on staying within that
 * shard's cap, so concurrent spends never pass `max` together. It first tries its home shard
 * alone (one counter write: spends spread over the shards by their ids, and no shard item or
 * partition key takes a sender's whole rate). When that shard is full, or contended, it reads
 * every shard (one BatchGetItem) and spreads the spend over the shards with room, or refuses
 * when all of them together have less than `n` left: a spend is refused only when the
 * sender's whole budget cannot take it.
 */
export async function spendSenderBudget(
  table: Table,
  meter: CapacityMeter | undefined,
  spend: { tenant: string; senderId: string; windowStart: number; n: number; max: number; spendId: string },
): Promise<boolean> {
  const { tenant, senderId, windowStart, n, max, spendId } = spend;
  const home = homeShard(spendId);
  const marker = { pk: S(`sbe#${tenant}#${senderId}#${home}`), sk: S(spendId) };
  if (n > max) return (await table.get(marker)) !== undefined;
  const counterKey = (k: number) => ({ pk: S(`sb#${tenant}#${senderId}#${k}`), sk: S(String(windowStart)) });
  const expiresAt = N(Math.floor((windowStart + 3_600_000) / 1000) + BUDGET_TTL_SECONDS);
  let plan: Array<[number, number]> | undefined = n <= shardCap(max, home) ? [[home, n]] : undefined;
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    if (plan === undefined) {
      const items = await table.batchGet(Array.from({ length: BUDGET_SHARDS }, (_, k) => counterKey(k)));
      const counts = new Array<number>(BUDGET_SHARDS).fill(0);
      for (const item of items) counts[Number(item.pk!.S!.slice(item.pk!.S!.lastIndexOf("#") + 1))] = num(item, "n");
      plan = spreadSpend(counts, max, n, home);
      // Refused, unless it was charged before (a retry of a spend that went through).
      if (plan === undefined) return (await table.get(marker)) !== undefined;
    }
    const actions: TransactAction[] = [
      {
        put: {
          Item: { ...marker, n: N(n), windowStart: N(windowStart), expiresAt: N(Math.floor((Date.now() + SPEND_ID_RETENTION_MS) / 1000)) },
          ConditionExpression: "attribute_not_exists(pk)",
        },
      },
      ...plan.map(([k, amount]): TransactAction => ({
        update: {
          Key: counterKey(k),
          UpdateExpression: "ADD #n :n SET expiresAt = :e",
          ConditionExpression: "attribute_not_exists(#n) OR #n <= :room",
          ExpressionAttributeNames: { "#n": "n" },
          ExpressionAttributeValues: { ":n": N(amount), ":room": N(shardCap(max, k) - amount), ":e": expiresAt },
        },
      })),
    ];
    const r = await transactWrite(table, meter, actions);
    if (r.ok) return true;
    if (r.codes[0] === "ConditionalCheckFailed") return true; // charged before: a retry
    // A shard filled up, or a concurrent spend of this sender conflicted: read the shards and spread again.
    plan = undefined;
    if (!r.codes.slice(1).includes("ConditionalCheckFailed")) await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * 2 ** attempt));
  }
  throw new Error(`notify: sender budget of ${senderId} is contended; retry`);
}
