import { describe, expect, test } from "vitest";
import { MetricsRecorder, type MetricsStore } from "../../src/index.js";
import { MemoryMetricsStore } from "../../src/ports/memory/index.js";

/** A memory store that counts its writes and fails while `down` is set. */
function flakyStore() {
  const real = new MemoryMetricsStore();
  const down = new Set<string>();
  const stats = { writes: 0 };
  const store: MetricsStore = {
    add: async (tenant, deltas) => {
      stats.writes++;
      if (down.has(tenant)) throw new Error(`store down for ${tenant}`);
      await real.add(tenant, deltas);
    },
    get: (tenant) => real.get(tenant),
  };
  return { store, stats, real, down };
}

/** A recorder on a fake monotonic timer (ms), flushing at most every 10 s. */
function recorder(store: MetricsStore, intervalMs = 10_000) {
  const clock = { t: 1_000 };
  const lines: Record<string, unknown>[] = [];
  const m = new MetricsRecorder(store, (l) => lines.push(l), () => 1_700_000_000_000, { intervalMs, timer: () => clock.t });
  return { m, clock, lines };
}

describe("metrics recorder: flush interval", () => {
  test("the first flush writes; later ones write only once the interval has passed since the last write", async () => {
    const { store, stats, real } = flakyStore();
    const { m, clock, lines } = recorder(store);
    m.count("a", "accepted", 2);
    expect(await m.flush()).toBe(true);
    expect(stats.writes).toBe(1);

    for (const dt of [1, 4_000, 5_000]) {
      clock.t += dt;
      m.count("a", "accepted");
      expect(await m.flush()).toBe(false);
    }
    expect(stats.writes).toBe(1);
    expect(m.isEmpty).toBe(false);
    expect((await real.get("a")).accepted).toBe(2);

    clock.t += 999; // 10,000 ms after the first write
    expect(await m.flush()).toBe(true);
    expect(stats.writes).toBe(2);
    expect((await real.get("a")).accepted).toBe(5);
    expect(m.isEmpty).toBe(true);
    expect(lines).toHaveLength(2); // one EMF line per write, carrying what that write added
    expect(lines[1]).toMatchObject({ tenant: "a", accepted: 3 });
  });

  test("a flush with nothing pending writes nothing and does not restart the interval", async () => {
    const { store, stats } = flakyStore();
    const { m, clock } = recorder(store);
    m.count("a", "x");
    await m.flush();
    clock.t += 10_000;
    expect(await m.flush()).toBe(false);
    m.count("a", "x");
    expect(await m.flush()).toBe(true);
    expect(stats.writes).toBe(2);
  });

  test("force writes at once, whatever the interval", async () => {
    const { store, real } = flakyStore();
    const { m, clock } = recorder(store);
    m.count("a", "x");
    await m.flush();
    clock.t += 1;
    m.count("a", "x", 4);
    expect(await m.flush()).toBe(false);
    expect(await m.flush({ force: true })).toBe(true);
    expect((await real.get("a")).x).toBe(5);
  });

  test("interval 0 writes on every flush (the local stack: exact counts after every invocation)", async () => {
    const { store, stats } = flakyStore();
    const { m } = recorder(store, 0);
    for (let i = 0; i < 3; i++) {
      m.count("a", "x");
      expect(await m.flush()).toBe(true);
    }
    expect(stats.writes).toBe(3);
  });

  test("counts of an invocation that throws before its flush go out with a later flush", async () => {
    const { store, real } = flakyStore();
    const { m, clock } = recorder(store);
    const invocation = async (fail: boolean) => {
      m.count("a", "seen");
      if (fail) throw new Error("handler failed");
      await m.flush();
    };
    await expect(invocation(true)).rejects.toThrow("handler failed");
    await invocation(false);
    expect((await real.get("a")).seen).toBe(2);
    clock.t += 1;
    await expect(invocation(true)).rejects.toThrow();
    await invocation(false); // within the interval: kept
    clock.t += 10_000;
    await invocation(false);
    expect((await real.get("a")).seen).toBe(5);
  });

  test("a failed write keeps its deltas; the retry waits for the interval; other tenants are written", async () => {
    const { store, stats, real, down } = flakyStore();
    const { m, clock, lines } = recorder(store);
    down.add("b");
    m.count("a", "x", 1);
    m.count("b", "x", 2);
    m.count("c", "x", 3);
    await expect(m.flush()).rejects.toThrow("store down for b");
    expect(await real.get("a")).toEqual({ x: 1 });
    expect(await real.get("c")).toEqual({ x: 3 });
    expect(await real.get("b")).toEqual({});
    expect(lines.map((l) => l.tenant).sort()).toEqual(["a", "c"]);

    down.delete("b");
    clock.t += 5_000;
    m.count("b", "x", 10);
    expect(await m.flush()).toBe(false); // the failed attempt counts as the last write
    expect(stats.writes).toBe(3);
    clock.t += 5_000;
    expect(await m.flush()).toBe(true);
    expect(await real.get("b")).toEqual({ x: 12 });
    expect(m.isEmpty).toBe(true);
  });

  test("concurrent flushes in one process write once per interval, losing nothing", async () => {
    const { store, stats, real } = flakyStore();
    const { m, clock } = recorder(store);
    m.count("a", "x");
    const results = await Promise.all([m.flush(), m.flush(), m.flush()]);
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(stats.writes).toBe(1);
    m.count("a", "x");
    clock.t += 10_000;
    await m.flush();
    expect((await real.get("a")).x).toBe(2);
  });

  test("a negative or non-finite interval is refused", () => {
    const store = new MemoryMetricsStore();
    expect(() => new MetricsRecorder(store, () => {}, Date.now, { intervalMs: -1 })).toThrow();
    expect(() => new MetricsRecorder(store, () => {}, Date.now, { intervalMs: Number.NaN })).toThrow();
  });
});
