import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { WeftError, type ErrorCode } from "@weft/core";

/** The one place where core error codes become HTTP statuses. */
export const HTTP_STATUS: Record<ErrorCode, ContentfulStatusCode> = {
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  invalid_request: 400,
  payload_too_large: 413,
  rate_limited: 429,
  internal: 500,
  unavailable: 503,
  invalid_message: 400,
  unknown_action: 400,
  not_subscribed: 409,
  too_many_subscriptions: 409,
  token_expired: 401,
};

export function errorBody(code: ErrorCode, message: string, details: unknown[] = []) {
  return { error: { code, message, details } };
}

/**
 * AWS errors that mean "over capacity, try again shortly": a provisioned table above its units
 * (after burst capacity), an on-demand table above twice its previous peak, or an account limit.
 * The SDK has already retried them with backoff by the time they reach a handler.
 */
const THROTTLES = new Set(["ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded"]);

/** Seconds a throttled client is asked to wait (the SDK retries sooner, with jitter). */
export const THROTTLED_RETRY_AFTER_S = 1;

/** A thrown value as the error a client is told: the same for an HTTP answer and a room tier `error` message. */
export interface ClientError {
  code: ErrorCode;
  message: string;
  details: unknown[];
  /** Set when the client should resend after this many seconds (throttling). */
  retryAfterS?: number;
}

/**
 * Any thrown value as a client error. Throttling becomes `unavailable` with a retry delay (the
 * client resends as is; a change stored before the refusal is deduped); other unknown errors
 * are logged and become `internal`.
 */
export function clientErrorOf(err: unknown): ClientError {
  if (err instanceof WeftError) return { code: err.code, message: err.message, details: err.details };
  const name = (err as { name?: unknown })?.name;
  if (typeof name === "string" && THROTTLES.has(name)) {
    console.error(JSON.stringify({ kind: "throttled", error: name, message: (err as Error).message }));
    return { code: "unavailable", message: `storage is over its capacity for now (${name}); retry after ${THROTTLED_RETRY_AFTER_S} s`, details: [], retryAfterS: THROTTLED_RETRY_AFTER_S };
  }
  console.error(JSON.stringify({ kind: "error", message: (err as Error)?.message, stack: (err as Error)?.stack }));
  return { code: "internal", message: "internal error", details: [] };
}

/** Renders any thrown value as the JSON error shape with its HTTP status (and Retry-After when throttled). */
export function errorResponse(c: Context, err: unknown) {
  const e = clientErrorOf(err);
  if (e.retryAfterS !== undefined) c.header("Retry-After", String(e.retryAfterS));
  return c.json(errorBody(e.code, e.message, e.details), HTTP_STATUS[e.code]);
}
