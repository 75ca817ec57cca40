import type { BusEntry } from "./bus.js";

/**
 * A bus event that a rule's target did not take after its retries: kept, per tenant, until an
 * admin re-drives (re-publishes) or deletes it.
 */
export interface DeadLetter {
  /** `deadLetterId(deadAt, eventId, rule)`: time-sortable, URL-safe. */
  id: string;
  /** From the event's `detail.tenant`; UNKNOWN_TENANT when the event names none. */
  tenant: string;
  /** The event's `detail.docId`, when it has one. */
  docId?: string;
  /** EventBridge's id of the event that failed. */
  eventId: string;
  /** The rule's name (last segment of its ARN). */
  rule: string;
  ruleArn?: string;
  targetArn?: string;
  /** As EventBridge (or Lambda) reported it. */
  errorCode: string;
  errorMessage: string;
  retryAttempts?: number;
  /** Server ms when the failure was recorded. */
  deadAt: number;
  /** The event as published, ready to be published again. */
  event: BusEntry;
  status: "dead" | "redriven";
  /** Set by `markRedriven`: when, and how many times. */
  redrivenAt?: number;
  redrives: number;
}

/** Tenant of a dead letter whose event names no tenant: no real tenant id can contain `#`. */
export const UNKNOWN_TENANT = "#unknown";

/** The shape of a dead-letter id (see `deadLetterId`). */
export const DEAD_LETTER_ID_PATTERN = /^[0-9a-z]{9}-[0-9a-z]{13}$/;

/**
 * Dead letters of the event bus, per tenant.
 *
 * Contract:
 * - `put` is idempotent per (eventId, rule): the first put stores the letter ("stored"); any
 *   later put of the same event and rule changes nothing ("duplicate"), whatever its other fields.
 * - `list(tenant, limit, cursor)` returns that tenant's letters newest first (by id, which
 *   starts with deadAt), at most `limit`, with a `cursor` when more exist; a cursor the store
 *   did not issue is WeftError("invalid_request"). A tenant never sees another tenant's letters.
 * - `get(tenant, id)` returns the letter deep-equal to what was stored (plus re-drive marks),
 *   or undefined (also for another tenant's id).
 * - `markRedriven(tenant, id, at)` sets status "redriven", redrivenAt = at, redrives + 1, and
 *   returns the updated letter; undefined when there is no such letter.
 * - `delete(tenant, id)` removes it (true) or finds nothing (false). Deleting forgets the
 *   (eventId, rule) pair: a later put of it is stored again.
 */
export interface DeadLetterStore {
  put(letter: DeadLetter): Promise<"stored" | "duplicate">;
  list(tenant: string, limit: number, cursor?: string): Promise<{ deadLetters: DeadLetter[]; cursor?: string }>;
  get(tenant: string, id: string): Promise<DeadLetter | undefined>;
  markRedriven(tenant: string, id: string, at: number): Promise<DeadLetter | undefined>;
  delete(tenant: string, id: string): Promise<boolean>;
}

/** 64-bit FNV-1a of a string's UTF-16 code units (stable, dependency-free; not cryptographic). */
function fnv1a64(s: string): bigint {
  let h = 0xcbf29ce484222325n;
  for (let i = 0; i < s.length; i++) {
    h ^= BigInt(s.charCodeAt(i));
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return h;
}

/**
 * The id of a dead letter: deadAt in base 36 (9 digits: good until year 5188) + "-" + a hash of
 * (eventId, rule) in base 36 (13 digits). Sorting ids sorts by deadAt; the same (deadAt, event,
 * rule) always gives the same id.
 */
export function deadLetterId(deadAt: number, eventId: string, rule: string): string {
  return `${Math.max(0, Math.floor(deadAt)).toString(36).padStart(9, "0")}-${fnv1a64(`${eventId}\n${rule}`).toString(36).padStart(13, "0")}`;
}
