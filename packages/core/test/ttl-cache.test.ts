import { describe, expect, it } from "vitest";
import { TtlCache } from "../src/ttl-cache.js";

describe("TtlCache", () => {
  it("serves a value for ttlMs, shares a pending load, drops a failed one, and keeps at most maxEntries", async () => {
    let now = 1000;
    const cache = new TtlCache<number>(100, 2, () => now);
    let loads = 0;
    const load = async () => ++loads;
    const [a, b] = [cache.get("k", load), cache.get("k", load)];
    expect([await a, await b, loads]).toEqual([1, 1, 1]);
    now += 99;
    expect(await cache.get("k", load)).toBe(1);
    now += 1;
    expect(await cache.get("k", load)).toBe(2);
    await expect(cache.set("bad", Promise.reject(new Error("x")))).rejects.toThrow("x");
    expect(cache.fresh("bad")).toBeUndefined();
    cache.set("k2", Promise.resolve(5));
    cache.set("k3", Promise.resolve(6));
    expect(cache.fresh("k")).toBeUndefined(); // the oldest went
    expect(await cache.fresh("k3")).toBe(6);
  });

  it("a failed value replaced meanwhile does not remove its replacement", async () => {
    const cache = new TtlCache<number>(1000);
    let fail!: (e: Error) => void;
    const first = cache.set("k", new Promise<number>((_, reject) => (fail = reject)));
    cache.set("k", Promise.resolve(7));
    fail(new Error("late"));
    await expect(first).rejects.toThrow("late");
    expect(await cache.fresh("k")).toBe(7);
  });
});
