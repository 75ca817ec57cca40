import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PRESENCE_RATE, admit, tokensLeft, type RateLimit } from "../../src/live/rate-limit.js";

/** A plain token bucket in integer "token-milliseconds": the model `admit` must equal. */
function tokenBucket(rate: RateLimit) {
  const capacity = rate.burst * rate.intervalMs;
  let level = capacity;
  let last: number | undefined;
  return (now: number): boolean => {
    if (last !== undefined) level = Math.min(capacity, level + (now - last));
    last = now;
    if (level < rate.intervalMs) return false;
    level -= rate.intervalMs;
    return true;
  };
}

describe("presence rate limit (GCRA form of a token bucket)", () => {
  it("is burst 20, refill 10 per second", () => {
    expect(PRESENCE_RATE).toEqual({ burst: 20, intervalMs: 100 });
  });

  it("admits exactly what a token bucket admits, for any arrival times", () => {
    fc.assert(
      fc.property(
        fc.record({ burst: fc.integer({ min: 1, max: 30 }), intervalMs: fc.integer({ min: 1, max: 200 }) }),
        fc.array(fc.integer({ min: 0, max: 400 }), { maxLength: 200 }),
        (rate, gaps) => {
          const model = tokenBucket(rate);
          let tat: number | undefined;
          let now = 1_760_000_000_000;
          for (const gap of gaps) {
            now += gap;
            const d = admit(tat, now, rate);
            expect(d.allowed).toBe(model(now));
            tat = d.tat;
          }
        },
      ),
    );
  });

  it("a burst of 20 at once, then one per 100 ms", () => {
    const t0 = 1000;
    let tat: number | undefined;
    const take = (now: number) => {
      const d = admit(tat, now, PRESENCE_RATE);
      tat = d.tat;
      return d.allowed;
    };
    expect(tokensLeft(tat, t0, PRESENCE_RATE)).toBe(20);
    expect(Array.from({ length: 21 }, () => take(t0)).filter(Boolean)).toHaveLength(20);
    expect(tokensLeft(tat, t0, PRESENCE_RATE)).toBe(0);
    expect(take(t0 + 99)).toBe(false);
    expect(take(t0 + 100)).toBe(true);
    expect(take(t0 + 150)).toBe(false);
    expect(tokensLeft(tat, t0 + 2100, PRESENCE_RATE)).toBe(20);
  });
});
