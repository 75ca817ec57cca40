/** ceil that ignores float noise: 70 / 0.7 = 100.00000000000001 is 100 units, not 101 (capacity units, shards, tasks). */
export function ceilTolerant(x: number): number {
  return Math.ceil(x - 1e-9 * Math.max(1, x));
}

export function sum(xs: readonly number[]): number {
  let s = 0;
  for (const x of xs) s += x;
  return s;
}
