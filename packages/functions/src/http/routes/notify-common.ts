import type { Context } from "hono";
import { WeftError, type Clock, type DocStates, type ErrorDetail, type Principal } from "@weft/core";
import { parseTenantPolicy, type TenantPolicy } from "@weft/core/notify/preferences/index";
import { describe, invalid } from "@weft/core/notify/preferences/validation";
import { NOTIFY_USER_ID_PATTERN, type NotifyUser } from "@weft/core/notify/stores/index";
import type { NotifyWiring } from "../../notify/notify-wiring.js";

/** What the notification routes read: the notify wiring, documents (watchers, titles) and the clock. */
export interface NotifyRouteDeps {
  notify: NotifyWiring;
  docStates: DocStates;
  clock: Clock;
}

export type NotifyEnv = { Variables: { who: Principal } };

/** The caller as a notification recipient (user ids are scoped to the token's tenant). */
export function userOf(c: Context<NotifyEnv>): NotifyUser {
  const who = c.get("who");
  return { tenant: who.tenant, userId: who.userId };
}

/** The tenant's notification policy (the defaults when none is stored). */
export async function tenantPolicy(deps: NotifyRouteDeps, tenant: string): Promise<TenantPolicy> {
  return parseTenantPolicy((await deps.notify.policies.get(tenant)) ?? {});
}

/** The request body as JSON; 400 when it is missing or not JSON. */
export async function jsonBody(c: Context): Promise<unknown> {
  const text = await c.req.text();
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new WeftError("invalid_request", text.length === 0 ? "a JSON body is required" : "body is not JSON", [
      { path: "", issue: text.length === 0 ? "missing" : (err as Error).message },
    ]);
  }
}

/**
 * `raw` as a JSON object with only `allowed` keys. Unknown keys are reported (one detail each)
 * through `details`, so a handler can add its own findings and throw once.
 */
export function objectBody(raw: unknown, what: string, allowed: readonly string[], details: ErrorDetail[]): Record<string, unknown> {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new WeftError("invalid_request", `${what} must be a JSON object`, [{ path: "", issue: `got ${describe(raw)}` }]);
  }
  const known = new Set(allowed);
  for (const key of Object.keys(raw)) if (!known.has(key)) details.push({ path: key, issue: "unknown key" });
  return raw as Record<string, unknown>;
}

/** Throws the invalid_request error for `what` when there are details ("invalid X: path: issue"). */
export function throwIfAny(what: string, details: ErrorDetail[]): void {
  if (details.length > 0) throw invalid(what, details);
}

export function isUserId(v: unknown): v is string {
  return typeof v === "string" && NOTIFY_USER_ID_PATTERN.test(v);
}

/** A user id from a query or path parameter; 400 when missing or malformed. */
export function userIdParam(raw: string | undefined, path: string): string {
  if (raw === undefined || raw === "") throw new WeftError("invalid_request", `${path} is required`, [{ path, issue: "missing" }]);
  if (!NOTIFY_USER_ID_PATTERN.test(raw)) {
    throw new WeftError("invalid_request", `${path} must be 1..128 characters without whitespace, # or control characters`, [
      { path, issue: `got ${JSON.stringify(raw.slice(0, 40))}` },
    ]);
  }
  return raw;
}

/** A notification or event id from the path or query: 1..256 characters (as the stores take them). */
export function idParam(raw: string | undefined, path: string): string {
  if (raw === undefined || raw === "") throw new WeftError("invalid_request", `${path} is required`, [{ path, issue: "missing" }]);
  if (raw.length > 256) throw new WeftError("invalid_request", `${path} must be 1..256 characters`, [{ path, issue: `length ${raw.length}` }]);
  return raw;
}
