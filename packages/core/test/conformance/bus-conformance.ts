import { describe, expect, it } from "vitest";
import type { Bus, BusEntry } from "../../src/ports/bus.js";

export interface BusHarness {
  bus: Bus;
  /** Every entry delivered so far, as a subscriber receives it (waits for in-flight deliveries). */
  delivered(): Promise<BusEntry[]>;
}

/** Entries in a stable order: EventBridge does not promise delivery order, so the suite does not either. */
function sorted(entries: BusEntry[]): BusEntry[] {
  return [...entries].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}

/** Bus contract suite (see ports/bus.ts). `factory` returns a bus that has delivered nothing yet, with a way to observe deliveries. */
export function runBusConformance(name: string, factory: () => Promise<BusHarness>): void {
  describe(`Bus conformance: ${name}`, () => {
    it("delivers every entry deep-equal, time kept at whole seconds", async () => {
      const { bus, delivered } = await factory();
      const entries: BusEntry[] = [
        { source: "weft.sequencer", detailType: "ops.committed", detail: { doc: "d1", seqs: [1, 2], text: "héllo 👋" }, time: 1_760_000_000_000 },
        { source: "weft.sequencer", detailType: "ops.rejected", detail: { list: ["a", null, 3.5, true], nested: { deep: {} } }, time: 1_760_000_001_999 },
      ];
      await bus.publish(entries);
      await bus.publish([{ source: "weft.ingest", detailType: "x", detail: { plain: "yes" }, time: 1_760_000_002_000 }]);
      expect(sorted(await delivered())).toEqual(
        sorted([entries[0], { ...entries[1], time: 1_760_000_001_000 }, { source: "weft.ingest", detailType: "x", detail: { plain: "yes" }, time: 1_760_000_002_000 }]),
      );
    });

    it("stamps an entry without a time with the time of its publish", async () => {
      const { bus, delivered } = await factory();
      const before = Math.floor(Date.now() / 1000) * 1000;
      await bus.publish([{ source: "s", detailType: "t", detail: { a: 1 } }]);
      const after = Date.now();
      const [got] = await delivered();
      expect(got.time).toBeGreaterThanOrEqual(before);
      expect(got.time).toBeLessThanOrEqual(after);
    });

    it("delivers a call of more entries than one PutEvents takes (10), all of them", async () => {
      const { bus, delivered } = await factory();
      const entries = Array.from({ length: 23 }, (_, i): BusEntry => ({ source: "s", detailType: "many", detail: { i }, time: 1_760_000_000_000 }));
      await bus.publish(entries);
      expect(sorted(await delivered())).toEqual(sorted(entries));
    });

    it("delivers several large entries whose sum is over 256 KB", async () => {
      const { bus, delivered } = await factory();
      const entries = [0, 1, 2].map((i): BusEntry => ({ source: "s", detailType: "big", detail: { i, pad: "y".repeat(100_000) }, time: 1_760_000_000_000 }));
      await bus.publish(entries);
      expect(sorted(await delivered())).toEqual(sorted(entries));
    });

    it("keeps its own copy of each entry", async () => {
      const { bus, delivered } = await factory();
      const detail = { n: 1 };
      const pending = bus.publish([{ source: "s", detailType: "t", detail }]);
      detail.n = 2;
      await pending;
      expect((await delivered())[0].detail).toEqual({ n: 1 });
    });

    it("publishing nothing delivers nothing", async () => {
      const { bus, delivered } = await factory();
      await bus.publish([]);
      expect(await delivered()).toEqual([]);
    });

    it("accepts an entry of exactly 256 KB as EventBridge measures it", async () => {
      const { bus, delivered } = await factory();
      // 14 (time) + 1 (source) + 1 (detail type) + detail JSON {"p":"..."} (8 + n bytes) = 256 KB.
      const detail = { p: "x".repeat(256 * 1024 - 24) };
      await bus.publish([{ source: "s", detailType: "t", detail, time: 1_760_000_000_000 }]);
      expect((await delivered())[0].detail).toEqual(detail);
    });

    it("refuses a bad entry with invalid_request naming it, and delivers nothing of that call", async () => {
      const { bus, delivered } = await factory();
      const ok: BusEntry = { source: "s", detailType: "t", detail: { fine: true } };
      const circular: Record<string, unknown> = {};
      circular.self = circular;
      const bad: unknown[] = [
        { p: "x".repeat(256 * 1024 - 23) }, // one byte over with time
        circular,
        { n: 10n },
        "plain",
        ["an", "array"],
        42,
        null,
      ];
      for (const detail of bad) {
        await expect(bus.publish([ok, { source: "s", detailType: "t", detail, time: 1_760_000_000_000 }])).rejects.toMatchObject({
          code: "invalid_request",
          message: expect.stringMatching(/entry 1/),
        });
      }
      await expect(bus.publish([{ source: "", detailType: "t", detail: {} }])).rejects.toMatchObject({ code: "invalid_request" });
      await expect(bus.publish([{ source: "s", detailType: "", detail: {} }])).rejects.toMatchObject({ code: "invalid_request" });
      expect(await delivered()).toEqual([]);
    });
  });
}
