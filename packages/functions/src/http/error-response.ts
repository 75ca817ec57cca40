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
  invalid_message: 400,
  unknown_action: 400,
  not_subscribed: 409,
  too_many_subscriptions: 409,
  token_expired: 401,
};

export function errorBody(code: ErrorCode, message: string, details: unknown[] = []) {
  return { error: { code, message, details } };
}

/** Renders any thrown value as the JSON error shape; unknown errors are logged and become `internal`. */
export function errorResponse(c: Context, err: unknown) {
  if (err instanceof WeftError) {
    return c.json(errorBody(err.code, err.message, err.details), HTTP_STATUS[err.code]);
  }
  console.error(JSON.stringify({ kind: "error", message: (err as Error)?.message, stack: (err as Error)?.stack }));
  return c.json(errorBody("internal", "internal error"), 500);
}
