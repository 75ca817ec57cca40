import { WeftError } from "../../errors.js";
import { assertId, assertNotifyUser, jsonOf, type NotifyUser } from "./common.js";

/** Largest state, in UTF-8 bytes of its JSON (a DynamoDB item is at most 400 KB; the rest is headroom for keys). */
export const MAX_USER_STATE_BYTES = 350_000;
/** Most distinct dedupe keys one commit may record (bounds what one commit adds to the user's stored keys). */
export const MAX_DEDUPE_KEYS_PER_COMMIT = 99;
/** Longest dedupe key, in UTF-16 units. */
export const MAX_DEDUPE_KEY_LENGTH = 256;
/** How long a dedupe key is remembered unless the commit says otherwise: the issue's "at least 7 days". */
export const DEFAULT_DEDUPE_TTL_MS = 7 * 24 * 3_600_000;
/** Most parts one state may have. */
export const MAX_STATE_PARTS = 16;
/** Largest part, in UTF-8 bytes of its JSON. */
export const MAX_STATE_PART_BYTES = 16_000;
/** A part id: what the caller derives from the part's value (a hash). */
export const STATE_PART_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export interface UserStateSnapshot {
  /** Absent iff version is 0. */
  state?: unknown;
  /** 0 = no state was ever committed. */
  version: number;
  /** The committed state's parts (UserStateCommitOptions.parts), present iff it has any. */
  parts?: Record<string, unknown>;
}

export interface UserStateCommitOptions {
  /** Recorded iff the commit succeeds; a commit fails as "duplicate" if any of them is already recorded. */
  dedupeKeys?: string[];
  /** How long the keys are remembered; default DEFAULT_DEDUPE_TTL_MS. */
  dedupeTtlMs?: number;
  /**
   * Values the state refers to by id that rarely change (none given: the state has none).
   * Each id must always name the same value, and an id that a committed state stopped using
   * must never be given again (a store may delete the part then): a store may thus write only
   * the parts the previous commit did not have, which keeps a large, mostly unchanging part of
   * the state out of every write.
   */
  parts?: Record<string, unknown>;
}

export type UserStateCommitResult =
  | { ok: true; version: number }
  | { ok: false; reason: "conflict" }
  | { ok: false; reason: "duplicate"; keys: string[] };

/**
 * The per-user serialization point of the notification engine: one opaque JSON state per
 * (tenant, userId) with a version, written only by compare-and-set. Every decision for a user
 * is a read-modify-commit loop on it, so two workers handling events for the same user can
 * never both pass a cap (one of them gets "conflict", reloads and decides again), while
 * different users never contend.
 *
 * Contract:
 * - `load(user)` is strongly consistent: it reflects every commit that returned ok before it
 *   was called. `{version: 0}` (no `state`) for a user never committed.
 * - `commit(user, expectVersion, state, {dedupeKeys, dedupeTtlMs})` is atomic: either all of
 *   it happens or nothing does. It succeeds iff the stored version is still `expectVersion`
 *   AND none of the (distinct) dedupe keys is currently recorded for this user; then the state
 *   becomes `state` with version expectVersion + 1 (returned), and every key is recorded.
 *   Otherwise nothing changes and the result says why: "duplicate" with `keys` = those of the
 *   given keys recorded at the time (whether or not the version also moved: a duplicate is
 *   final, a conflict is worth a retry), else "conflict".
 * - A recorded key stays recorded for at least `dedupeTtlMs` after its commit and at most one
 *   second more (TTLs are kept in whole seconds), then is forgotten: `seen` stops reporting it
 *   and a commit may record it again. Keys are per user.
 * - `seen(user, keys)` returns the given keys currently recorded (in the given order, each once).
 * - An adapter may recognise keys by a hash of at least 64 bits instead of their text (the
 *   DynamoDB one keeps them in the state item that way): a key is then taken for a different,
 *   recorded one with a chance of about n / 2^64 for n recorded keys, far below any other
 *   failure, and is otherwise treated exactly as above.
 * - Parts belong to the commit: `load` returns exactly the parts given with the commit that
 *   wrote the state it returns (`parts` absent if none), each round-tripping as JSON, and a
 *   commit that fails changes none of them.
 * - State round-trips as `JSON.parse(JSON.stringify(state))`. A state over MAX_USER_STATE_BYTES
 *   of JSON, or a part over MAX_STATE_PART_BYTES, is refused with WeftError
 *   "payload_too_large"; undefined/unserializable state or part, more than
 *   MAX_DEDUPE_KEYS_PER_COMMIT keys, an empty or over-long key, a bad ttl or expectVersion, a
 *   part id not matching STATE_PART_ID_PATTERN or more than MAX_STATE_PARTS parts with
 *   "invalid_request". Refusals change nothing.
 */
export interface NotifyUserStateStore {
  load(user: NotifyUser): Promise<UserStateSnapshot>;
  commit(user: NotifyUser, expectVersion: number, state: unknown, opts?: UserStateCommitOptions): Promise<UserStateCommitResult>;
  seen(user: NotifyUser, keys: string[]): Promise<string[]>;
}

/** A validated commit: the state's JSON text, distinct keys, the ttl and each part's JSON text (shared by every adapter). */
export interface CheckedCommit {
  json: string;
  keys: string[];
  ttlMs: number;
  parts: Map<string, string>;
}

export function checkCommit(user: NotifyUser, expectVersion: number, state: unknown, opts: UserStateCommitOptions = {}): CheckedCommit {
  assertNotifyUser(user);
  if (!Number.isSafeInteger(expectVersion) || expectVersion < 0) {
    throw new WeftError("invalid_request", "expectVersion must be an integer >= 0", [{ path: "expectVersion", issue: `got ${expectVersion}` }]);
  }
  const json = jsonOf(state, "state", MAX_USER_STATE_BYTES);
  const keys = checkDedupeKeys(opts.dedupeKeys ?? []);
  if (keys.length > MAX_DEDUPE_KEYS_PER_COMMIT) {
    throw new WeftError("invalid_request", `a commit records at most ${MAX_DEDUPE_KEYS_PER_COMMIT} dedupe keys`, [
      { path: "dedupeKeys", issue: `${keys.length} distinct keys` },
    ]);
  }
  const ttlMs = opts.dedupeTtlMs ?? DEFAULT_DEDUPE_TTL_MS;
  if (!Number.isSafeInteger(ttlMs) || ttlMs < 1) {
    throw new WeftError("invalid_request", "dedupeTtlMs must be a positive integer", [{ path: "dedupeTtlMs", issue: `got ${ttlMs}` }]);
  }
  return { json, keys, ttlMs, parts: checkParts(opts.parts ?? {}) };
}

function checkParts(parts: Record<string, unknown>): Map<string, string> {
  const ids = Object.keys(parts);
  if (ids.length > MAX_STATE_PARTS) {
    throw new WeftError("invalid_request", `a state has at most ${MAX_STATE_PARTS} parts`, [{ path: "parts", issue: `${ids.length} parts` }]);
  }
  const out = new Map<string, string>();
  for (const id of ids) {
    if (!STATE_PART_ID_PATTERN.test(id)) {
      throw new WeftError("invalid_request", "a part id must match [A-Za-z0-9_-]{1,64}", [{ path: "parts", issue: `id ${JSON.stringify(id.slice(0, 70))}` }]);
    }
    out.set(id, jsonOf(parts[id], `parts.${id}`, MAX_STATE_PART_BYTES));
  }
  return out;
}

/** Distinct keys in first-seen order, each checked. */
export function checkDedupeKeys(keys: string[]): string[] {
  keys.forEach((k, i) => assertId(k, `dedupeKeys[${i}]`, MAX_DEDUPE_KEY_LENGTH));
  return [...new Set(keys)];
}
