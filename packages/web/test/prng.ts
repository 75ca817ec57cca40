import type { Rng } from "@weft/core/prng";

export { prng, type Rng } from "@weft/core/prng";

const WORDS = ["a", "bc", "🌍", "xyz", " ", "é", "hello ", "👩‍💻", "\n"];

/** A random edit on a text of `len` code points, as [method, args] for a document. */
export function randomEdit(r: Rng, len: number): ["insert", number, string] | ["delete", number, number] | ["format", number, number, Record<string, boolean>] {
  const roll = r.next();
  if (len === 0 || roll < 0.6) return ["insert", r.int(len + 1), r.pick(WORDS)];
  const pos = r.int(len);
  const n = 1 + r.int(Math.min(4, len - pos));
  if (roll < 0.9) return ["delete", pos, n];
  return ["format", pos, n, { bold: r.next() < 0.5 }];
}
