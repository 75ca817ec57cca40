/**
 * Matching of (validated) EventBridge event patterns against JSON events.
 *
 * Semantics, following the EventBridge event-pattern documentation:
 * - Every field named in the pattern must match (AND); any element of a leaf array may match (OR);
 *   `$or` matches when any of its branches matches at the same level.
 * - Event fields the pattern does not name are ignored. Nested pattern objects follow nested
 *   event objects. Where the event holds an array of objects, a nested pattern matches when it
 *   matches some element.
 * - The leaf values of a field are the event value itself when it is a scalar, or the scalars of
 *   an event array (flattened). An object, an empty array, or a missing field has no leaf values.
 *   A leaf matcher matches when it matches any leaf value (arrays: non-empty intersection).
 * - `exists: true` needs at least one leaf value, `exists: false` needs none (so a field holding
 *   an object counts as absent: exists only works on leaf nodes). Every other matcher, including
 *   `anything-but`, needs a present leaf value: a missing field never matches it.
 * - Exact values compare by JSON type and value: the string "5" never equals the number 5, and
 *   null only matches null (not "").
 * - prefix, suffix, equals-ignore-case, wildcard and cidr only match string values; numeric only
 *   matches number values within ±5e9.
 * - anything-but matches a present value the inner matcher rejects (for a value list: a value not
 *   in the list; numbers and strings never equal each other).
 *
 * Contract: pure, never throws for a pattern accepted by `validatePattern` and any event value.
 */
import { cidrContains, parseCidr } from "./cidr.js";
import { NUMERIC_LIMIT, OR_KEY, type EventPattern, type LeafMatcher } from "./pattern-types.js";
import { isPlainObject } from "./validate-pattern.js";
import { parseWildcard, wildcardMatches } from "./wildcard.js";

type Scalar = string | number | boolean | null;

/** True when `event` matches `pattern`. `pattern` must have passed `validatePattern`. */
export function matches(pattern: EventPattern, event: unknown): boolean {
  return matchObject(pattern, isPlainObject(event) ? event : undefined);
}

function matchObject(pattern: EventPattern, node: Record<string, unknown> | undefined): boolean {
  for (const key of Object.keys(pattern)) {
    const sub = pattern[key];
    if (key === OR_KEY && Array.isArray(sub) && sub.every(isPlainObject)) {
      if (!(sub as readonly EventPattern[]).some((branch) => matchObject(branch, node))) return false;
      continue;
    }
    const value = node === undefined ? undefined : Object.prototype.hasOwnProperty.call(node, key) ? node[key] : undefined;
    if (!matchField(sub, value)) return false;
  }
  return true;
}

function matchField(sub: unknown, value: unknown): boolean {
  if (Array.isArray(sub)) return matchLeafArray(sub as readonly LeafMatcher[], leafValues(value));
  const nested = sub as EventPattern;
  if (Array.isArray(value)) {
    const objects = objectElements(value);
    if (objects.length === 0) return matchObject(nested, undefined);
    return objects.some((element) => matchObject(nested, element));
  }
  return matchObject(nested, isPlainObject(value) ? value : undefined);
}

function objectElements(values: readonly unknown[]): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const v of values) {
    if (Array.isArray(v)) out.push(...objectElements(v));
    else if (isPlainObject(v)) out.push(v);
  }
  return out;
}

/** The scalar values reachable at a field: the scalar itself, or an array's scalars (flattened). */
function leafValues(value: unknown): Scalar[] {
  if (value === undefined) return [];
  if (Array.isArray(value)) return value.flatMap((v) => leafValues(v));
  if (isPlainObject(value)) return [];
  if (value === null || typeof value === "string" || typeof value === "number" || typeof value === "boolean") {
    return [value];
  }
  return [];
}

function matchLeafArray(matchers: readonly LeafMatcher[], values: Scalar[]): boolean {
  return matchers.some((m) => {
    if (isPlainObject(m) && "exists" in m) return m.exists ? values.length > 0 : values.length === 0;
    return values.some((v) => matchLeaf(m, v));
  });
}

function matchLeaf(m: LeafMatcher, v: Scalar): boolean {
  if (!isPlainObject(m)) return m === v;
  const op = m as Record<string, unknown>;
  const name = Object.keys(op)[0];
  const operand = op[name];
  switch (name) {
    case "prefix":
      return typeof v === "string" && affixMatches("prefix", operand, v);
    case "suffix":
      return typeof v === "string" && affixMatches("suffix", operand, v);
    case "equals-ignore-case":
      return typeof v === "string" && typeof operand === "string" && foldCase(v) === foldCase(operand);
    case "wildcard":
      return typeof v === "string" && typeof operand === "string" && wildcardText(operand, v);
    case "cidr": {
      if (typeof v !== "string" || typeof operand !== "string") return false;
      const parsed = parseCidr(operand);
      return parsed.ok && cidrContains(parsed.block, v);
    }
    case "numeric":
      return typeof v === "number" && Array.isArray(operand) && numericMatches(operand, v);
    case "anything-but":
      return !anythingButExcludes(operand, v);
    default:
      return false;
  }
}

function foldCase(s: string): string {
  return s.toLowerCase();
}

function affixMatches(kind: "prefix" | "suffix", operand: unknown, v: string): boolean {
  let needle: string;
  let hay = v;
  if (typeof operand === "string") {
    needle = operand;
  } else if (isPlainObject(operand) && typeof operand["equals-ignore-case"] === "string") {
    needle = foldCase(operand["equals-ignore-case"]);
    hay = foldCase(v);
  } else {
    return false;
  }
  return kind === "prefix" ? hay.startsWith(needle) : hay.endsWith(needle);
}

function wildcardText(pattern: string, v: string): boolean {
  const parsed = parseWildcard(pattern);
  return parsed.ok && wildcardMatches(parsed.wildcard, v);
}

/** Evaluates a validated numeric expression against a number. */
function numericMatches(expr: readonly unknown[], v: number): boolean {
  if (!Number.isFinite(v) || v < -NUMERIC_LIMIT || v > NUMERIC_LIMIT) return false;
  for (let i = 0; i + 1 < expr.length; i += 2) {
    const op = expr[i];
    const bound = expr[i + 1] as number;
    const ok =
      op === "=" ? v === bound : op === ">" ? v > bound : op === ">=" ? v >= bound : op === "<" ? v < bound : op === "<=" ? v <= bound : false;
    if (!ok) return false;
  }
  return true;
}

/** True when the anything-but operand names `v` (i.e. `v` is excluded). */
function anythingButExcludes(operand: unknown, v: Scalar): boolean {
  if (typeof operand === "string" || typeof operand === "number") return operand === v;
  if (Array.isArray(operand)) return operand.some((x) => x === v);
  if (!isPlainObject(operand)) return true;
  const inner = Object.keys(operand)[0];
  const raw = operand[inner];
  const items = (Array.isArray(raw) ? raw : [raw]).filter((x): x is string => typeof x === "string");
  if (typeof v !== "string") return false;
  switch (inner) {
    case "prefix":
      return items.some((p) => v.startsWith(p));
    case "suffix":
      return items.some((s) => v.endsWith(s));
    case "equals-ignore-case":
      return items.some((s) => foldCase(s) === foldCase(v));
    case "wildcard":
      return items.some((w) => wildcardText(w, v));
    default:
      return true;
  }
}
