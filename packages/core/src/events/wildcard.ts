/**
 * EventBridge `wildcard` patterns: `*` matches any run of characters (including none); `\*` is a
 * literal asterisk and `\\` a literal backslash. Two consecutive (unescaped) `*` are rejected, as
 * is a backslash before any other character or at the end of the pattern.
 */

/** A parsed wildcard: literal segments between the `*`s (segments.length = stars + 1). */
export interface Wildcard {
  readonly segments: readonly string[];
}

/** Parses a wildcard pattern, or returns the reason EventBridge would reject it. */
export function parseWildcard(pattern: string): { ok: true; wildcard: Wildcard } | { ok: false; error: string } {
  const segments: string[] = [];
  let current = "";
  let lastWasStar = false;
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    if (ch === "\\") {
      const next = pattern[i + 1];
      if (next !== "*" && next !== "\\") {
        return { ok: false, error: `wildcard "${pattern}": a backslash may only escape "*" or "\\"` };
      }
      current += next;
      i++;
      lastWasStar = false;
    } else if (ch === "*") {
      if (lastWasStar) return { ok: false, error: `wildcard "${pattern}": consecutive "*" are not allowed` };
      segments.push(current);
      current = "";
      lastWasStar = true;
    } else {
      current += ch;
      lastWasStar = false;
    }
  }
  segments.push(current);
  return { ok: true, wildcard: { segments } };
}

/** True when the whole of `value` matches the wildcard. */
export function wildcardMatches(wildcard: Wildcard, value: string): boolean {
  const { segments } = wildcard;
  const first = segments[0];
  if (segments.length === 1) return value === first;
  const last = segments[segments.length - 1];
  if (value.length < first.length + last.length) return false;
  if (!value.startsWith(first) || !value.endsWith(last)) return false;
  // Greedy left-to-right placement of the middle segments is optimal for `*`-only globs.
  let pos = first.length;
  const end = value.length - last.length;
  for (let i = 1; i < segments.length - 1; i++) {
    const at = value.indexOf(segments[i], pos);
    if (at < 0 || at + segments[i].length > end) return false;
    pos = at + segments[i].length;
  }
  return true;
}
