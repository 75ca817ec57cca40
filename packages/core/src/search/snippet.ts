import { matchesQuery, type ParsedQuery } from "./query.js";
import { termHits } from "./tokenize.js";

/** Snippet length in code points (before the "…" marks). */
export const SNIPPET_LENGTH = 160;
/** How much text at most comes before the hit, in code points. */
const LEAD = 40;
/** How far into the lead a space may be to start the excerpt there. */
const WORD_SNAP = 16;

/**
 * A short excerpt of `text` around the first occurrence of a query term (or of a word
 * starting with the query's prefix): at most LEAD code points before the hit (starting on a
 * word when it had to cut), SNIPPET_LENGTH in all, whitespace runs collapsed to one space,
 * "…" where text was cut. The scan stops at the first hit and the excerpt is cut from a
 * bounded window, so a hit near the start of a MiB-long document is cheap. With no hit (the
 * text changed since it was indexed) the excerpt is the text's start.
 */
export function snippet(text: string, q: ParsedQuery): string {
  let at = 0;
  for (const hit of termHits(text)) {
    if (matchesQuery(hit.term, q)) {
      at = hit.index;
      break;
    }
  }
  // A code point is at most 2 UTF-16 units; whitespace collapsing only shortens.
  const start = pairSafe(text, Math.max(0, at - LEAD * 2 - 2));
  const end = pairSafe(text, Math.min(text.length, at + SNIPPET_LENGTH * 2 + 2));
  const before = Array.from(collapse(text.slice(start, at)));
  const after = Array.from(collapse(text.slice(at, end)));
  let lead = before.slice(Math.max(0, before.length - LEAD));
  const cutStart = start > 0 || lead.length < before.length;
  if (cutStart) {
    // Start on a word when a word boundary is near; a long unbroken run is cut anywhere.
    const space = lead.indexOf(" ");
    if (space >= 0 && space < WORD_SNAP) lead = lead.slice(space + 1);
  }
  const body = after.slice(0, Math.max(0, SNIPPET_LENGTH - lead.length));
  const cutEnd = body.length < after.length || end < text.length;
  const out = collapse(lead.join("") + body.join("")).trim();
  return `${cutStart && out ? "…" : ""}${out}${cutEnd && out ? "…" : ""}`;
}

/** `i`, moved back one unit if it would split a surrogate pair. */
function pairSafe(text: string, i: number): number {
  const c = text.charCodeAt(i);
  return i > 0 && i < text.length && c >= 0xdc00 && c <= 0xdfff ? i - 1 : i;
}

function collapse(s: string): string {
  return s.replace(/\s+/gu, " ");
}
