import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";

/**
 * Real English prose for benchmark payloads: the final text of a recorded editing trace
 * (shared/traces, CC BY 4.0, see its README), so compression figures reflect real text
 * rather than random bytes or repeated characters.
 */
export function proseSource(): string {
  const file = new URL("../../shared/traces/seph-blog1.json.gz", import.meta.url);
  return JSON.parse(gunzipSync(readFileSync(file)).toString("utf8")).endContent as string;
}

/** Successive `size`-character slices of the prose, wrapping around. */
export function proseSlicer(size: number): () => string {
  const text = proseSource().replace(/\s+/g, " ");
  let at = 0;
  return () => {
    if (at + size > text.length) at = 0;
    const s = text.slice(at, at + size);
    at += size;
    return s;
  };
}
