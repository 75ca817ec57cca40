import type { TermSet } from "@weft/core";

/**
 * How a document's indexed term set is cut into items of the search table (sk `t#...` in its
 * `d#<tenant>#<docId>` partition), by term hash. An index write rewrites every part holding a
 * changed term, each at 1 write unit per KB, so the part count follows the set's size: a small
 * document's set lives in one or two parts (a write of 30 new words rewrites those, not 24 of 64
 * fixed parts), a large one in up to 64 (a write rewrites small parts).
 *
 * A layout is P parts (a power of two, 1..64) of one generation:
 * - `t#<P>-<i>` (i < P): the terms hashing to i, as compressed [[term, tf], ...]. Part 0
 *   always exists (empty or not) and carries `gen`; it is written after the layout's other
 *   parts, so a layout whose part 0 is missing was cut short and is not read.
 * - `t#00`..`t#63`: the fixed 64 parts written before this layout (generation 0, read as is).
 * A write within the current layout rewrites the touched parts. A write that changes P puts
 * every part of the new layout (part 0 last, generation + 1), then deletes the old layout's
 * items; a crash in between leaves two layouts, and readers take the complete one of the
 * highest generation (the next write deletes the other).
 */
export const MAX_TERM_PARTS = 64;
/** Raw JSON bytes per part aimed at (compressed, about half: a part costs one write unit). */
export const PART_TARGET_BYTES = 1_200;

export interface TermLayout {
  parts: number;
  gen: number;
}

/** The item sk of part `i` of a layout of `parts` parts (generation 0: the fixed 64). */
export function partSk(layout: TermLayout, i: number): string {
  return layout.gen === 0 ? `t#${String(i).padStart(2, "0")}` : `t#${layout.parts}-${i}`;
}

/** The layout an sk belongs to and its index, or undefined if it is not a term-set part. */
export function parsePartSk(sk: string): { parts: number; legacy: boolean; index: number } | undefined {
  const legacy = /^t#(\d\d)$/.exec(sk);
  if (legacy) return { parts: MAX_TERM_PARTS, legacy: true, index: Number(legacy[1]) };
  const m = /^t#(\d+)-(\d+)$/.exec(sk);
  return m ? { parts: Number(m[1]), legacy: false, index: Number(m[2]) } : undefined;
}

/** FNV-1a over the UTF-16 units: stable across processes and releases (a changed hash would orphan parts). */
export function partOf(term: string, parts: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < term.length; i++) h = Math.imul(h ^ term.charCodeAt(i), 0x01000193);
  return (h >>> 0) % parts;
}

/** Approximate raw JSON bytes of a term set: `["term",n],` per entry. */
export function termSetBytes(terms: TermSet): number {
  let bytes = 2;
  for (const [term] of terms) bytes += Buffer.byteLength(term) + 8;
  return bytes;
}

/**
 * The part count for `terms`: the current one while its parts stay between a quarter of and
 * twice PART_TARGET_BYTES (so a document typed around a boundary does not re-cut its set at
 * every write), else the least power of two giving parts of at most PART_TARGET_BYTES (<= 64).
 */
export function partsFor(terms: TermSet, current: number | undefined): number {
  const bytes = termSetBytes(terms);
  if (current !== undefined) {
    const per = bytes / current;
    const fits = per <= 2 * PART_TARGET_BYTES || current === MAX_TERM_PARTS;
    const notTooSmall = per >= PART_TARGET_BYTES / 4 || current === 1;
    if (fits && notTooSmall) return current;
  }
  let parts = 1;
  while (parts < MAX_TERM_PARTS && bytes / parts > PART_TARGET_BYTES) parts *= 2;
  return parts;
}

/**
 * The layout readers take among the parts present (their sks and part 0's `gen`): the
 * complete one (part 0 present; generation 0 always counts) of the highest generation.
 * Undefined when none is present.
 */
export function currentLayout(present: Array<{ sk: string; gen?: number }>): TermLayout | undefined {
  let best: TermLayout | undefined;
  let legacy = false;
  for (const { sk, gen } of present) {
    const p = parsePartSk(sk);
    if (!p) continue;
    if (p.legacy) legacy = true;
    else if (p.index === 0 && gen !== undefined && (!best || gen > best.gen)) best = { parts: p.parts, gen };
  }
  return best ?? (legacy ? { parts: MAX_TERM_PARTS, gen: 0 } : undefined);
}

/** Whether `sk` is a part of `layout`. */
export function inLayout(sk: string, layout: TermLayout): boolean {
  const p = parsePartSk(sk);
  return !!p && (layout.gen === 0 ? p.legacy : !p.legacy && p.parts === layout.parts);
}
