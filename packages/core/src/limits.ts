/**
 * Every size and shape limit Weft enforces, in one place. Ingest validation
 * (ops/validate-change.ts) checks requests against these; nothing else should hard-code them.
 * "Code points" means Unicode code points (what positions count); "bytes" means UTF-8 bytes.
 */

/** Largest request body accepted, in bytes. Checked before the body is parsed. */
export const MAX_BODY_BYTES = 1_048_576;

/** Most ops one change (one POST) may carry. */
export const MAX_OPS_PER_CHANGE = 500;

/** Largest single op: UTF-8 bytes of `JSON.stringify(op)`. Bounds log items and fan-out frames. */
export const MAX_OP_BYTES = 16_384;

/** How much of a refused payload a quarantine record keeps, in bytes (bodies up to this size are kept whole). */
export const QUARANTINE_SAMPLE_BYTES = 65_536;

/** A client `ts` further than this from server time counts as clock skew (a metric, never a refusal). */
export const CLOCK_SKEW_MS = 5 * 60 * 1000;

/**
 * Upper bound for positions, lengths, seqs and bases: 2^31-1. Far beyond any real document,
 * small enough that sums of two never lose integer precision.
 */
export const MAX_INT = 2_147_483_647;

/** Upper bound for a client `ts` (ms): the largest valid JavaScript Date. */
export const MAX_TIMESTAMP_MS = 8.64e15;

/**
 * Deepest JSON nesting a change body may have. A valid change nests 4 levels
 * (body > ops > op > attrs/anchor/mentions); the cap leaves room for precise errors about
 * nested attr values while keeping every later recursive step (zod, JSON.stringify) far
 * from the stack limit.
 */
export const MAX_JSON_DEPTH = 16;

/** Most keys a format op's `attrs` may have. */
export const MAX_ATTRS = 32;

/**
 * Attr keys: short identifiers, namespaced with `:` if wanted (`link:href`). `__proto__` is
 * refused separately: it matches the pattern but cannot be a plain object key safely.
 */
export const ATTR_KEY_PATTERN = /^[A-Za-z0-9_:-]{1,64}$/;

/** Longest string attr value, in code points. */
export const MAX_ATTR_STRING_CODE_POINTS = 1024;

/** Most user ids one comment may mention (each at most once). */
export const MAX_MENTIONS = 50;

/** Longest comment body, in UTF-8 bytes (non-empty). */
export const MAX_COMMENT_BODY_BYTES = 8192;

/** A reaction's emoji: 1..32 code points (room for ZWJ sequences and skin tones). */
export const MAX_EMOJI_CODE_POINTS = 32;

/** Longest task title, in code points (non-empty). */
export const MAX_TASK_TITLE_CODE_POINTS = 512;

/** Task status: a short token such as `open`, `in_progress`, `done`. */
export const TASK_STATUS_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;
