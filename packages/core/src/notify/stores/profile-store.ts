import { type ErrorDetail, WeftError } from "../../errors.js";
import { invalid } from "../preferences/validation.js";
import { assertNotifyUser, assertTenant, jsonOf, type NotifyUser } from "./common.js";

/** Largest preferences document, in UTF-8 bytes of its JSON. */
export const MAX_PREFERENCES_BYTES = 64_000;
/** Largest tenant policy, in UTF-8 bytes of its JSON. */
export const MAX_POLICY_BYTES = 64_000;
/** E.164: "+" and 2..15 digits, no leading zero. */
export const E164_PHONE_PATTERN = /^\+[1-9]\d{1,14}$/;

export type EmailDisabledReason = "bounce" | "complaint";

/** Longest display name, in code points. */
export const MAX_DISPLAY_NAME = 128;

/** What the store knows about a user from the app's identity system: how notifications name them, and how to reach them outside the app. */
export interface ContactFacts {
  /** Display name ("Dan Abramov"): notifications name the user by it, read when rendered; absent: the user id. */
  name?: string;
  email?: { address: string; verified: boolean; disabled?: EmailDisabledReason };
  phone?: { number: string; verified: boolean };
}

export interface NotifyProfile {
  /** Absent iff revision is 0. */
  preferences?: unknown;
  /** 0 = never written. */
  preferencesRevision: number;
  contacts: ContactFacts;
  /**
   * The `groups` claim of the user's token as last recorded (putGroups), distinct and sorted;
   * absent: never recorded. How notifications judge a document's group entries for a user who
   * is not connected (docs/api.md "Notifications and document access").
   */
  groups?: string[];
}

/** Most groups recorded per user (as a token's `groups` claim may name). */
export const MAX_RECORDED_GROUPS = 100;

export type RevisionedPut = { ok: true; revision: number } | { ok: false; revision: number };
export type VersionedPut = { ok: true; version: number } | { ok: false; version: number };

/**
 * Per-user notification preferences and contact facts, and per-tenant policy. Preferences and
 * policy are opaque JSON here (the engine validates them before storing).
 *
 * Contract:
 * - `load(user)`: preferences (opaque), their revision (0 = never written) and contact facts
 *   (`{}` when none), in one strongly consistent read.
 * - `putPreferences(user, expectRevision, preferences)` stores them with revision
 *   expectRevision + 1 iff the stored revision is still expectRevision; otherwise changes
 *   nothing and returns `{ok: false, revision: <stored>}`.
 * - `putContacts(user, contacts, {reenableEmail})` replaces the contact facts, except that a
 *   disabled email stays disabled (with its reason) when the new facts keep the same address
 *   and do not say `disabled` themselves, unless `reenableEmail`: an identity sync cannot undo
 *   a hard bounce or a spam complaint by accident. Returns the stored facts.
 * - `disableEmail(user, reason, address?)` marks the email disabled and returns true iff it was
 *   enabled; false (nothing changes) when there is no email, it is already disabled (the first
 *   reason is kept), or `address` is given and is not the stored address (a bounce for an old
 *   address never disables a new one).
 * - `putGroups(user, groups)` records the user's token groups (distinct, sorted; `[]` is a
 *   record too: a token without groups) and returns true iff that changed what was stored;
 *   `load` returns them as `groups` (absent until the first record).
 * - `loadPolicy(tenant)` / `putPolicy(tenant, expectVersion, policy)`: the same compare-and-set
 *   as preferences, per tenant (`version` in place of `revision`).
 * - Values round-trip as JSON; concurrent writers never lose a contacts update silently (each
 *   call applies atomically to the latest facts). Oversized JSON is refused with
 *   "payload_too_large", malformed facts or revisions with "invalid_request".
 */
export interface NotifyProfileStore {
  load(user: NotifyUser): Promise<NotifyProfile>;
  putPreferences(user: NotifyUser, expectRevision: number, preferences: unknown): Promise<RevisionedPut>;
  putContacts(user: NotifyUser, contacts: ContactFacts, opts?: { reenableEmail?: boolean }): Promise<ContactFacts>;
  disableEmail(user: NotifyUser, reason: EmailDisabledReason, address?: string): Promise<boolean>;
  putGroups(user: NotifyUser, groups: readonly string[]): Promise<boolean>;
  loadPolicy(tenant: string): Promise<{ policy?: unknown; version: number }>;
  putPolicy(tenant: string, expectVersion: number, policy: unknown): Promise<VersionedPut>;
}

export function assertRevisionNumber(n: number, path: string): void {
  if (!Number.isSafeInteger(n) || n < 0) throw new WeftError("invalid_request", `${path} must be an integer >= 0`, [{ path, issue: `got ${n}` }]);
}

export function checkPreferences(user: NotifyUser, expectRevision: number, preferences: unknown): string {
  assertNotifyUser(user);
  assertRevisionNumber(expectRevision, "expectRevision");
  return jsonOf(preferences, "preferences", MAX_PREFERENCES_BYTES);
}

/** The groups as putGroups stores them (distinct, sorted); invalid_request for anything but 0..MAX_RECORDED_GROUPS strings of 1..128 characters. */
export function checkGroups(user: NotifyUser, groups: readonly string[]): string[] {
  assertNotifyUser(user);
  if (!Array.isArray(groups) || groups.length > MAX_RECORDED_GROUPS || groups.some((g) => typeof g !== "string" || g.length === 0 || g.length > 128)) {
    throw new WeftError("invalid_request", `groups must be at most ${MAX_RECORDED_GROUPS} strings of 1..128 characters`, [{ path: "groups", issue: "malformed" }]);
  }
  return [...new Set(groups)].sort();
}

export function checkPolicy(tenant: string, expectVersion: number, policy: unknown): string {
  assertTenant(tenant);
  assertRevisionNumber(expectVersion, "expectVersion");
  return jsonOf(policy, "policy", MAX_POLICY_BYTES);
}

/**
 * Validated, normalized facts (only the known fields, in a fixed shape). Throws WeftError
 * "invalid_request" with one detail per bad field, every one at once.
 */
export function checkContacts(c: ContactFacts): ContactFacts {
  const out: ContactFacts = {};
  const details: ErrorDetail[] = [];
  const problem = (path: string, issue: string) => details.push({ path, issue });
  if (c.name !== undefined) {
    const { name } = c;
    const length = typeof name === "string" ? [...name].length : 0;
    if (typeof name !== "string") problem("name", "must be a string");
    else if (length < 1 || length > MAX_DISPLAY_NAME || name.trim() !== name) problem("name", `must be 1..${MAX_DISPLAY_NAME} characters without leading or trailing spaces`);
    else if (/[\u0000-\u001f\u007f]/.test(name)) problem("name", "must not contain control characters");
    else out.name = name;
  }
  if (c.email !== undefined) {
    const { address, verified, disabled } = c.email;
    const okAddress = typeof address === "string" && address.length <= 320 && /^[^\s@]+@[^\s@]+$/.test(address);
    if (!okAddress) problem("email.address", "not an email address");
    if (typeof verified !== "boolean") problem("email.verified", "must be a boolean");
    if (disabled !== undefined && disabled !== "bounce" && disabled !== "complaint") problem("email.disabled", `got ${JSON.stringify(disabled)}`);
    out.email = { address, verified, ...(disabled ? { disabled } : {}) };
  }
  if (c.phone !== undefined) {
    const { number, verified } = c.phone;
    if (typeof number !== "string" || !E164_PHONE_PATTERN.test(number)) problem("phone.number", "must be E.164 (+ and 2..15 digits)");
    if (typeof verified !== "boolean") problem("phone.verified", "must be a boolean");
    out.phone = { number, verified };
  }
  if (details.length > 0) throw invalid("contact facts", details);
  return out;
}

/** The facts `putContacts` stores over `stored` (see the contract). */
export function mergeContacts(stored: ContactFacts, next: ContactFacts, reenableEmail = false): ContactFacts {
  const keep = stored.email?.disabled;
  if (!keep || reenableEmail || !next.email || next.email.disabled || next.email.address !== stored.email?.address) return next;
  return { ...next, email: { ...next.email, disabled: keep } };
}

/** The facts after `disableEmail`, or undefined when nothing changes. */
export function disabledContacts(stored: ContactFacts, reason: EmailDisabledReason, address?: string): ContactFacts | undefined {
  if (reason !== "bounce" && reason !== "complaint") throw bad("reason", `got ${JSON.stringify(reason)}`);
  const email = stored.email;
  if (!email || email.disabled || (address !== undefined && address !== email.address)) return undefined;
  return { ...stored, email: { ...email, disabled: reason } };
}

function bad(path: string, issue: string): WeftError {
  return invalid("contact facts", [{ path, issue }]);
}
