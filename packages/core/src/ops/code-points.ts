/**
 * Unicode code point arithmetic on JavaScript (UTF-16) strings, without `Array.from`.
 *
 * A code point is a surrogate pair or any other single code unit (a lone surrogate counts
 * as one, like `for...of` does; ingest refuses lone surrogates, so stored text has none).
 *
 * Cost: the common case is text with no surrogates in the scanned span, answered by one
 * regex test. V8 answers that test in O(1) for strings held in its one-byte (Latin-1)
 * representation and with a fast native scan otherwise. Only when the span holds astral
 * characters (emoji etc.) does a JavaScript loop walk it: O(span length).
 */

const SURROGATE = /[\uD800-\uDFFF]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const LONE_SURROGATES = new RegExp(LONE_SURROGATE.source, "g");
const SURROGATE_PAIR = /[\uD800-\uDBFF][\uDC00-\uDFFF]/g;

/** Number of code points in `s`. */
export function codePointLength(s: string): number {
  if (!SURROGATE.test(s)) return s.length;
  return s.length - (s.match(SURROGATE_PAIR)?.length ?? 0);
}

/** True when `s` holds a surrogate code unit that is not part of a well-formed pair. */
export function hasLoneSurrogate(s: string): boolean {
  return SURROGATE.test(s) && LONE_SURROGATE.test(s);
}

/** `s` with every lone surrogate replaced by U+FFFD (what `String#toWellFormed` does in newer runtimes). */
export function toWellFormed(s: string): string {
  return hasLoneSurrogate(s) ? s.replace(LONE_SURROGATES, "\uFFFD") : s;
}

/**
 * The UTF-16 index reached by stepping `n` code points forward from UTF-16 index `from`
 * (which must not be inside a pair), or -1 when `s` ends first.
 */
export function advanceCodePoints(s: string, from: number, n: number): number {
  const end = from + n;
  // Every code point takes at least one code unit, so this can never fit.
  if (end > s.length) return -1;
  const firstSurrogate = s.slice(from, end).search(SURROGATE);
  if (firstSurrogate < 0) return end;
  let i = from + firstSurrogate;
  let left = n - firstSurrogate;
  for (; left > 0; left--) {
    if (i >= s.length) return -1;
    i += isPairAt(s, i) ? 2 : 1;
  }
  return i;
}

function isPairAt(s: string, i: number): boolean {
  const hi = s.charCodeAt(i);
  if (hi < 0xd800 || hi > 0xdbff) return false;
  const lo = s.charCodeAt(i + 1);
  return lo >= 0xdc00 && lo <= 0xdfff;
}
