import { WeftError } from "../../errors.js";
import { CHANNELS, REASON_CODES, type DecisionRecord } from "../vocabulary.js";
import { assertId, assertNotifyUser, assertTime, decodeCursor, encodeCursor, jsonOf, padTimeKey } from "./common.js";

/** How long decisions are kept unless the store is configured otherwise. */
export const DEFAULT_DECISION_RETENTION_MS = 30 * 24 * 3_600_000;
/** Largest record, in UTF-8 bytes of its JSON (`detail` is the only free text). */
export const MAX_DECISION_BYTES = 4_096;
/** Most records one `append` takes. */
export const MAX_DECISIONS_PER_APPEND = 500;
/** Most records `byEvent` / `byNotification` return (far more than one event ever gets for one user). */
export const MAX_DECISIONS_PER_LOOKUP = 1_000;
/** Largest `byUser` page. */
export const MAX_DECISION_PAGE = 500;

/** A lookup's bounds: only records with `at >= since` (epoch ms). */
export interface LookupOptions {
  since?: number;
}

export interface DecisionPage {
  records: DecisionRecord[];
  /** Present iff more records may follow: pass it back as `cursor`. */
  cursor?: string;
}

/**
 * The append-only log of engine decisions: "why did I (not) get this".
 *
 * Contract:
 * - `append(records)` stores every record. A record's identity is (tenant, userId, eventId,
 *   notificationId, channel, reason, at): appending a record whose identity is stored stores
 *   nothing new (each identity is stored once; which of two such records' `detail` and
 *   `policyVersion` is kept is unspecified). Records may belong to different users. Invalid
 *   records (unknown reason or channel, bad ids or time, over MAX_DECISION_BYTES) make the whole
 *   call throw WeftError before anything is stored. If it throws for any other reason (storage),
 *   some records may be stored: retrying the same call is safe.
 * - A record is kept for the store's retention (default DEFAULT_DECISION_RETENTION_MS) after its
 *   `at` and at most one second more, then no read returns it (storage reclaims it later).
 * - `byEvent(tenant, userId, eventId, {since?})` / `byNotification(tenant, userId,
 *   notificationId, {since?})`: that user's records of the event (of the notification), only
 *   those with `at >= since` when given, oldest first (by `at`, then identity), at most
 *   MAX_DECISIONS_PER_LOOKUP. These lookups serve explanations and the engine's recovery of a
 *   send cut short, both rare; `append` is the hot path. An adapter may therefore answer them
 *   by reading the user's records from `since` (all of them without it) rather than keep an
 *   index per event and notification, which would cost a write per index per append: callers
 *   that know when the records they need were made pass `since`.
 * - `byUser(tenant, userId, {cursor, limit})`: the user's records newest first (by `at` desc,
 *   then identity desc), keyset-paginated: appends while paging never cause a repeat or a skip
 *   of records older than the cursor. `cursor` iff more may follow.
 * - Reads are strongly consistent; records round-trip deep-equal; users and tenants are isolated.
 */
export interface DecisionLogStore {
  append(records: DecisionRecord[]): Promise<void>;
  byEvent(tenant: string, userId: string, eventId: string, opts?: LookupOptions): Promise<DecisionRecord[]>;
  byNotification(tenant: string, userId: string, notificationId: string, opts?: LookupOptions): Promise<DecisionRecord[]>;
  byUser(tenant: string, userId: string, opts: { cursor?: string; limit: number }): Promise<DecisionPage>;
}

const REASONS = new Set<string>(REASON_CODES);
const CHANNEL_SET = new Set<string>(CHANNELS);

/** A lookup's `since` (0 when absent); refuses a bad time with WeftError "invalid_request". */
export function checkSince(opts: LookupOptions | undefined): number {
  if (opts?.since === undefined) return 0;
  assertTime(opts.since, "since");
  return opts.since;
}

/** Checks every record (nothing is stored if one is bad). */
export function checkDecisions(records: DecisionRecord[]): void {
  if (!Array.isArray(records) || records.length > MAX_DECISIONS_PER_APPEND) {
    throw new WeftError("invalid_request", `append takes at most ${MAX_DECISIONS_PER_APPEND} records`, [
      { path: "records", issue: Array.isArray(records) ? `${records.length} records` : "not an array" },
    ]);
  }
  records.forEach((r, i) => {
    const at = (path: string) => `records[${i}].${path}`;
    assertNotifyUser(r);
    assertId(r.eventId, at("eventId"));
    if (r.notificationId !== undefined) assertId(r.notificationId, at("notificationId"));
    if (!REASONS.has(r.reason)) throw new WeftError("invalid_request", "unknown reason code", [{ path: at("reason"), issue: String(r.reason) }]);
    if (r.channel !== undefined && !CHANNEL_SET.has(r.channel)) {
      throw new WeftError("invalid_request", "unknown channel", [{ path: at("channel"), issue: String(r.channel) }]);
    }
    if (typeof r.policyVersion !== "string") {
      throw new WeftError("invalid_request", "policyVersion must be a string", [{ path: at("policyVersion"), issue: typeof r.policyVersion }]);
    }
    assertTime(r.at, at("at"));
    jsonOf(r, `records[${i}]`, MAX_DECISION_BYTES);
  });
}

/**
 * A record's identity as a string that sorts by `at` first (ASCII only: ids are
 * percent-encoded, so no `#` inside a part). Adapters key and order records by it.
 */
export function decisionKey(r: DecisionRecord): string {
  const enc = encodeURIComponent;
  return `${padTimeKey(r.at)}#${enc(r.eventId)}#${enc(r.notificationId ?? "")}#${r.channel ?? ""}#${r.reason}`;
}

export function decisionCursor(key: string): string {
  return encodeCursor(key);
}

export function decisionCursorKey(cursor: string): string {
  return decodeCursor(cursor, (key) => /^\d{16}#[\x21-\x7e]*$/.test(key));
}
