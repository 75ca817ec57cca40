import { describe, expect, it } from "vitest";
import { DEFAULT_METRICS_FLUSH_MS } from "@weft/core";
import { metricsFlushMs } from "../src/wiring.js";

describe("WEFT_METRICS_FLUSH_MS", () => {
  it("unset or empty: the deployed default (infra does not set it)", () => {
    expect(metricsFlushMs({})).toBe(DEFAULT_METRICS_FLUSH_MS);
    expect(metricsFlushMs({ WEFT_METRICS_FLUSH_MS: "" })).toBe(DEFAULT_METRICS_FLUSH_MS);
    expect(DEFAULT_METRICS_FLUSH_MS).toBe(10_000);
  });

  it("a number of ms >= 0, 0 = write on every flush (the local stack)", () => {
    expect(metricsFlushMs({ WEFT_METRICS_FLUSH_MS: "0" })).toBe(0);
    expect(metricsFlushMs({ WEFT_METRICS_FLUSH_MS: "2500" })).toBe(2500);
  });

  it("anything else is a configuration error, said at once", () => {
    for (const bad of ["-1", "ten", "Infinity"]) expect(() => metricsFlushMs({ WEFT_METRICS_FLUSH_MS: bad })).toThrow(/WEFT_METRICS_FLUSH_MS/);
  });
});
