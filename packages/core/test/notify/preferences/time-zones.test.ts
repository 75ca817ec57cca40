import { describe, expect, test } from "vitest";
import { canonicalTimeZone, instantOfWall, minuteOfDay, zoneOffsetMs } from "../../../src/notify/preferences/index.js";

const Z = (s: string) => Date.parse(`${s}Z`);

describe("time zones through Intl", () => {
  test("canonical names; unknown names and fixed offsets are not zones", () => {
    expect(canonicalTimeZone("asia/kolkata")).toBe("Asia/Kolkata");
    expect(canonicalTimeZone("UTC")).toBe("UTC");
    for (const bad of ["Mars/Base", "+05:30", "", "America/New York", "../etc/passwd"]) expect(canonicalTimeZone(bad)).toBeUndefined();
  });

  test("offsets across the 2025 US changes", () => {
    expect(zoneOffsetMs("America/New_York", Z("2025-03-09T06:59:59"))).toBe(-5 * 3_600_000);
    expect(zoneOffsetMs("America/New_York", Z("2025-03-09T07:00:00"))).toBe(-4 * 3_600_000);
    expect(zoneOffsetMs("America/New_York", Z("2025-11-02T05:59:59"))).toBe(-4 * 3_600_000);
    expect(zoneOffsetMs("America/New_York", Z("2025-11-02T06:00:00"))).toBe(-5 * 3_600_000);
    expect(zoneOffsetMs("Asia/Kolkata", Z("2025-03-09T07:00:00"))).toBe(5.5 * 3_600_000);
  });

  test("wall time to instant: normal, skipped (spring forward) and repeated (fall back)", () => {
    expect(instantOfWall("America/New_York", Z("2025-03-09T07:00:00"))).toBe(Z("2025-03-09T11:00:00"));
    expect(instantOfWall("America/New_York", Z("2025-03-09T02:30:00"))).toBe(Z("2025-03-09T07:00:00"));
    expect(instantOfWall("America/New_York", Z("2025-11-02T01:30:00"))).toBe(Z("2025-11-02T05:30:00"));
    expect(instantOfWall("Asia/Kolkata", Z("2025-03-09T07:00:00"))).toBe(Z("2025-03-09T01:30:00"));
  });

  test("HH:MM", () => {
    expect(minuteOfDay("00:00")).toBe(0);
    expect(minuteOfDay("23:59")).toBe(1439);
    for (const bad of ["24:00", "7:00", "07:60", "07:00:00", " 07:00"]) expect(minuteOfDay(bad)).toBeUndefined();
  });
});
