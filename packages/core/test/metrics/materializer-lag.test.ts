import { describe, expect, test } from "vitest";
import { MATERIALIZER_LAG_PREFIX, summarizeLag } from "../../src/metrics/lag-histogram.js";
import { MetricsRecorder } from "../../src/metrics/recorder.js";
import { MemoryMetricsStore } from "../../src/ports/memory/metrics-store.js";

describe("materializer lag histogram", () => {
  test("is kept apart from the sequencer's lag and left out of EMF metric names", async () => {
    const store = new MemoryMetricsStore();
    const lines: Record<string, any>[] = [];
    const m = new MetricsRecorder(store, (l) => lines.push(l), () => 1);
    for (const ms of [3, 3, 250, -5]) m.observeMaterializerLag("t", ms);
    m.observeLag("t", 10_000);
    await m.flush();
    const counters = await store.get("t");
    const mat = summarizeLag(counters, MATERIALIZER_LAG_PREFIX);
    expect(mat.count).toBe(4);
    expect(mat.p50).toBe(3);
    expect(mat.p99).toBeGreaterThanOrEqual(250);
    expect(mat.p99).toBeLessThan(250 * 1.2);
    const seq = summarizeLag(counters);
    expect(seq.count).toBe(1);
    expect(seq.p50).toBeGreaterThanOrEqual(10_000);
    expect(lines[0]._aws.CloudWatchMetrics[0].Metrics).toEqual([]);
  });
});
