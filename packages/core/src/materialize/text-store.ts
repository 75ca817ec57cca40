import type { Attrs } from "../ops/types.js";
import { codePointLength } from "../ops/code-points.js";
import { applyFormat, type Fmt, fmtOf, PLAIN } from "./format.js";
import { type Chunk, joinRuns, type Run, sliceRuns, splitChunk, unitIndex } from "./runs.js";

/**
 * Largest chunk (UTF-16 units) an edit may leave; bigger ones are split in halves. Every edit
 * copies its chunk once (a rebuilt string), so small chunks make edits cheap: on the
 * automerge-paper trace 1 KiB chunks apply about 2x faster than 8 KiB ones, while a 2 MiB
 * document's ~4,000 chunks keep `clone()` (once per applyEntries call) in the microseconds.
 */
export const DEFAULT_MAX_UNITS = 1024;

/** A maximal formatting span as DocState shows it: attrs omitted when there are none. */
export interface Span {
  text: string;
  attrs?: Attrs;
}

/**
 * Document text with formatting, kept as an array of immutable chunks (runs.ts).
 *
 * Cost of one edit: finding the chunk is a walk of the chunk array from the previous edit's
 * chunk (the finger: typing stays in one or two chunks; a jump across a 2 MiB document at
 * ~0.5-1 KiB per chunk walks a few thousand), then only the chunks the edit touches are
 * rebuilt: O(chunk size + runs touched) per chunk; an unformatted chunk stays one run. A whole-document string is built only by
 * `text()`/`spans()`. `clone()` copies the chunk array, not the chunks (O(chunks)), so a
 * clone can be edited without changing the original.
 *
 * Positions and lengths are code points. Inserted text is unformatted (see state.ts).
 * Methods throw RangeError when an edit does not fit; the store is then unchanged.
 */
export class TextStore {
  private chunks: Chunk[];
  private total: number;
  /**
   * A finger: chunk `fingerI` starts at code point `fingerAt`. Edits land near the previous
   * one (typing), so `locate` walks from here instead of from the start; every mutation keeps
   * it true (an edit at chunk i never moves the start of chunk i or of those before it).
   */
  private fingerI = 0;
  private fingerAt = 0;

  constructor(chunks: readonly Chunk[] = [], readonly maxUnits = DEFAULT_MAX_UNITS) {
    if (maxUnits < 2) throw new RangeError("maxUnits must be at least 2 (a surrogate pair)");
    this.chunks = chunks.slice();
    this.total = chunks.reduce((n, c) => n + c.len, 0);
  }

  /** A store holding `spans` in order (equal neighbours merge). O(text + spans). */
  static fromSpans(spans: readonly Span[], maxUnits = DEFAULT_MAX_UNITS): TextStore {
    const runs: Run[] = [];
    for (const s of spans) runs.push({ len: codePointLength(s.text), fmt: fmtOf(s.attrs) });
    const text = spans.map((s) => s.text).join("");
    const whole: Chunk = { text, len: runs.reduce((n, r) => n + r.len, 0), runs: joinRuns(runs) };
    return new TextStore(text.length === 0 ? [] : splitChunk(whole, maxUnits >> 1 || 1), maxUnits);
  }

  clone(): TextStore {
    const copy = new TextStore([], this.maxUnits);
    copy.chunks = this.chunks.slice();
    copy.total = this.total;
    copy.fingerI = this.fingerI;
    copy.fingerAt = this.fingerAt;
    return copy;
  }

  /** Document length in code points. */
  get length(): number {
    return this.total;
  }

  /** Number of chunks (for tests and diagnostics). */
  get chunkCount(): number {
    return this.chunks.length;
  }

  insert(pos: number, text: string): void {
    this.check(pos, 0);
    const len = codePointLength(text);
    if (len === 0) return;
    if (this.chunks.length === 0) {
      this.fingerI = this.fingerAt = 0;
      this.replace(0, 0, [{ text, len, runs: [{ len, fmt: PLAIN }] }]);
    } else {
      // Left bias: text at a chunk boundary joins the chunk before it (pos 0: the first).
      const i = this.locate(pos, true);
      const off = pos - this.fingerAt;
      const c = this.chunks[i];
      const u = unitIndex(c, off);
      // Fast path: an unformatted chunk stays one plain run.
      const runs =
        c.runs.length === 1 && c.runs[0].fmt.key === ""
          ? [{ len: c.len + len, fmt: c.runs[0].fmt }]
          : joinRuns(sliceRuns(c.runs, 0, off), [{ len, fmt: PLAIN }], sliceRuns(c.runs, off, c.len));
      const next: Chunk = { text: c.text.slice(0, u) + text + c.text.slice(u), len: c.len + len, runs };
      if (next.text.length <= this.maxUnits) this.chunks[i] = next;
      else this.replace(i, 1, [next]);
    }
    this.total += len;
  }

  delete(pos: number, len: number): void {
    this.check(pos, len);
    if (len === 0) return;
    let i = this.locate(pos, false);
    let off = pos - this.fingerAt;
    const first = i;
    const c0 = this.chunks[i];
    if (off + len < c0.len) {
      // Within one chunk (the common case): rebuild just it.
      const runs =
        c0.runs.length === 1
          ? [{ len: c0.len - len, fmt: c0.runs[0].fmt }]
          : joinRuns(sliceRuns(c0.runs, 0, off), sliceRuns(c0.runs, off + len, c0.len));
      this.chunks[i] = { text: c0.text.slice(0, unitIndex(c0, off)) + c0.text.slice(unitIndex(c0, off + len)), len: c0.len - len, runs };
      this.total -= len;
      this.coalesce(first);
      return;
    }
    const kept: Chunk[] = [];
    let left = len;
    while (left > 0) {
      const c = this.chunks[i];
      const take = Math.min(left, c.len - off);
      if (take < c.len) {
        const a = unitIndex(c, off);
        const b = unitIndex(c, off + take);
        const runs =
          c.runs.length === 1
            ? [{ len: c.len - take, fmt: c.runs[0].fmt }]
            : joinRuns(sliceRuns(c.runs, 0, off), sliceRuns(c.runs, off + take, c.len));
        kept.push({ text: c.text.slice(0, a) + c.text.slice(b), len: c.len - take, runs });
      }
      left -= take;
      off = 0;
      i++;
    }
    if (i - first === 1 && kept.length === 1) this.chunks[first] = kept[0];
    else this.chunks.splice(first, i - first, ...kept);
    this.total -= len;
    this.coalesce(first);
  }

  /** Applies a format entry's attrs (null removes a key) to `pos`..`pos+len`. */
  format(pos: number, len: number, change: Readonly<Attrs>): void {
    this.check(pos, len);
    if (len === 0) return;
    let i = this.locate(pos, false);
    let off = pos - this.fingerAt;
    let left = len;
    const memo = new Map<Fmt, Fmt>();
    const restyle = (f: Fmt): Fmt => {
      let g = memo.get(f);
      if (!g) memo.set(f, (g = applyFormat(f, change)));
      return g;
    };
    while (left > 0) {
      const c = this.chunks[i];
      const take = Math.min(left, c.len - off);
      const mid = sliceRuns(c.runs, off, off + take).map((r) => ({ len: r.len, fmt: restyle(r.fmt) }));
      const runs = joinRuns(sliceRuns(c.runs, 0, off), mid, sliceRuns(c.runs, off + take, c.len));
      this.chunks[i] = { text: c.text, len: c.len, runs };
      left -= take;
      off = 0;
      i++;
    }
  }

  text(): string {
    return this.chunks.map((c) => c.text).join("");
  }

  /** The text's first `maxUnits` UTF-16 units (fewer if shorter), reading only the chunks it needs. */
  prefix(maxUnits: number): string {
    let out = "";
    for (const c of this.chunks) {
      if (out.length >= maxUnits) break;
      out += c.text;
    }
    return out.slice(0, maxUnits);
  }

  /** Maximal spans of equal formatting covering the text in order. O(text + runs). */
  spans(): Span[] {
    const out: Span[] = [];
    let parts: string[] = [];
    let fmt: Fmt | null = null;
    const flush = () => {
      if (fmt === null) return;
      const text = parts.join("");
      out.push(fmt.key === "" ? { text } : { text, attrs: { ...fmt.attrs } });
    };
    for (const c of this.chunks) {
      let at = 0;
      for (const r of c.runs) {
        const a = unitIndex(c, at);
        at += r.len;
        const piece = c.text.slice(a, unitIndex(c, at));
        if (fmt !== null && fmt.key === r.fmt.key) parts.push(piece);
        else {
          flush();
          fmt = r.fmt;
          parts = [piece];
        }
      }
    }
    flush();
    return out;
  }

  private check(pos: number, len: number): void {
    if (!Number.isSafeInteger(pos) || !Number.isSafeInteger(len) || pos < 0 || len < 0 || pos + len > this.total) {
      throw new RangeError(`${pos}..${pos + len} does not fit a text of ${this.total} code points`);
    }
  }

  /**
   * The index of the chunk holding code point `pos`, which becomes the finger (so the offset
   * in it is `pos - fingerAt`; no result object to allocate per edit). At a boundary between
   * chunks `leftBias` picks the chunk ending there (for inserts), else the one starting there.
   * Requires 0 <= pos <= length and, without leftBias, pos < length.
   */
  private locate(pos: number, leftBias: boolean): number {
    let i = this.fingerI;
    let at = this.fingerAt;
    if (i >= this.chunks.length) i = at = 0;
    // Back to a chunk starting before pos (at pos, with leftBias, the chunk ending there wins).
    while (i > 0 && (pos < at || (leftBias && pos === at))) at -= this.chunks[--i].len;
    for (; i < this.chunks.length; i++) {
      const len = this.chunks[i].len;
      if (pos < at + len || (leftBias && pos === at + len)) {
        this.fingerI = i;
        this.fingerAt = at;
        return i;
      }
      at += len;
    }
    throw new RangeError(`internal: position ${pos} not found in ${this.total} code points`);
  }

  /** Replaces `count` chunks at `i` by `next`, splitting any that grew past maxUnits. */
  private replace(i: number, count: number, next: Chunk[]): void {
    const half = this.maxUnits >> 1 || 1;
    const fitted = next.flatMap((c) => (c.text.length > this.maxUnits ? splitChunk(c, half) : [c]));
    this.chunks.splice(i, count, ...fitted);
  }

  /**
   * Keeps chunks from fragmenting after deletes: a chunk around index `i` that fell below a
   * quarter of maxUnits merges with its neighbour when the two fit in maxUnits.
   */
  private coalesce(i: number): void {
    for (const j of [i, i - 1]) {
      const a = this.chunks[j];
      const b = this.chunks[j + 1];
      if (!a || !b) continue;
      const small = this.maxUnits >> 2;
      if ((a.text.length < small || b.text.length < small) && a.text.length + b.text.length <= this.maxUnits) {
        this.chunks.splice(j, 2, { text: a.text + b.text, len: a.len + b.len, runs: joinRuns(a.runs, b.runs) });
        // Chunks after j moved down one index; the finger follows (into the merged chunk if it was b).
        if (this.fingerI === j + 1) this.fingerAt -= a.len;
        if (this.fingerI > j) this.fingerI--;
        return;
      }
    }
  }
}
