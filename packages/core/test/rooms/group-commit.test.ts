import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { GroupCommit } from "../../src/rooms/group-commit.js";

const tick = () => new Promise((r) => setTimeout(r, 0));

describe("GroupCommit", () => {
  test("items added within one interval go out in one write, in the order they were added", async () => {
    const writes: number[][] = [];
    const gc = new GroupCommit<number>({ flushMs: 20, maxItems: 100, write: async (items) => void writes.push(items) });
    await Promise.all([gc.add([1, 2]), gc.add([3]), gc.add([4, 5])]);
    expect(writes).toEqual([[1, 2, 3, 4, 5]]);
    expect(gc.stats).toEqual({ writes: 1, items: 5 });
  });

  test("a full buffer is written at once, and a write takes at most maxItems (a waiter's items stay together)", async () => {
    const writes: number[][] = [];
    const gc = new GroupCommit<number>({ flushMs: 60_000, maxItems: 3, write: async (items) => void writes.push(items) });
    await Promise.all([gc.add([1, 2]), gc.add([3, 4])]);
    expect(writes).toEqual([[1, 2], [3, 4]]);
  });

  test("writes never overlap: the next flush waits for the one in flight", async () => {
    let inFlight = 0;
    let most = 0;
    const gc = new GroupCommit<number>({
      flushMs: 0,
      maxItems: 10,
      write: async () => {
        most = Math.max(most, ++inFlight);
        await new Promise((r) => setTimeout(r, 5));
        inFlight--;
      },
    });
    const adds: Array<Promise<void>> = [];
    for (let i = 0; i < 20; i++) {
      adds.push(gc.add([i]));
      await tick();
    }
    await Promise.all(adds);
    expect(most).toBe(1);
  });

  test("a failed write rejects every add it held, and later writes go on", async () => {
    let fail = true;
    const gc = new GroupCommit<string>({
      flushMs: 1,
      maxItems: 10,
      write: async () => {
        if (fail) throw new Error("throttled");
      },
    });
    const first = [gc.add(["a"]), gc.add(["b"])];
    for (const p of first) await expect(p).rejects.toThrow("throttled");
    fail = false;
    await expect(gc.add(["c"])).resolves.toBeUndefined();
  });

  test("close() flushes what is buffered; an add after it rejects; bad options are refused", async () => {
    const writes: string[][] = [];
    const gc = new GroupCommit<string>({ flushMs: 60_000, maxItems: 10, write: async (items) => void writes.push(items) });
    const pending = gc.add(["x"]);
    expect(gc.pending).toBe(1);
    await gc.close();
    await pending;
    expect(writes).toEqual([["x"]]);
    await expect(gc.add(["y"])).rejects.toThrow(/closed/);
    expect(() => new GroupCommit({ flushMs: -1, maxItems: 1, write: async () => undefined })).toThrow(/flushMs/);
    expect(() => new GroupCommit({ flushMs: 0, maxItems: 0, write: async () => undefined })).toThrow(/maxItems/);
  });

  test("property: every item is written exactly once, in add order, no write over maxItems unless one add alone is", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 0, max: 6 }), { maxLength: 30 }), fc.integer({ min: 1, max: 8 }), async (sizes, maxItems) => {
        const written: number[] = [];
        const writes: number[][] = [];
        const gc = new GroupCommit<number>({ flushMs: 0, maxItems, write: async (items) => void (writes.push(items), written.push(...items)) });
        let next = 0;
        const adds = sizes.map((n) => gc.add(Array.from({ length: n }, () => next++)));
        await Promise.all(adds);
        await gc.close();
        expect(written).toEqual(Array.from({ length: next }, (_, i) => i));
        for (const w of writes) expect(w.length <= maxItems || sizes.includes(w.length)).toBe(true);
      }),
      { numRuns: 100 },
    );
  });
});
