import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { COMPACT_AFTER_MS, COMPACT_CLOCK_SKEW_MS, CompactionSchedule } from "../../src/log/compaction-schedule.js";

const HOUR = 3_600_000;

describe("CompactionSchedule", () => {
  it("covers every append by a timer due between the clock-skew margin and a day (+ the hour) after it, whatever it forgets", () => {
    const step = fc.record({ gapMs: fc.integer({ min: 0, max: 3 * HOUR }), ops: fc.integer({ min: 1, max: 40 }), doc: fc.integer({ min: 0, max: 3 }), forget: fc.boolean() });
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 300 }), (steps) => {
        let schedule = new CompactionSchedule({ opsLimit: 200, maxDocs: 3 });
        const timers = new Map<number, number[]>();
        let at = Date.UTC(2030, 0, 1);
        for (const s of steps) {
          at += s.gapMs;
          if (s.forget && s.gapMs % 7 === 0) schedule = new CompactionSchedule({ opsLimit: 200, maxDocs: 3 });
          const key = `doc${s.doc}`;
          const due = schedule.plan(key, at, s.ops);
          if (due !== undefined) {
            timers.set(s.doc, [...(timers.get(s.doc) ?? []), due]);
            schedule.added(key, at, s.ops, due);
          }
          const covering = (timers.get(s.doc) ?? []).filter((d) => d >= at + COMPACT_CLOCK_SKEW_MS);
          expect(covering.length).toBeGreaterThan(0);
          expect(Math.min(...covering)).toBeLessThanOrEqual(at + COMPACT_AFTER_MS + HOUR);
        }
      }),
    );
  });

  it("adds one timer per document per day while appends keep coming, plus one per opsLimit ops", () => {
    const schedule = new CompactionSchedule({ opsLimit: 1_000 });
    let added = 0;
    let at = Date.UTC(2030, 0, 1);
    for (let k = 0; k < 10_000; k++) {
      at += 8_000; // a keystroke every 8 s for ~22 hours
      const due = schedule.plan("d", at, 1);
      if (due !== undefined) {
        added++;
        schedule.added("d", at, 1, due);
      }
    }
    // 1 day's timer + 10,000 / 1,000 ops-limit timers (the first day's 999 ops less one, rounded).
    expect(added).toBeGreaterThanOrEqual(10);
    expect(added).toBeLessThanOrEqual(12);
  });

  it("refuses settings that would never schedule", () => {
    expect(() => new CompactionSchedule({ afterMs: 0 })).toThrow(/must be > 0/);
    expect(() => new CompactionSchedule({ opsLimit: -1 })).toThrow(/must be > 0/);
  });
});
