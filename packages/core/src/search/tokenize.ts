import { utf8Length } from "../live/utf8.js";
import { SEARCH_LIMITS } from "./search-limits.js";

/**
 * Text -> search terms. Words are the runs of letters, digits and combining marks
 * (Unicode properties L, N, M); a run holding a script written without spaces (Han,
 * Hiragana, Katakana, Thai, Lao, Khmer, Myanmar) is split further by Intl.Segmenter, whose
 * ICU dictionaries know those languages' words. Each word is folded (NFKD, lowercased,
 * diacritics dropped, recomposed NFC) and split into its runs of letters, digits and the
 * marks that remain:
 * "Grüße" -> "gruße", "naïve" -> "naive", "can't" -> "can" (+ "t", too short), "3.14" ->
 * "14" (+ "3"), "ＡＢＣ" -> "abc", "İstanbul" -> "istanbul". A term is 2..64 code points long;
 * shorter and longer runs are not terms. Index and query use the same function, so the words
 * typed in a query find the document whatever their case or accents.
 *
 * Why not Intl.Segmenter over the whole text: V8's segment iterator slows down with the
 * length of the string it walks (measured here: 7 s for 210 KB in one piece, 63 ms in
 * 200-character pieces), while the property regex is linear (9 ms); the segmenter only ever
 * sees the no-space runs (consecutive ones grouped), in pieces of at most SEGMENT_PIECE units.
 */
const segmenter = new Intl.Segmenter(undefined, { granularity: "word" });
const WORDS = /[\p{L}\p{N}\p{M}]+/gu;
const NO_SPACE_SCRIPT = /[\p{sc=Han}\p{sc=Hiragana}\p{sc=Katakana}\p{sc=Thai}\p{sc=Lao}\p{sc=Khmer}\p{sc=Myanmar}]/u;
const SEGMENT_PIECE = 256;
/**
 * The generic combining diacritics (U+0300-036F and the extension/supplement blocks) that
 * Latin, Greek and Cyrillic letters carry: folded away. Marks that are part of a script's
 * spelling (Thai vowels and tones, Devanagari vowel signs, ...) are kept: dropping them would
 * merge different words.
 */
const MARKS = /[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]+/gu;
const ASCII = /^[\x00-\x7f]*$/;
const RUNS = /[\p{L}\p{N}\p{M}]+/gu;

/** A word's folded form (not yet split into runs or length-checked). */
export function fold(word: string): string {
  if (ASCII.test(word)) return word.toLowerCase();
  return word.normalize("NFKD").toLowerCase().normalize("NFKD").replace(MARKS, "").normalize("NFC");
}

/** One term occurrence: the folded term and where its word starts and ends in the text (UTF-16 offsets). */
export interface TermHit {
  term: string;
  index: number;
  end: number;
}

/** Every term occurrence of `text`, in text order, lazily (a caller may stop early). */
export function* termHits(text: string): Generator<TermHit> {
  // Consecutive no-space runs (a sentence cut up by punctuation) are segmented together, in
  // pieces of at most SEGMENT_PIECE: one segmenter call per short run costs ~30 µs each.
  let group = -1;
  let groupEnd = -1;
  for (const m of text.matchAll(WORDS)) {
    const start = m.index;
    const end = start + m[0].length;
    if (!NO_SPACE_SCRIPT.test(m[0])) {
      if (group >= 0) yield* segmented(text, group, groupEnd);
      group = -1;
      yield* runsOf(m[0], start);
      continue;
    }
    if (group >= 0 && end - group > SEGMENT_PIECE) {
      yield* segmented(text, group, groupEnd);
      group = -1;
    }
    if (group < 0) group = start;
    groupEnd = end;
  }
  if (group >= 0) yield* segmented(text, group, groupEnd);
}

/** The words Intl.Segmenter finds in text[start, end), in pieces that never split a surrogate pair. */
function* segmented(text: string, start: number, end: number): Generator<TermHit> {
  for (let i = start; i < end; ) {
    let j = Math.min(end, i + SEGMENT_PIECE);
    const c = text.charCodeAt(j);
    if (j < end && c >= 0xdc00 && c <= 0xdfff) j--;
    for (const s of segmenter.segment(text.slice(i, j))) if (s.isWordLike) yield* runsOf(s.segment, i + s.index);
    i = j;
  }
}

function* runsOf(word: string, index: number): Generator<TermHit> {
  for (const run of fold(word).match(RUNS) ?? []) if (isTerm(run)) yield { term: run, index, end: index + word.length };
}

/** Whether a folded run is long and short enough to be a term. */
export function isTerm(run: string): boolean {
  if (run.length < SEARCH_LIMITS.minTermLength) return false;
  let n = 0;
  for (const _ of run) if (++n > SEARCH_LIMITS.maxTermLength) return false;
  return n >= SEARCH_LIMITS.minTermLength;
}

export interface Tokens {
  /** Distinct terms -> occurrences, in order of first occurrence. */
  counts: Map<string, number>;
  /** True when the per-document cap stopped new terms from being added. */
  truncated: boolean;
}

/**
 * The distinct terms of a document with their counts. At most `maxDocTerms` distinct terms
 * and `maxDocTermBytes` bytes of them (UTF-8 plus one per term) are taken, first come first
 * served; past the cap new terms are dropped (`truncated` says so) while the taken ones
 * still count every occurrence.
 */
export function tokenize(
  text: string,
  caps: { maxDocTerms: number; maxDocTermBytes: number } = SEARCH_LIMITS,
): Tokens {
  const counter = new TermCounter(caps);
  for (const { term } of termHits(text)) counter.add(term);
  return counter.tokens();
}

/** Term occurrences counted between two yields of `tokenizeAsync` (~1 ms of work). */
const HITS_PER_SLICE = 4096;

/**
 * `tokenize`, giving the event loop back every few thousand words: the same result, but a
 * large document (a 2 MiB text takes 0.1-1 s) never blocks other work in the process for long.
 */
export async function tokenizeAsync(
  text: string,
  caps: { maxDocTerms: number; maxDocTermBytes: number } = SEARCH_LIMITS,
): Promise<Tokens> {
  const counter = new TermCounter(caps);
  let n = 0;
  for (const { term } of termHits(text)) {
    counter.add(term);
    if (++n % HITS_PER_SLICE === 0) await new Promise((r) => setTimeout(r, 0));
  }
  return counter.tokens();
}

/** Counts occurrences, taking new terms only while the per-document caps allow. */
class TermCounter {
  private readonly counts = new Map<string, number>();
  private bytes = 0;
  private truncated = false;

  constructor(private readonly caps: { maxDocTerms: number; maxDocTermBytes: number }) {}

  add(term: string): void {
    const n = this.counts.get(term);
    if (n !== undefined) {
      this.counts.set(term, n + 1);
      return;
    }
    const size = utf8Length(term) + 1;
    if (this.counts.size >= this.caps.maxDocTerms || this.bytes + size > this.caps.maxDocTermBytes) {
      this.truncated = true;
      return;
    }
    this.counts.set(term, 1);
    this.bytes += size;
  }

  tokens(): Tokens {
    return { counts: this.counts, truncated: this.truncated };
  }
}
