import { MAX_JSON_DEPTH } from "../limits.js";
import { hasLoneSurrogate, toWellFormed } from "./code-points.js";

/** A location in a JSON value: object keys and array indexes from the root. */
export type JsonPath = ReadonlyArray<string | number | symbol>;

export interface JsonScan {
  /** Where the first container nested deeper than MAX_JSON_DEPTH sits, if any. */
  tooDeep?: JsonPath;
  /** Strings and keys Weft never accepts anywhere in a body. */
  problems: Array<{ path: JsonPath; issue: string }>;
}

interface Frame {
  value: unknown;
  depth: number;
  parent?: Frame;
  key?: string | number;
}

/**
 * Walks a parsed JSON value without recursion (so pathological nesting cannot overflow the
 * stack) and reports, for every string and key, lone UTF-16 surrogates (they cannot be
 * stored as UTF-8 or counted as code points consistently) and `__proto__` keys (zod and
 * plain objects silently drop or misassign them). Stops at the first too-deep container:
 * later steps may then recurse safely. Keys with problems are reported at their object's
 * path, so error details never echo the bad key.
 */
export function scanJson(root: unknown): JsonScan {
  const problems: JsonScan["problems"] = [];
  const stack: Frame[] = [{ value: root, depth: 0 }];
  for (let frame = stack.pop(); frame; frame = stack.pop()) {
    const { value, depth } = frame;
    if (typeof value === "string") {
      if (hasLoneSurrogate(value)) problems.push({ path: pathOf(frame), issue: "contains a lone UTF-16 surrogate" });
      continue;
    }
    if (typeof value !== "object" || value === null) continue;
    if (depth + 1 > MAX_JSON_DEPTH) return { tooDeep: pathOf(frame), problems };
    if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push({ value: value[i], depth: depth + 1, parent: frame, key: i });
      continue;
    }
    const keys = Object.keys(value);
    for (let i = keys.length - 1; i >= 0; i--) {
      const key = keys[i];
      if (key === "__proto__") problems.push({ path: pathOf(frame), issue: "has a key '__proto__', which is not allowed" });
      else if (hasLoneSurrogate(key)) problems.push({ path: pathOf(frame), issue: "has a key containing a lone UTF-16 surrogate" });
      stack.push({ value: (value as Record<string, unknown>)[key], depth: depth + 1, parent: frame, key });
    }
  }
  return { problems };
}

function pathOf(frame: Frame): JsonPath {
  const path: Array<string | number> = [];
  for (let f: Frame | undefined = frame; f?.key !== undefined; f = f.parent) path.push(f.key);
  return path.reverse();
}

const LONGEST_SHOWN = 64;

/**
 * Client text echoed in an error: cut after 64 code units (so details stay small) and made
 * well-formed (so details are always valid UTF-8).
 */
export function shorten(s: string): string {
  return toWellFormed(s.length > LONGEST_SHOWN ? `${s.slice(0, LONGEST_SHOWN)}…` : s);
}

/** `ops[3].attrs.color` style, keys shortened. */
export function formatPath(path: JsonPath): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out ? `.${shorten(String(part))}` : shorten(String(part));
  }
  return out;
}
