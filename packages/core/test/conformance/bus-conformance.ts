import { describe, expect, it } from "vitest";
import type { Bus, BusEntry } from "../../src/ports/bus.js";

export interface BusHarness {
  bus: Bus;
  /** Every entry delivered so far, in delivery order, as a subscriber receives it. */
  delivered(): Promise<BusEntry[]>;
}

/** Bus contract suite. `factory` returns a bus that has delivered nothing yet, with a way to observe deliveries. */
export function runBusConformance(name: string, factory: () => Promise<BusHarness>): void {
  describe(`Bus conformance: ${name}`, () => {
    it("delivers every entry, in order, deep-equal", async () => {
      const { bus, delivered } = await factory();
      const entries: BusEntry[] = [
        { source: "weft.sequencer", detailType: "ops.committed", detail: { doc: "d1", seqs: [1, 2], text: "héllo 👋" }, time: 1_760_000_000_000 },
        { source: "weft.sequencer", detailType: "ops.rejected", detail: ["a", null, 3.5, true] },
      ];
      await bus.publish(entries);
      await bus.publish([{ source: "weft.ingest", detailType: "x", detail: "plain" }]);
      expect(await delivered()).toEqual([...entries, { source: "weft.ingest", detailType: "x", detail: "plain" }]);
    });

    it("keeps its own copy of each entry", async () => {
      const { bus, delivered } = await factory();
      const detail = { n: 1 };
      await bus.publish([{ source: "s", detailType: "t", detail }]);
      detail.n = 2;
      expect((await delivered())[0].detail).toEqual({ n: 1 });
    });

    it("publishing nothing delivers nothing", async () => {
      const { bus, delivered } = await factory();
      await bus.publish([]);
      expect(await delivered()).toEqual([]);
    });

    it("accepts a detail of just under 256 KB encoded", async () => {
      const { bus, delivered } = await factory();
      const detail = "x".repeat(256 * 1024 - 2);
      await bus.publish([{ source: "s", detailType: "t", detail }]);
      expect((await delivered())[0].detail).toBe(detail);
    });

    it("throws for a detail over 256 KB encoded or not JSON-serialisable", async () => {
      const { bus } = await factory();
      await expect(bus.publish([{ source: "s", detailType: "t", detail: "x".repeat(256 * 1024) }])).rejects.toThrow();
      const circular: Record<string, unknown> = {};
      circular.self = circular;
      await expect(bus.publish([{ source: "s", detailType: "t", detail: circular }])).rejects.toThrow();
      await expect(bus.publish([{ source: "s", detailType: "t", detail: 10n }])).rejects.toThrow();
    });
  });
}
