/**
 * Positions and edits for the demo editor. The SDK counts Unicode code points; the DOM's
 * textarea counts UTF-16 code units (an emoji is one code point but two units), so every
 * position crossing that boundary goes through these helpers.
 */

/** The code point index of UTF-16 offset `unit` in `s` (an offset inside a pair counts as after it). */
export function toCodePoint(s: string, unit: number): number {
  let cp = 0;
  for (let i = 0; i < unit && i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) i++;
    cp++;
  }
  return cp;
}

/** The UTF-16 offset of code point index `cp` in `s` (clamped to the string's end). */
export function toUtf16(s: string, cp: number): number {
  let i = 0;
  for (let n = 0; n < cp && i < s.length; n++) {
    const c = s.charCodeAt(i);
    i += c >= 0xd800 && c <= 0xdbff && i + 1 < s.length ? 2 : 1;
  }
  return i;
}

/** One edit turning `before` into `after`: delete `deleted` code points at `pos`, then insert `inserted` there. */
export interface TextEdit {
  pos: number;
  deleted: number;
  inserted: string;
}

/**
 * The edit an input event made, from the text before and after it and where the caret ended
 * (a UTF-16 offset into `after`). Text cannot tell which of two equal characters was typed
 * ("a" typed into "aa"), so the caret decides: the unchanged tail is taken to start at or after
 * the caret, which is where typing, pasting, Backspace and Delete leave it. Whatever the caret,
 * the result always turns `before` into `after`; null when they are equal.
 */
export function diffText(before: string, after: string, caret: number): TextEdit | null {
  if (before === after) return null;
  const a = Array.from(before);
  const b = Array.from(after);
  const caretCp = Math.min(toCodePoint(after, caret), b.length);
  let suffix = 0;
  const maxSuffix = Math.min(a.length, b.length - caretCp);
  while (suffix < maxSuffix && a[a.length - 1 - suffix] === b[b.length - 1 - suffix]) suffix++;
  let prefix = 0;
  const maxPrefix = Math.min(a.length, b.length) - suffix;
  while (prefix < maxPrefix && a[prefix] === b[prefix]) prefix++;
  return { pos: prefix, deleted: a.length - prefix - suffix, inserted: b.slice(prefix, b.length - suffix).join("") };
}
