import { afterEach, describe, expect, it } from "vitest";
import { performance } from "node:perf_hooks";
import { meterCpuOf, processUsage, runAsFunction } from "../../src/adapters/billing/usage-context.js";

const spin = (ms: number) => {
  const end = performance.now() + ms;
  while (performance.now() < end);
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const cpuOf = (fn: string) => processUsage.snapshot().filter((l) => l.unit === "fargate.vcpuMs" && l.fn === fn).reduce((s, l) => s + l.quantity, 0);

/**
 * A container tier's CPU time (usage-context.ts meterCpuOf): the synchronous slices of work run
 * as its function are timed, its awaits are not, and other functions' work is not its.
 */
describe("container CPU metering", () => {
  let stop: (() => void) | undefined;
  afterEach(() => {
    stop?.();
    processUsage.reset();
  });

  it("counts the synchronous start and every continuation, not the time spent awaiting", async () => {
    processUsage.reset();
    stop = meterCpuOf("tier");
    await runAsFunction("tier", async () => {
      spin(15);
      await sleep(300);
      spin(10);
      await Promise.resolve();
      spin(5);
      await sleep(200);
      spin(10);
    });
    const ms = cpuOf("tier");
    expect(ms).toBeGreaterThanOrEqual(38);
    expect(ms).toBeLessThan(250); // 40 ms of work; the 500 ms of sleeping is not counted
  });

  it("leaves other functions' work and work after it is stopped uncounted", async () => {
    processUsage.reset();
    stop = meterCpuOf("tier");
    await runAsFunction("lambda-like", async () => {
      spin(20);
      await sleep(5);
      spin(20);
    });
    expect(cpuOf("lambda-like")).toBe(0);
    stop();
    stop = undefined;
    await runAsFunction("tier", async () => {
      spin(10);
      await sleep(5);
      spin(10);
    });
    expect(cpuOf("tier")).toBe(0);
  });
});
