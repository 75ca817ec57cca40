import { advanceCodePoints, codePointLength } from "../ops/code-points.js";
import type { Fmt } from "./format.js";

/**
 * Formatting runs and text chunks: the immutable building blocks of the text store.
 *
 * A `Run` is `len` code points sharing one Fmt. A `Chunk` is a piece of the document text
 * (a few KB) with its own runs, which cover the chunk's text exactly, in order, with no
 * empty runs and no two neighbours of equal Fmt key. Chunks and run arrays are never
 * mutated once built: an edit builds replacement chunks, so document versions can share
 * every chunk they did not touch (this is what keeps `applyEntries` pure and cheap).
 */
export interface Run {
  readonly len: number;
  readonly fmt: Fmt;
}

export interface Chunk {
  readonly text: string;
  /** Code points in `text`; equals `text.length` exactly when it has no astral characters. */
  readonly len: number;
  readonly runs: readonly Run[];
}

/** The UTF-16 index of code point `off` in the chunk: O(1) without astral characters. */
export function unitIndex(c: Chunk, off: number): number {
  if (c.len === c.text.length || off === 0) return off;
  if (off === c.len) return c.text.length;
  const at = advanceCodePoints(c.text, 0, off);
  if (at < 0) throw new RangeError(`internal: code point ${off} beyond chunk of ${c.len}`);
  return at;
}

/** Code points `a`..`b` of `runs`, as runs. O(number of runs). */
export function sliceRuns(runs: readonly Run[], a: number, b: number): Run[] {
  const out: Run[] = [];
  let at = 0;
  for (const r of runs) {
    const s = Math.max(a, at);
    const e = Math.min(b, at + r.len);
    if (e > s) out.push(e - s === r.len ? r : { len: e - s, fmt: r.fmt });
    at += r.len;
    if (at >= b) break;
  }
  return out;
}

/** The runs of `parts` in order, merging equal neighbours and dropping empty runs. */
export function joinRuns(...parts: (readonly Run[])[]): Run[] {
  const out: Run[] = [];
  for (const part of parts) {
    for (const r of part) {
      if (r.len === 0) continue;
      const last = out[out.length - 1];
      if (last && last.fmt.key === r.fmt.key) out[out.length - 1] = { len: last.len + r.len, fmt: last.fmt };
      else out.push(r);
    }
  }
  return out;
}

/** A chunk of `text` (`len` code points) carrying `runs`. */
export function chunkOf(text: string, len: number, runs: readonly Run[]): Chunk {
  return { text, len, runs };
}

/**
 * Cuts `c` into chunks of about `target` UTF-16 units, never inside a surrogate pair.
 * One walk over the text and one over the runs: O(chunk size + runs).
 */
export function splitChunk(c: Chunk, target: number): Chunk[] {
  if (c.text.length <= target) return [c];
  const out: Chunk[] = [];
  const astral = c.len !== c.text.length;
  let ri = 0; // run cursor: run index and code points already used from it
  let ro = 0;
  let u = 0;
  while (u < c.text.length) {
    let end = Math.min(c.text.length, u + target);
    const hi = c.text.charCodeAt(end - 1);
    if (end < c.text.length && hi >= 0xd800 && hi <= 0xdbff) end++; // keep the pair whole
    const text = c.text.slice(u, end);
    const len = astral ? codePointLength(text) : text.length;
    const runs: Run[] = [];
    let need = len;
    while (need > 0) {
      const r = c.runs[ri];
      const take = Math.min(need, r.len - ro);
      runs.push(take === r.len ? r : { len: take, fmt: r.fmt });
      need -= take;
      ro += take;
      if (ro === r.len) {
        ri++;
        ro = 0;
      }
    }
    out.push({ text, len, runs });
    u = end;
  }
  return out;
}
