/**
 * Shapes of an EventBridge event pattern, as accepted by `validatePattern`.
 *
 * Contract: a value typed `EventPattern` is only meaningful once `validatePattern` has returned
 * `ok: true` for it. Field values are either a non-empty array of leaf matchers (OR across
 * the array), a nested pattern (a field of an object in the event), or, under the key `$or`,
 * an array of at least two sub-patterns (OR across the sub-patterns, each AND across its
 * fields).
 */

/** A JSON scalar compared for equality with an event's leaf value. */
export type ExactValue = string | number | boolean | null;

/** `{"equals-ignore-case": "..."}` as the operand of `prefix` / `suffix`. */
export interface IgnoreCaseOperand {
  readonly "equals-ignore-case": string;
}

/** The inner object of `{"anything-but": {...}}`: exactly one of these keys. */
export type AnythingButInner =
  | { readonly "equals-ignore-case": string | readonly string[] }
  | { readonly prefix: string | readonly string[] }
  | { readonly suffix: string | readonly string[] }
  | { readonly wildcard: string | readonly string[] };

/** Numeric comparison: `["=", n]`, `[">"|">=", n]`, `["<"|"<=", n]`, `[">"|">=", n, "<"|"<=", m]`. */
export type NumericExpression = readonly (string | number)[];

/** One operator object in a leaf array: exactly one key. */
export type OperatorMatcher =
  | { readonly prefix: string | IgnoreCaseOperand }
  | { readonly suffix: string | IgnoreCaseOperand }
  | { readonly "equals-ignore-case": string }
  | { readonly wildcard: string }
  | { readonly "anything-but": string | number | readonly string[] | readonly number[] | AnythingButInner }
  | { readonly numeric: NumericExpression }
  | { readonly exists: boolean }
  | { readonly cidr: string };

/** An element of a leaf array. */
export type LeafMatcher = ExactValue | OperatorMatcher;

/** A pattern node: leaf array, nested pattern, or (under `$or`) alternatives. */
export type PatternNode = readonly LeafMatcher[] | EventPattern | readonly EventPattern[];

/** A (validated) EventBridge event pattern. */
export interface EventPattern {
  readonly [field: string]: PatternNode;
}

/** The key that introduces an OR across sub-patterns. */
export const OR_KEY = "$or";

/** Operator names recognised inside a leaf array; any other key is rejected. */
export const OPERATORS = [
  "prefix",
  "suffix",
  "equals-ignore-case",
  "wildcard",
  "anything-but",
  "numeric",
  "exists",
  "cidr",
] as const;

/**
 * Field names that may not appear inside a `$or` branch (EventBridge's rule compiler treats them
 * as reserved there, so `{"$or": [{"prefix": ...}, ...]}` is a mistake, not a field).
 */
export const RESERVED_IN_OR: ReadonlySet<string> = new Set<string>([...OPERATORS, "equals"]);

/** Numeric matching (and numeric operands) are limited to this closed range. */
export const NUMERIC_LIMIT = 5.0e9;
