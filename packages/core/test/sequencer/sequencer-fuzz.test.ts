import fc from "fast-check";
import { describe, expect, test } from "vitest";
import {
  MemoryLogStore,
  MemoryQuarantineStore,
  MemorySequencerStateStore,
  MemoryTimerStore,
} from "../../src/ports/memory/index.js";
import { ClientCachingHeads, DEFAULT_SEQUENCER_CONFIG, composedHeads } from "../../src/index.js";
import { arrivals, checkInvariants, makeChanges, seen, simulate } from "./simulation.js";

const memoryPorts = () => ({
  log: new MemoryLogStore(),
  state: new MemorySequencerStateStore(),
  timers: new MemoryTimerStore(),
  quarantine: new MemoryQuarantineStore(),
});

describe("sequencer under random arrival orders, duplicates, gaps and crashes", () => {
  test("every invariant holds, and crashes change nothing", async () => {
    await fc.assert(
      // Tiny batches too: a run then commits several log batches, and a crash between them
      // must still replay to the same log.
      fc.asyncProperty(fc.integer({ min: 1, max: 2 ** 30 }), fc.boolean(), fc.constantFrom(2000, 2), async (seed, dropSome, maxBatchEntries) => {
        const doc = { tenant: "t", docId: "d" };
        const config = { ...DEFAULT_SEQUENCER_CONFIG, maxBatchEntries };
        const order = arrivals(seed, makeChanges(seed, doc), dropSome);
        const clean = await simulate(seed, order, undefined, memoryPorts(), config);
        checkInvariants(order, clean);
        const crashed = await simulate(seed, order, { seed, rate: 0.15 }, memoryPorts(), config);
        checkInvariants(order, crashed);
        expect(crashed.log).toEqual(clean.log);
        expect(crashed.rejected).toEqual(clean.rejected);
      }),
      { seed: Number(process.env.FUZZ_SEED ?? 20261121), numRuns: Number(process.env.FUZZ_RUNS ?? 200) },
    );
    expect(seen.crashes).toBeGreaterThan(100);
    expect(seen.gapRejections).toBeGreaterThan(0);
    expect(seen.transformed).toBeGreaterThan(100);
    expect(seen.outOfRange).toBeGreaterThan(0);
  });
});

describe("a process that keeps client states (a room task) beside one that reads them (the function)", () => {
  test("every delivery to either, with crashes: the log and rejections of one clean process", async () => {
    const before = { ...seen };
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 2 ** 30 }), fc.boolean(), async (seed, dropSome) => {
        const doc = { tenant: "t", docId: "d" };
        const order = arrivals(seed, makeChanges(seed, doc), dropSome);
        const clean = await simulate(seed, order, undefined, memoryPorts());
        const ports = memoryPorts();
        const reads = composedHeads(ports.state, ports.log);
        // Two cached processes and one that reads: saves by any of them must reach the others' caches.
        const heads = [new ClientCachingHeads(reads), new ClientCachingHeads(reads), reads];
        const mixed = await simulate(seed, order, { seed, rate: 0.15 }, { ...ports, heads });
        checkInvariants(order, mixed);
        expect(mixed.log).toEqual(clean.log);
        expect(mixed.rejected).toEqual(clean.rejected);
      }),
      { seed: Number(process.env.FUZZ_SEED ?? 20261207), numRuns: Number(process.env.FUZZ_RUNS ?? 150) },
    );
    expect(seen.crashes - before.crashes).toBeGreaterThan(100);
    expect(seen.gapRejections - before.gapRejections).toBeGreaterThan(0);
  });
});
