/**
 * Stable error codes. Core speaks only in these codes; the HTTP layer maps them to
 * statuses in one place (packages/functions/src/http/error-response.ts).
 */
export const ERROR_CODES = [
  "unauthorized",
  "forbidden",
  "not_found",
  "invalid_request",
  "payload_too_large",
  "rate_limited",
  "internal",
  // A store refused the request for now (DynamoDB throttling above a table's capacity): retry after a pause.
  "unavailable",
  // The WebSocket protocol's own refusals (live/client-messages.ts, docs/protocol.md).
  "invalid_message",
  "unknown_action",
  "not_subscribed",
  "too_many_subscriptions",
  "token_expired",
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** One thing wrong with a request: where (`index`/`id` of the op, or a `path`) and what. */
export interface ErrorDetail {
  index?: number;
  id?: string;
  path?: string;
  issue: string;
}

export class WeftError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: ErrorDetail[] = [],
  ) {
    super(message);
    this.name = "WeftError";
  }
}

/**
 * Why an accepted op was not committed, or why a payload was refused. These are the
 * `reason` values of receipts and quarantine records; they never change meaning.
 */
export const REJECT_REASONS = {
  baseAheadOfHead: "base_ahead_of_head",
  positionOutOfRange: "position_out_of_range",
  /** The op needs a role its sender lacks as of the entry before it (access/may-apply.ts). */
  forbidden: "forbidden",
  /** An acl op that would leave a document with no owner. */
  lastOwner: "last_owner",
  /** An acl op that would give a document's ACL more than MAX_ACL_ENTRIES entries. */
  aclTooLarge: "acl_too_large",
  gapExpired: "client_seq_gap_expired",
  invalidRecord: "invalid_record",
  streamRetriesExhausted: "stream_retries_exhausted",
} as const;
export type RejectReason = (typeof REJECT_REASONS)[keyof typeof REJECT_REASONS];
