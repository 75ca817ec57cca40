import type { z } from "zod";
import { type ErrorDetail, WeftError } from "../../errors.js";

/** Short description of a JSON value for error messages (never echoes long input). */
export function describe(v: unknown): string {
  if (v === undefined) return "nothing";
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (typeof v === "string") return v.length <= 40 ? JSON.stringify(v) : "a long string";
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  return `a ${typeof v}`;
}

/** A zod error-message builder: "missing; expected X" or "expected X, got Y". */
export function expected(what: string): (issue: { input?: unknown }) => string {
  return (issue) => (issue.input === undefined ? `missing; expected ${what}` : `expected ${what}, got ${describe(issue.input)}`);
}

export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const k of path) {
    if (typeof k === "number") out += `[${k}]`;
    else out += out === "" ? String(k) : `.${String(k)}`;
  }
  return out;
}

/** One detail per zod issue; unknown keys get one detail each, at their own path. */
export function zodDetails(issues: readonly z.core.$ZodIssue[], prefix: readonly PropertyKey[] = []): ErrorDetail[] {
  const out: ErrorDetail[] = [];
  for (const issue of issues) {
    const path = [...prefix, ...issue.path];
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) out.push({ path: formatPath([...path, key]), issue: "unknown key" });
    } else {
      out.push({ path: formatPath(path), issue: issue.message });
    }
  }
  return out;
}

/** A JSON object (not null, not an array): the guard of checks that run on raw input. */
export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * `details` ordered by the position of their top-level field in `fields` (the schema's order;
 * "" first, unknown keys last), stable within a field: zod's findings and the checks run after
 * it then read in the order of the body's fields.
 */
export function inFieldOrder(details: ErrorDetail[], fields: readonly string[]): ErrorDetail[] {
  const rank = (d: ErrorDetail) => {
    const top = /^[^.[]*/.exec(d.path ?? "")![0];
    if (top === "") return -1;
    const i = fields.indexOf(top);
    return i < 0 ? fields.length : i;
  };
  return details
    .map((d, i) => ({ d, i, r: rank(d) }))
    .sort((a, b) => a.r - b.r || a.i - b.i)
    .map((x) => x.d);
}

/** The `invalid_request` error for `what` ("preferences", "tenant policy", ...) with every detail. */
export function invalid(what: string, details: ErrorDetail[]): WeftError {
  const first = details[0];
  const more = details.length > 1 ? ` (and ${details.length - 1} more; see details)` : "";
  return new WeftError("invalid_request", `invalid ${what}: ${first.path}: ${first.issue}${more}`, details);
}
