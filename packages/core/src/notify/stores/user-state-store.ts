import { WeftError } from "../../errors.js";
import { assertId, assertNotifyUser, jsonOf, type NotifyUser } from "./common.js";

/** Largest state, in UTF-8 bytes of its JSON (a DynamoDB item is at most 400 KB; the rest is headroom for keys). */
export const MAX_USER_STATE_BYTES = 350_000;
/** Most distinct dedupe keys one commit may record (a DynamoDB transaction holds 100 items, one is the state). */
export const MAX_DEDUPE_KEYS_PER_COMMIT = 99;
/** Longest dedupe key, in UTF-16 units. */
export const MAX_DEDUPE_KEY_LENGTH = 256;
/** How long a dedupe key is remembered unless the commit says otherwise: the issue's "at least 7 days". */
export const DEFAULT_DEDUPE_TTL_MS = 7 * 24 * 3_600_000;

export interface UserStateSnapshot {
  /** Absent iff version is 0. */
  state?: unknown;
  /** 0 = no state was ever committed. */
  version: number;
}

export interface UserStateCommitOptions {
  /** Recorded iff the commit succeeds; a commit fails as "duplicate" if any of them is already recorded. */
  dedupeKeys?: string[];
  /** How long the keys are remembered; default DEFAULT_DEDUPE_TTL_MS. */
  dedupeTtlMs?: number;
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
 * - State round-trips as `JSON.parse(JSON.stringify(state))`. A state over MAX_USER_STATE_BYTES
 *   of JSON is refused with WeftError "payload_too_large"; undefined/unserializable state, more
 *   than MAX_DEDUPE_KEYS_PER_COMMIT keys, an empty or over-long key, a bad ttl or expectVersion
 *   with "invalid_request". Refusals change nothing.
 */
export interface NotifyUserStateStore {
  load(user: NotifyUser): Promise<UserStateSnapshot>;
  commit(user: NotifyUser, expectVersion: number, state: unknown, opts?: UserStateCommitOptions): Promise<UserStateCommitResult>;
  seen(user: NotifyUser, keys: string[]): Promise<string[]>;
}

/** A validated commit: the state's JSON text, distinct keys and the ttl (shared by every adapter). */
export interface CheckedCommit {
  json: string;
  keys: string[];
  ttlMs: number;
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
  return { json, keys, ttlMs };
}

/** Distinct keys in first-seen order, each checked. */
export function checkDedupeKeys(keys: string[]): string[] {
  keys.forEach((k, i) => assertId(k, `dedupeKeys[${i}]`, MAX_DEDUPE_KEY_LENGTH));
  return [...new Set(keys)];
}
