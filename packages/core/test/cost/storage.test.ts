import { describe, expect, it } from "vitest";
import { billAtRate } from "../../src/cost/bill.js";
import { PRICES } from "../../src/cost/prices.js";
import { DYNAMODB_ITEM_OVERHEAD_BYTES, steadyStateStorage } from "../../src/cost/storage.js";

describe("steadyStateStorage", () => {
  it("holds bytes/event x events/s x retention seconds, and prices the GB-months", () => {
    const r = steadyStateStorage([{ name: "presence", store: "dynamodb", bytesPerEvent: 1024, retentionDays: 1 }], 100);
    // 1 KiB x 100/s x 86,400 s = 8,640,000 KiB = 8.2397 GiB
    expect(r.lines[0]!.storedBytes).toBe(1024 * 100 * 86_400);
    expect(r.lines[0]!.storedGb).toBeCloseTo(8_640_000 / 1024 ** 2, 12);
    expect(r.totalUsdPerMonth).toBeCloseTo((8_640_000 / 1024 ** 2) * 0.25, 12);
  });

  it("prices data kept forever at the horizon: 1 year of growth of the log table", () => {
    const r = steadyStateStorage(
      [{ name: "log", store: "dynamodb", bytesPerEvent: 200, itemsPerEvent: 1, retentionDays: "forever", fn: "sequencer" }],
      1000,
      { horizonDays: 365 },
    );
    // (200 + 100 overhead) B x 1,000/s x 365 d x 86,400 s = 9.4608e12 B = 8,811.06 GB -> $2,202.77 a month
    const line = r.lines[0]!;
    expect(line).toMatchObject({ name: "log", fn: "sequencer", bytesPerEvent: 200 + DYNAMODB_ITEM_OVERHEAD_BYTES, heldDays: 365 });
    expect(line.storedGb).toBeCloseTo(2_309_765_625 / 262_144, 9);
    expect(line.usdPerMonth).toBeCloseTo(2_309_765_625 / 1_048_576, 9);
    expect(r.totalGb).toBe(line.storedGb);
  });

  it("applies S3's volume tiers to all S3 stores together", () => {
    const gbPerEventDay = 1 / 86_400; // bytes chosen so each store holds exactly 40 TB
    const bytes = 40 * 1024 * 2 ** 30 * gbPerEventDay;
    const r = steadyStateStorage(
      [
        { name: "lake-a", store: "s3", bytesPerEvent: bytes, retentionDays: 1 },
        { name: "lake-b", store: "s3", bytesPerEvent: bytes, retentionDays: 1 },
      ],
      1,
    );
    expect(r.totalGb).toBeCloseTo(80 * 1024, 6);
    // 50 TB at $0.023, 30 TB at $0.022
    expect(r.totalUsdPerMonth).toBeCloseTo(50 * 1024 * 0.023 + 30 * 1024 * 0.022, 6);
    expect(r.lines[0]!.usdPerMonth).toBeCloseTo(r.totalUsdPerMonth / 2, 6);
  });

  it("prices logs at CloudWatch Logs storage", () => {
    const r = steadyStateStorage([{ name: "/aws/lambda/ingest", store: "logs", bytesPerEvent: 2 ** 30 / 86_400, retentionDays: 30 }], 1);
    expect(r.totalGb).toBeCloseTo(30, 9);
    expect(r.totalUsdPerMonth).toBeCloseTo(30 * PRICES.logs.storedGbMonths.usd, 9);
  });

  it("refuses bad inputs", () => {
    const forever = { name: "log", store: "dynamodb" as const, bytesPerEvent: 100, retentionDays: "forever" as const };
    expect(() => steadyStateStorage([forever], 1)).toThrow(/storage log: kept forever, so a horizonDays is required/);
    expect(() => steadyStateStorage([forever], 1, { horizonDays: 0 })).toThrow(/bad horizon 0 days/);
    expect(() => steadyStateStorage([forever], -1, { horizonDays: 1 })).toThrow(/bad rate -1/);
    expect(() => steadyStateStorage([{ ...forever, retentionDays: 0 }], 1)).toThrow(/bad retention 0 days/);
    expect(() => steadyStateStorage([{ ...forever, bytesPerEvent: -1 }], 1, { horizonDays: 1 })).toThrow(/bad bytes per event -1/);
    expect(() => steadyStateStorage([{ ...forever, store: "s3", itemsPerEvent: 1 }], 1, { horizonDays: 1 })).toThrow(/DynamoDB tables only/);
  });
});

describe("storage in a bill", () => {
  it("adds storage lines by store, function and table at each rate", () => {
    const b = billAtRate(
      {
        product: "document",
        usage: [{ unit: "dynamodb.writeUnits", fn: "sequencer", resource: "log", quantity: 1 }],
        events: 1,
        rates: { average: 1000 },
        memoryMB: {},
        storage: { items: [{ name: "log", store: "dynamodb", bytesPerEvent: 200, itemsPerEvent: 1, retentionDays: "forever", fn: "sequencer" }], horizonDays: 365 },
      },
      1000,
    );
    const storage = b.lines.find((l) => l.item === "storage")!;
    expect(storage).toMatchObject({ service: "DynamoDB", fn: "sequencer", resource: "log", unit: "stored.bytes", billedUnit: "GB-months", label: "DynamoDB storage, sequencer, log table" });
    expect(storage.usd).toBeCloseTo(2_309_765_625 / 1_048_576, 9);
    expect(b.byTable).toEqual([{ table: "log", usd: b.totalUsd }]);
  });
});
