import { describe, expect, test } from "vitest";
import { MetricsRecorder, summarizeLag, type MetricsStore } from "../../src/index.js";
import { MemoryMetricsStore } from "../../src/ports/memory/index.js";

describe("metrics recorder", () => {
  test("a flush adds each tenant's counts once and emits one CloudWatch EMF line per tenant", async () => {
    const store = new MemoryMetricsStore();
    const lines: Record<string, any>[] = [];
    const m = new MetricsRecorder(store, (l) => lines.push(l), () => 1_700_000_000_000);
    m.count("a", "accepted", 3);
    m.count("a", "accepted", 2);
    m.count("b", "refused.invalid_request");
    for (const ms of [5, 12, 40, 40, 900]) m.observeLag("a", ms);
    await m.flush();
    expect(m.isEmpty).toBe(true);
    expect((await store.get("a")).accepted).toBe(5);
    expect(await store.get("b")).toEqual({ "refused.invalid_request": 1 });
    const a = lines.find((l) => l.tenant === "a")!;
    expect(a._aws.Timestamp).toBe(1_700_000_000_000);
    expect(a._aws.CloudWatchMetrics[0]).toMatchObject({ Namespace: "Weft", Dimensions: [["tenant"]] });
    expect(a._aws.CloudWatchMetrics[0].Metrics).toEqual([{ Name: "accepted", Unit: "Count" }]);
    expect(a.accepted).toBe(5);
    const lag = summarizeLag(await store.get("a"));
    expect(lag.count).toBe(5);
    expect(lag.p50).toBeGreaterThanOrEqual(40);
    expect(lag.p50).toBeLessThan(40 * 1.2);
    expect(lag.p99).toBeGreaterThanOrEqual(900);
    await m.flush();
    expect(lines).toHaveLength(2);
  });

  test("counts survive a failed flush and go out with the next one", async () => {
    const real = new MemoryMetricsStore();
    let fail = true;
    const flaky: MetricsStore = {
      add: async (t, d) => {
        if (fail) throw new Error("store down");
        await real.add(t, d);
      },
      get: (t) => real.get(t),
    };
    const m = new MetricsRecorder(flaky, () => {});
    m.count("a", "committed", 7);
    await expect(m.flush()).rejects.toThrow("store down");
    fail = false;
    m.count("a", "committed", 1);
    await m.flush();
    expect((await real.get("a")).committed).toBe(8);
  });

  test("lag percentiles of an empty histogram are null", () => {
    expect(summarizeLag({})).toEqual({ count: 0, p50: null, p95: null, p99: null });
  });
});
