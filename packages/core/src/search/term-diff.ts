import { tokenize, tokenizeAsync, type Tokens } from "./tokenize.js";

/**
 * A document's indexed terms: term -> term-frequency bucket. The bucket is the count rounded
 * down to a power of two (1, 2, 4, 8, ...), so a posting is rewritten only when a term
 * appears or disappears or its count crosses a power of two, not on every occurrence typed:
 * ranking keeps a useful frequency signal and an edit writes only a handful of items.
 */
export type TermSet = Map<string, number>;

export function tfBucket(count: number): number {
  return count < 1 ? 0 : 2 ** Math.floor(Math.log2(count));
}

/** The term set a text is indexed with, and whether the per-document cap cut it. */
export function termSetOf(text: string, caps?: Parameters<typeof tokenize>[1]): { terms: TermSet; truncated: boolean } {
  return bucketed(tokenize(text, caps));
}

/** `termSetOf` without blocking the event loop for long on a large text (see tokenizeAsync). */
export async function termSetOfAsync(text: string, caps?: Parameters<typeof tokenize>[1]): Promise<{ terms: TermSet; truncated: boolean }> {
  return bucketed(await tokenizeAsync(text, caps));
}

function bucketed(tokens: Tokens): { terms: TermSet; truncated: boolean } {
  const terms: TermSet = new Map();
  for (const [term, n] of tokens.counts) terms.set(term, tfBucket(n));
  return { terms, truncated: tokens.truncated };
}

/** What turns one indexed term set into another: the only index writes an event makes. */
export interface TermDelta {
  /** Postings to write: new terms and terms whose bucket changed, ascending by term. */
  put: Array<[term: string, tf: number]>;
  /** Postings to delete: terms no longer in the document, ascending. */
  remove: string[];
  /** Terms of `put` that are new to the document (their prefix-dictionary entry is written too), ascending. */
  added: string[];
}

/**
 * The delta from the indexed set `from` to `to`. `force` names terms whose stored postings
 * may not match `from` (an interrupted earlier write touched them): each is put when in
 * `to` (and treated as added) and removed otherwise, whatever `from` says. Applying the
 * delta to `from` gives `to` (`applyDelta`); an empty delta means nothing to write.
 */
export function diffTerms(from: TermSet, to: TermSet, force: Iterable<string> = []): TermDelta {
  const put = new Map<string, number>();
  const remove = new Set<string>();
  const added = new Set<string>();
  for (const [term, tf] of to) {
    const old = from.get(term);
    if (old === tf) continue;
    put.set(term, tf);
    if (old === undefined) added.add(term);
  }
  for (const term of from.keys()) if (!to.has(term)) remove.add(term);
  for (const term of force) {
    const tf = to.get(term);
    if (tf === undefined) remove.add(term);
    else {
      put.set(term, tf);
      added.add(term);
    }
  }
  return {
    put: [...put].sort(([a], [b]) => compare(a, b)),
    remove: [...remove].sort(compare),
    added: [...added].sort(compare),
  };
}

export function isEmptyDelta(d: TermDelta): boolean {
  return d.put.length === 0 && d.remove.length === 0;
}

/** `from` with the delta applied (a new map). */
export function applyDelta(from: TermSet, d: TermDelta): TermSet {
  const out = new Map(from);
  for (const t of d.remove) out.delete(t);
  for (const [t, tf] of d.put) out.set(t, tf);
  return out;
}

/** Every term a delta writes or deletes. */
export function touchedTerms(d: TermDelta): string[] {
  return [...new Set([...d.put.map(([t]) => t), ...d.remove])].sort(compare);
}

/**
 * Code-point order, which is UTF-8 byte order: the order DynamoDB sorts string keys in
 * (plain `<` compares UTF-16 code units and disagrees for characters above U+FFFF).
 */
export function compare(a: string, b: string): number {
  if (a === b) return 0;
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const x = ia.next();
    const y = ib.next();
    if (x.done || y.done) return x.done ? (y.done ? 0 : -1) : 1;
    const d = x.value.codePointAt(0)! - y.value.codePointAt(0)!;
    if (d !== 0) return d < 0 ? -1 : 1;
  }
}
