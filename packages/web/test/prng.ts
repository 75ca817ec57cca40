/** A seeded PRNG (mulberry32), so every randomized test replays from its seed. */
export function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  return { next, int, pick: <T>(xs: readonly T[]): T => xs[int(xs.length)] };
}

export type Rng = ReturnType<typeof prng>;

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
