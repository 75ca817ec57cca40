import {
  checkCommit,
  checkDedupeKeys,
  assertNotifyUser,
  type UserStateCommitOptions,
  type UserStateCommitResult,
  type NotifyUser,
  type NotifyUserStateStore,
  type UserStateSnapshot,
} from "@weft/core/notify/stores/index";
import { expirySeconds, isLive } from "@weft/core/notify/stores/common";
import { N, bin, num, packText, str, unpackText } from "./codec.js";
import { EXPIRES_AT, key, userPk } from "./notify-keys.js";
import { transactWrite, type TransactAction } from "./notify-transact.js";
import { Table, type DynamoAdapterOptions } from "./table.js";

const STATE = "state";
const DEDUPE = "k#";

/**
 * NotifyUserStateStore on the `notify` table, partition `s#<tenant>#<userId>`:
 *
 * | sk | what |
 * |---|---|
 * | `state` | `version` (N) and `state` (B: the state's JSON, Brotli-compressed) |
 * | `k#<dedupe key>` | a recorded dedupe key: `expiresAt` (N, epoch s; the table's TTL attribute) |
 *
 * `load` is one consistent GetItem. A commit without dedupe keys is one conditional PutItem
 * on `state` (version = expected, or absent for 0); with keys it is one TransactWriteItems of
 * that put plus one put per key conditioned on the key being absent or expired
 * (DynamoDB deletes expired items lazily, days later, so every read and condition compares
 * `expiresAt` with the clock itself). On cancellation the keys are read back (consistent
 * BatchGetItem) to tell a duplicate, with every recorded key, from a version conflict.
 * `seen` is one consistent BatchGetItem. Costs: a commit is 1 write unit per KB of
 * compressed state, doubled when transactional, plus 2 per key.
 */
export class DynamoNotifyUserStateStore implements NotifyUserStateStore {
  private readonly table: Table;
  private readonly meter: DynamoAdapterOptions["meter"];
  private readonly now: () => number;

  constructor(opts: DynamoAdapterOptions & { now?: () => number }) {
    this.table = new Table(opts);
    this.meter = opts.meter;
    this.now = opts.now ?? Date.now;
  }

  async load(user: NotifyUser): Promise<UserStateSnapshot> {
    assertNotifyUser(user);
    const item = await this.table.get(key(userPk("s", user), STATE));
    return item ? { state: JSON.parse(unpackText(bin(item, "state") as Uint8Array)), version: num(item, "version") } : { version: 0 };
  }

  async commit(user: NotifyUser, expectVersion: number, state: unknown, opts?: UserStateCommitOptions): Promise<UserStateCommitResult> {
    const { json, keys, ttlMs } = checkCommit(user, expectVersion, state, opts);
    const pk = userPk("s", user);
    const put = {
      Item: { ...key(pk, STATE), version: N(expectVersion + 1), state: { B: packText(json) } },
      ConditionExpression: expectVersion === 0 ? "attribute_not_exists(pk)" : "version = :v",
      ...(expectVersion === 0 ? {} : { ExpressionAttributeValues: { ":v": N(expectVersion) } }),
    };
    const ok: UserStateCommitResult = { ok: true, version: expectVersion + 1 };
    if (keys.length === 0) {
      const r = await this.table.conditional({ put });
      return r.ok ? ok : { ok: false, reason: "conflict" };
    }
    const now = this.now();
    const expiresAt = N(expirySeconds(now, ttlMs));
    const keyPuts: TransactAction[] = keys.map((k) => ({
      put: {
        Item: { ...key(pk, DEDUPE + k), [EXPIRES_AT]: expiresAt },
        ConditionExpression: "attribute_not_exists(pk) OR #exp <= :now",
        ExpressionAttributeNames: { "#exp": EXPIRES_AT },
        ExpressionAttributeValues: { ":now": N(Math.floor(now / 1000)) },
      },
    }));
    const r = await transactWrite(this.table, this.meter, [{ put }, ...keyPuts]);
    if (r.ok) return ok;
    const dupes = await this.seen(user, keys);
    return dupes.length > 0 ? { ok: false, reason: "duplicate", keys: dupes } : { ok: false, reason: "conflict" };
  }

  async seen(user: NotifyUser, keys: string[]): Promise<string[]> {
    assertNotifyUser(user);
    const wanted = checkDedupeKeys(keys);
    if (wanted.length === 0) return [];
    const pk = userPk("s", user);
    const now = this.now();
    const items = await this.table.batchGet(wanted.map((k) => key(pk, DEDUPE + k)));
    const live = new Set(items.filter((i) => isLive(num(i, EXPIRES_AT), now)).map((i) => str(i, "sk").slice(DEDUPE.length)));
    return wanted.filter((k) => live.has(k));
  }
}

