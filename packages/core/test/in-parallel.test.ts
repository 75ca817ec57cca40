import { describe, expect, it } from "vitest";
import { inParallel } from "../src/in-parallel.js";

describe("inParallel", () => {
  it("calls fn on every item, starting them in order, never more than width at once", async () => {
    let running = 0;
    let most = 0;
    const started: number[] = [];
    await inParallel([1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
      started.push(n);
      most = Math.max(most, ++running);
      await new Promise((r) => setTimeout(r, (7 - n) * 2));
      running--;
    });
    expect(started).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(most).toBe(3);
    await inParallel([], 4, async () => expect.unreachable());
  });

  it("rejects with the first error thrown", async () => {
    await expect(inParallel([1, 2, 3], 2, async (n) => { if (n === 2) throw new Error("two"); })).rejects.toThrow("two");
  });
});
