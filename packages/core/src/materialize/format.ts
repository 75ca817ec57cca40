import type { Attrs } from "../ops/types.js";

/**
 * A formatting value as the text store keeps it: the attrs (never empty-valued: a `null`
 * in a format entry removes the key, so stored attrs hold no nulls) and a canonical key
 * (sorted JSON) so two runs compare equal in O(1) — runs merge exactly when keys match.
 * Fmt objects are immutable and shared between runs and between document versions.
 */
export interface Fmt {
  readonly attrs: Readonly<Attrs>;
  readonly key: string;
}

/** No formatting. Its key is "" (no other attrs produce an empty key). */
export const PLAIN: Fmt = Object.freeze({ attrs: Object.freeze({}), key: "" });

/** The Fmt for `attrs`, dropping null values (a stored value is never null). */
export function fmtOf(attrs: Readonly<Attrs> | undefined): Fmt {
  if (!attrs) return PLAIN;
  const keys = Object.keys(attrs)
    .filter((k) => attrs[k] !== null && attrs[k] !== undefined)
    .sort();
  if (keys.length === 0) return PLAIN;
  const clean: Attrs = {};
  // defineProperty, not assignment: a key named `__proto__` must stay a plain own key.
  for (const k of keys) Object.defineProperty(clean, k, { value: attrs[k], enumerable: true, writable: true, configurable: true });
  return { attrs: Object.freeze(clean), key: JSON.stringify(keys.map((k) => [k, clean[k]])) };
}

/**
 * `base` with a format entry's `change` applied: each key of `change` overwrites, a `null`
 * value removes the key. Returns `base` itself when nothing changes (so untouched runs stay
 * shared and merging stays cheap).
 */
export function applyFormat(base: Fmt, change: Readonly<Attrs>): Fmt {
  let changed = false;
  for (const k of Object.keys(change)) {
    const v = change[k];
    if (v === null ? Object.hasOwn(base.attrs, k) : !Object.hasOwn(base.attrs, k) || base.attrs[k] !== v) {
      changed = true;
      break;
    }
  }
  return changed ? fmtOf({ ...base.attrs, ...change }) : base;
}
