/**
 * Validation of EventBridge event patterns, rejecting what EventBridge's rule compiler rejects:
 * a non-object pattern, empty objects, field values that are neither an object nor an array,
 * empty arrays, nested arrays, unknown operators, operator objects with more than one key,
 * wrongly-typed operands, malformed `numeric` expressions (unknown comparison, non-number
 * operand, operand outside ±5e9, lower bound not below upper bound), `anything-but` lists that
 * mix strings and numbers (or hold null/booleans), empty `anything-but` prefix/suffix, malformed
 * `wildcard` / `cidr` strings, and `$or` that is not an array of at least two objects or whose
 * branches use an operator name as a field name.
 *
 * Contract: never throws; on success returns the same value typed as `EventPattern`; on failure
 * returns every error found, each naming the dotted path where it was found.
 */
import { parseCidr } from "./cidr.js";
import { NUMERIC_LIMIT, OR_KEY, RESERVED_IN_OR, type EventPattern } from "./pattern-types.js";
import { parseWildcard } from "./wildcard.js";

export type PatternValidation = { ok: true; pattern: EventPattern } | { ok: false; errors: string[] };

/** Validates `pattern` (already JSON-parsed). */
export function validatePattern(pattern: unknown): PatternValidation {
  const errors: string[] = [];
  if (!isPlainObject(pattern)) {
    errors.push("pattern must be a JSON object");
  } else {
    checkObject(pattern, "", false, errors);
  }
  return errors.length === 0 ? { ok: true, pattern: pattern as EventPattern } : { ok: false, errors };
}

/** True for a non-null, non-array object. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function at(path: string): string {
  return path === "" ? "the pattern root" : `"${path}"`;
}

function join(path: string, key: string): string {
  return path === "" ? key : `${path}.${key}`;
}

function checkObject(obj: Record<string, unknown>, path: string, inOr: boolean, errors: string[]): void {
  const keys = Object.keys(obj);
  if (keys.length === 0) {
    errors.push(`empty objects are not allowed at ${at(path)}`);
    return;
  }
  for (const key of keys) {
    const value = obj[key];
    if (key === OR_KEY) {
      checkOr(value, path, errors);
      continue;
    }
    const here = join(path, key);
    if (inOr && RESERVED_IN_OR.has(key)) {
      errors.push(`"${key}" is a reserved operator name and cannot be a field inside $or (at "${here}")`);
      continue;
    }
    if (Array.isArray(value)) checkLeafArray(value, here, errors);
    else if (isPlainObject(value)) checkObject(value, here, inOr, errors);
    else errors.push(`"${here}" must be an object or an array`);
  }
}

function checkOr(value: unknown, path: string, errors: string[]): void {
  const here = join(path, OR_KEY);
  if (!Array.isArray(value)) {
    errors.push(`"${here}" must be an array of objects`);
    return;
  }
  if (value.length < 2) errors.push(`"${here}" must hold at least 2 objects`);
  value.forEach((branch, i) => {
    if (!isPlainObject(branch)) errors.push(`"${here}[${i}]" must be an object`);
    else checkObject(branch, path, true, errors);
  });
}

function checkLeafArray(values: unknown[], path: string, errors: string[]): void {
  if (values.length === 0) {
    errors.push(`empty arrays are not allowed at "${path}"`);
    return;
  }
  for (const v of values) {
    if (v === null || typeof v === "string" || typeof v === "boolean") continue;
    if (typeof v === "number") {
      if (!Number.isFinite(v)) errors.push(`"${path}": match values must be finite numbers`);
      continue;
    }
    if (isPlainObject(v)) {
      checkOperator(v, path, errors);
      continue;
    }
    errors.push(`"${path}": match values must be a string, number, true, false, null or an operator object`);
  }
}

function checkOperator(op: Record<string, unknown>, path: string, errors: string[]): void {
  const keys = Object.keys(op);
  if (keys.length !== 1) {
    errors.push(`"${path}": an operator object must have exactly one key (got ${keys.length})`);
    return;
  }
  const name = keys[0];
  const operand = op[name];
  const fail = (msg: string): void => {
    errors.push(`"${path}": ${msg}`);
  };
  switch (name) {
    case "prefix":
    case "suffix":
      if (typeof operand === "string") return;
      if (isPlainObject(operand)) {
        const inner = Object.keys(operand);
        if (inner.length !== 1 || inner[0] !== "equals-ignore-case") {
          return fail(`${name} accepts a string or {"equals-ignore-case": string}`);
        }
        if (typeof operand["equals-ignore-case"] !== "string") return fail(`${name} equals-ignore-case must be a string`);
        return;
      }
      return fail(`${name} match pattern must be a string`);
    case "equals-ignore-case":
      if (typeof operand !== "string") fail("equals-ignore-case match pattern must be a string");
      return;
    case "wildcard":
      if (typeof operand !== "string") return fail("wildcard match pattern must be a string");
      checkWildcard(operand, fail);
      return;
    case "exists":
      if (typeof operand !== "boolean") fail("exists match pattern must be either true or false");
      return;
    case "cidr": {
      if (typeof operand !== "string") return fail("cidr match pattern must be a string");
      const parsed = parseCidr(operand);
      if (!parsed.ok) fail(parsed.error);
      return;
    }
    case "numeric":
      checkNumeric(operand, fail);
      return;
    case "anything-but":
      checkAnythingBut(operand, fail);
      return;
    default:
      fail(`unrecognized match type "${name}"`);
  }
}

function checkWildcard(text: string, fail: (msg: string) => void): void {
  const parsed = parseWildcard(text);
  if (!parsed.ok) fail(parsed.error);
}

function checkNumberOperand(n: unknown, op: string, fail: (msg: string) => void): n is number {
  if (typeof n !== "number" || !Number.isFinite(n)) {
    fail(`numeric: value of ${op} must be a number`);
    return false;
  }
  if (n < -NUMERIC_LIMIT || n > NUMERIC_LIMIT) {
    fail(`numeric: ${n} is outside the supported range [-5e9, 5e9]`);
    return false;
  }
  return true;
}

function checkNumeric(expr: unknown, fail: (msg: string) => void): void {
  if (!Array.isArray(expr)) return fail("value of numeric must be an array");
  const [op, value, op2, value2, ...rest] = expr;
  if (typeof op !== "string") return fail("numeric: expected a comparison operator first");
  if (op === "=" || op === "<" || op === "<=") {
    if (!checkNumberOperand(value, op, fail)) return;
    if (expr.length !== 2) fail("numeric: too many elements in numeric expression");
    return;
  }
  if (op !== ">" && op !== ">=") return fail(`numeric: unrecognized operator "${op}"`);
  if (!checkNumberOperand(value, op, fail)) return;
  if (expr.length === 2) return;
  if (op2 !== "<" && op2 !== "<=") return fail(`numeric: bad upper-bound operator ${JSON.stringify(op2)}`);
  if (!checkNumberOperand(value2, op2, fail)) return;
  if (rest.length > 0) return fail("numeric: too many terms in numeric range expression");
  if (!(value < value2)) fail(`numeric: lower bound ${value} must be less than upper bound ${value2}`);
}

function checkAnythingBut(operand: unknown, fail: (msg: string) => void): void {
  if (typeof operand === "string") return;
  if (typeof operand === "number") {
    if (!Number.isFinite(operand)) fail("anything-but: numbers must be finite");
    return;
  }
  if (Array.isArray(operand)) {
    const strings = operand.filter((v) => typeof v === "string").length;
    const numbers = operand.filter((v) => typeof v === "number" && Number.isFinite(v)).length;
    if (strings + numbers !== operand.length) return fail("anything-but list may only hold strings or numbers");
    if (strings === 0 && numbers === 0) return fail("anything-but list must not be empty");
    if (strings > 0 && numbers > 0) return fail("anything-but list must be all strings or all numbers, not mixed");
    return;
  }
  if (isPlainObject(operand)) {
    const keys = Object.keys(operand);
    if (keys.length !== 1) return fail("anything-but object must have exactly one key");
    const inner = keys[0];
    if (inner !== "prefix" && inner !== "suffix" && inner !== "equals-ignore-case" && inner !== "wildcard") {
      return fail(`unsupported anything-but pattern "${inner}"`);
    }
    const value = operand[inner];
    const items = Array.isArray(value) ? value : [value];
    for (const item of items) {
      if (typeof item !== "string") return fail(`anything-but ${inner} values must be strings`);
      if ((inner === "prefix" || inner === "suffix") && item === "") return fail(`anything-but ${inner} must not be empty`);
      if (inner === "wildcard") checkWildcard(item, fail);
    }
    return;
  }
  fail("value of anything-but must be a string, a number, a list, or an object");
}
