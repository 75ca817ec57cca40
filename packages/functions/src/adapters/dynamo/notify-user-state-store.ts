import { randomBytes } from "node:crypto";
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
import { N, S, bin, num, packText, str, unpackText } from "./codec.js";
import { decodeKeys, encodeKeys, keyHash, nextKeySet, type KeyEntry } from "./notify-dedupe-keys.js";
import { EXPIRES_AT, key, userPk } from "./notify-keys.js";
import { Table, type DynamoAdapterOptions, type Item } from "./table.js";

const STATE = "state";
/** Pages of dedupe keys, parts, then the state item: one key range ("p#" <= sk <= "state"), read in one Query. */
const PAGE = "p#";
const PART = "q#";
/** Per-key items of the layout before this one (`k#<key>`, `expiresAt`): below the range, read once per user, then carried in the state item. */
const LEGACY = "k#";
/** Users whose last seen state item this process keeps (its keys and parts: what a commit checks and carries over). */
const CACHED_USERS = 10_000;
/** Reads of a state whose parts keep being dropped under them before giving up (each retry follows a newer commit). */
const READ_ATTEMPTS = 5;

/** What a commit needs of the user's items as of one version of the state item. */
interface Seen {
  version: number;
  /** The inline keys, oldest first (expired ones included until a keyed commit drops them). */
  keys: KeyEntry[];
  /** Latest expiry (epoch s) of any key moved to a page; 0 = none. */
  spill: number;
  /** The keys of the pages, when read with the state item (else read when needed). */
  pages?: KeyEntry[];
  /** Written by the previous layout: its keys are `k#<key>` items. */
  legacy: boolean;
  /** Ids of the state's parts (`q#<id>` items). */
  parts: string[];
}

/**
 * NotifyUserStateStore on the `notify` table, partition `s#<tenant>#<userId>`:
 *
 * | sk | what |
 * |---|---|
 * | `state` | `version` (N), `state` (B: the state's JSON, Brotli-compressed), `k` (B: the live dedupe keys, 12 bytes each: notify-dedupe-keys.ts), `spill` (N: latest expiry of a page, absent if none), `parts` (S: the part ids, space-separated, absent if none) |
 * | `p#<random id>` | a page of older dedupe keys moved out of the state item: `k` (B, same encoding), `expiresAt` (N: its latest key's expiry; the table's TTL) |
 * | `q#<part id>` | a part of the state (UserStateCommitOptions.parts): `v` (B: its JSON, Brotli-compressed), `ver` (N: the version of the commit that wrote it) |
 *
 * Every commit is ONE conditional write of the state item (version = expected, or absent for
 * 0): the keys live in the item, so the compare-and-set on its version is what makes "state
 * and keys together or nothing" hold, with no transaction (which would bill every item twice).
 * Page and part items are written BEFORE the commit that needs them and never changed: a
 * reader that sees a state item sees everything it refers to. So:
 * - Reads (`load`, `seen`, a commit without this process's last view of the user) are one
 *   consistent Query of the range, descending: the state item first, then its parts and pages.
 *   A listed part found missing was dropped by a newer commit meanwhile: read again.
 * - A keyed commit checks its keys against the item's and the pages' keys as of
 *   `expectVersion` (from that read; its compare-and-set proves nothing moved since) and
 *   answers a duplicate without writing. Past INLINE_KEYS keys it moves the oldest recorded ones
 *   to a new page (never a key of this commit: a page left by a commit that then fails only
 *   repeats keys that are recorded anyway).
 * - A keyless commit (settling the outbox, a wake) is an UpdateItem of `state`, `version` and
 *   `parts` that leaves the keys as they are.
 * - A commit writes the parts the state as of `expectVersion` did not list and deletes, after
 *   it, those it no longer lists. Parts no state lists and written for a version at or below the
 *   one read (a commit that lost) are deleted by the next read.
 * - On a lost compare-and-set the winning item comes back with the failure (at no extra cost):
 *   "duplicate" if it (or its pages) holds any of the keys, else "conflict".
 *
 * Costs: a commit is 1 write unit per started KB of the state item (compressed state + 12 bytes
 * per inline key), plus 1 per new and per dropped part (each once per 64 events: the engine's
 * full `seen` chunks), plus 1 per page (once per PAGE_KEYS keys, only for users past
 * INLINE_KEYS keys in the dedupe window). A read costs the bytes of the state item, its parts
 * and live pages (4 KB per read unit). A state item of the previous layout (no `k`) has its
 * `k#<key>` items read (one Query) by its first keyed commit, which carries the live ones over.
 */
export class DynamoNotifyUserStateStore implements NotifyUserStateStore {
  private readonly table: Table;
  private readonly now: () => number;
  private readonly cache = new Map<string, Seen>();

  constructor(opts: DynamoAdapterOptions & { now?: () => number }) {
    this.table = new Table(opts);
    this.now = opts.now ?? Date.now;
  }

  async load(user: NotifyUser): Promise<UserStateSnapshot> {
    assertNotifyUser(user);
    const { item, at, parts } = await this.read(userPk("s", user));
    if (!item) return { version: 0 };
    const snap: UserStateSnapshot = { state: JSON.parse(unpackText(bin(item, "state") as Uint8Array)), version: at.version };
    if (at.parts.length > 0) snap.parts = Object.fromEntries(at.parts.map((id) => [id, JSON.parse(unpackText(bin(parts.get(id)!, "v") as Uint8Array))]));
    return snap;
  }

  async commit(user: NotifyUser, expectVersion: number, state: unknown, opts?: UserStateCommitOptions): Promise<UserStateCommitResult> {
    const { json, keys, ttlMs, parts } = checkCommit(user, expectVersion, state, opts);
    const pk = userPk("s", user);
    const now = this.now();
    const known = this.cache.get(pk);
    const at = known?.version === expectVersion ? known : (await this.read(pk)).at;
    const recorded = keys.length > 0 ? await this.recorded(pk, at, now) : { hashes: new Set<string>(), carried: [] };
    const dupes = keys.filter((k) => recorded.hashes.has(keyHash(k)));
    if (dupes.length > 0) return { ok: false, reason: "duplicate", keys: dupes };
    if (at.version !== expectVersion) return { ok: false, reason: "conflict" };
    const ids = [...parts.keys()];
    const fresh = ids.filter((id) => !at.parts.includes(id));
    if (fresh.length > 0) await this.table.batchPut(fresh.map((id) => ({ ...key(pk, PART + id), v: { B: packText(parts.get(id)!) }, ver: N(expectVersion + 1) })));
    const packed = { B: packText(json) };
    const listed: Item = ids.length > 0 ? { parts: S(ids.join(" ")) } : {};
    let r: Awaited<ReturnType<Table["conditional"]>>;
    let next: Seen;
    if (keys.length === 0 && expectVersion > 0) {
      r = await this.table.conditional({
        update: {
          Key: key(pk, STATE),
          UpdateExpression: `SET #s = :s, version = :next${ids.length > 0 ? ", parts = :p" : " REMOVE parts"}`,
          ConditionExpression: "version = :v",
          ExpressionAttributeNames: { "#s": "state" },
          ExpressionAttributeValues: { ":s": packed, ":next": N(expectVersion + 1), ":v": N(expectVersion), ...(ids.length > 0 ? { ":p": listed.parts } : {}) },
        },
      });
      next = { ...at, version: expectVersion + 1, parts: ids };
    } else {
      const expiresAt = expirySeconds(now, ttlMs);
      const { inline, spill } = nextKeySet(recorded.carried, keys.map((k) => ({ hash: keyHash(k), expiresAt })));
      let spillUntil = isLive(at.spill, now) ? at.spill : 0;
      const pages = at.pages?.filter((e) => isLive(e.expiresAt, now));
      if (spill.length > 0) {
        const last = Math.max(...spill.map((e) => e.expiresAt));
        await this.table.put({ Item: { ...key(pk, PAGE + randomBytes(8).toString("hex")), k: { B: encodeKeys(spill) }, [EXPIRES_AT]: N(last) } });
        spillUntil = Math.max(spillUntil, last);
        pages?.push(...spill);
      }
      const spilled: Item = spillUntil > 0 ? { spill: N(spillUntil) } : {};
      r = await this.table.conditional({
        put: {
          Item: { ...key(pk, STATE), version: N(expectVersion + 1), state: packed, k: { B: encodeKeys(inline) }, ...spilled, ...listed },
          ConditionExpression: expectVersion === 0 ? "attribute_not_exists(pk)" : "version = :v",
          ...(expectVersion === 0 ? {} : { ExpressionAttributeValues: { ":v": N(expectVersion) } }),
        },
      });
      next = { version: expectVersion + 1, keys: inline, spill: spillUntil, legacy: false, parts: ids, ...(pages ? { pages } : {}) };
    }
    // A lost commit leaves the parts it wrote (a later read collects them): deleting them here
    // could race with the winner, which may have written the same part.
    if (!r.ok) return this.lost(pk, r.existing, keys);
    this.remember(pk, next);
    const dropped = at.parts.filter((id) => !parts.has(id));
    await Promise.all(dropped.map((id) => this.table.delete(key(pk, PART + id))));
    return { ok: true, version: expectVersion + 1 };
  }

  async seen(user: NotifyUser, keys: string[]): Promise<string[]> {
    assertNotifyUser(user);
    const wanted = checkDedupeKeys(keys);
    if (wanted.length === 0) return [];
    const pk = userPk("s", user);
    const { hashes } = await this.recorded(pk, (await this.read(pk)).at, this.now());
    return wanted.filter((k) => hashes.has(keyHash(k)));
  }

  /** A lost compare-and-set: the winning item says whether any of `keys` is recorded. */
  private async lost(pk: string, existing: Item | undefined, keys: string[]): Promise<UserStateCommitResult> {
    const at = seenOf(existing);
    this.remember(pk, at);
    if (keys.length === 0) return { ok: false, reason: "conflict" };
    const { hashes } = await this.recorded(pk, at, this.now());
    const dupes = keys.filter((k) => hashes.has(keyHash(k)));
    return dupes.length > 0 ? { ok: false, reason: "duplicate", keys: dupes } : { ok: false, reason: "conflict" };
  }

  /**
   * Every key recorded as of `at` and live at `now` (as hashes), and the live keys a commit on
   * top of `at` carries in its item: the inline ones, after a previous layout's items.
   */
  private async recorded(pk: string, at: Seen, now: number): Promise<{ hashes: Set<string>; carried: KeyEntry[] }> {
    const live = (e: KeyEntry) => isLive(e.expiresAt, now);
    const carried = at.keys.filter(live);
    if (at.legacy) carried.unshift(...(await this.query(pk, "begins_with(sk, :lo)", { ":lo": S(LEGACY) }, true)).map((i) => ({ hash: keyHash(str(i, "sk").slice(LEGACY.length)), expiresAt: num(i, EXPIRES_AT) })).filter(live));
    const hashes = new Set(carried.map((e) => e.hash));
    if (isLive(at.spill, now)) {
      const pages = at.pages ?? (await this.query(pk, "begins_with(sk, :lo)", { ":lo": S(PAGE) }, true)).flatMap((i) => decodeKeys(bin(i, "k")));
      for (const e of pages) if (live(e)) hashes.add(e.hash);
    }
    return { hashes, carried };
  }

  /** The state item with its parts and pages (one Query, state item first); collects unlisted parts. */
  private async read(pk: string): Promise<{ item: Item | undefined; at: Seen; parts: Map<string, Item> }> {
    for (let attempt = 0; attempt < READ_ATTEMPTS; attempt++) {
      const items = await this.query(pk, "sk BETWEEN :lo AND :hi", { ":lo": S(PAGE), ":hi": S(STATE) }, false);
      const item = items[0] && str(items[0], "sk") === STATE ? items[0] : undefined;
      const parts = new Map(items.filter((i) => str(i, "sk").startsWith(PART)).map((i) => [str(i, "sk").slice(PART.length), i] as const));
      const at = { ...seenOf(item), pages: items.filter((i) => str(i, "sk").startsWith(PAGE)).flatMap((i) => decodeKeys(bin(i, "k"))) };
      if (at.parts.some((id) => !parts.has(id))) continue;
      this.remember(pk, at);
      const listed = new Set(at.parts);
      const garbage = [...parts].filter(([id, i]) => !listed.has(id) && (i.ver === undefined || num(i, "ver") <= at.version));
      await Promise.all(garbage.map(([id]) => this.table.delete(key(pk, PART + id))));
      return { item, at, parts };
    }
    throw new Error(`notify state ${pk}: its parts kept being replaced while being read`);
  }

  /** The items of one key range of the partition (one consistent Query, following pages). */
  private async query(pk: string, range: string, values: Item, ascending: boolean): Promise<Item[]> {
    const out: Item[] = [];
    for await (const items of this.table.query({
      KeyConditionExpression: `pk = :pk AND ${range}`,
      ExpressionAttributeValues: { ":pk": S(pk), ...values },
      ScanIndexForward: ascending,
      ConsistentRead: true,
    })) {
      out.push(...items);
    }
    return out;
  }

  private remember(pk: string, at: Seen): void {
    this.cache.delete(pk);
    this.cache.set(pk, at);
    if (this.cache.size > CACHED_USERS) this.cache.delete(this.cache.keys().next().value as string);
  }
}

function seenOf(item: Item | undefined): Seen {
  if (!item) return { version: 0, keys: [], spill: 0, legacy: false, parts: [] };
  return {
    version: num(item, "version"),
    keys: decodeKeys(item.k?.B),
    spill: item.spill === undefined ? 0 : num(item, "spill"),
    legacy: item.k === undefined,
    parts: item.parts?.S ? item.parts.S.split(" ") : [],
  };
}
