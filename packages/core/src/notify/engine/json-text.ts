import { utf8Length } from "../../live/utf8.js";

/** UTF-8 bytes `s` takes inside a JSON string literal (escapes included, quotes excluded). */
export function jsonStringBytes(s: string): number {
  // utf8Length counts each control character, quote and backslash as 1 byte; JSON writes
  // `"`, `\\` and \b \f \n \r \t as 2 bytes and other controls as 6 (\u00XX).
  let escapes = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22 || c === 0x5c || c === 0x08 || c === 0x0c || c === 0x0a || c === 0x0d || c === 0x09) escapes += 1;
    else if (c < 0x20) escapes += 5;
  }
  return utf8Length(s) + escapes;
}

/** `s` cut (at a code point, ending in "…") so that its JSON string bytes are at most `max`. */
export function clampJsonText(s: string, max: number): string {
  if (s.length * 6 <= max || jsonStringBytes(s) <= max) return s;
  const budget = max - 3; // "…" is 3 bytes
  let n = 0;
  let i = 0;
  while (i < s.length) {
    const c = s.charCodeAt(i);
    const pair = c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00;
    const w = jsonStringBytes(s.slice(i, pair ? i + 2 : i + 1));
    if (n + w > budget) break;
    n += w;
    i += pair ? 2 : 1;
  }
  return `${s.slice(0, i)}…`;
}
