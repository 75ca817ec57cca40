import { CLOSED, type BreakerState } from "@weft/core/notify/delivery/circuit-breaker";
import type { BreakerStateStore, VersionedBreakerState } from "@weft/core/notify/delivery/breaker-store";
import { assertId } from "@weft/core/notify/stores/common";
import { N, S, num, str } from "./codec.js";
import { key } from "./notify-keys.js";
import { Table, type DynamoAdapterOptions } from "./table.js";

const STATE = "state";

/**
 * BreakerStateStore on the `notify` table, one item per breaker (a handful in all: one per
 * provider), never expiring:
 *
 * | pk | sk | what |
 * |---|---|---|
 * | `b#<breakerKey>` | `state` | `s` = the BreakerState as JSON, `v` = its version (N, >= 1) |
 *
 * `load` is one strongly consistent GetItem (1 RCU: the item is ~100 bytes); no item means
 * CLOSED at version 0. `save` is one PutItem conditioned on the stored version (on the item's
 * absence for expectedVersion 0): 1 WCU, also when the condition fails, so of racing savers
 * from one version exactly one wins, and the losers learn it without a second read.
 */
export class DynamoBreakerStateStore implements BreakerStateStore {
  private readonly table: Table;

  constructor(opts: DynamoAdapterOptions) {
    this.table = new Table(opts);
  }

  async load(breakerKey: string): Promise<VersionedBreakerState> {
    const item = await this.table.get(itemKey(breakerKey));
    if (!item) return { state: structuredClone(CLOSED), version: 0 };
    return { state: JSON.parse(str(item, "s")) as BreakerState, version: num(item, "v") };
  }

  async save(breakerKey: string, state: BreakerState, expectedVersion: number): Promise<boolean> {
    const k = itemKey(breakerKey);
    // A version no save can have produced can never match: refuse it without a write.
    if (!Number.isSafeInteger(expectedVersion) || expectedVersion < 0) return false;
    const r = await this.table.conditional({
      put: {
        Item: { ...k, s: S(JSON.stringify(state)), v: N(expectedVersion + 1) },
        ...(expectedVersion === 0
          ? { ConditionExpression: "attribute_not_exists(pk)" }
          : { ConditionExpression: "v = :expected", ExpressionAttributeValues: { ":expected": N(expectedVersion) } }),
      },
    });
    return r.ok;
  }
}

function itemKey(breakerKey: string) {
  assertId(breakerKey, "key");
  return key(`b#${breakerKey}`, STATE);
}
