import { describe, expect, it } from "vitest";
import { billAtRate, billProduct } from "../../src/cost/bill.js";
import type { BillInput } from "../../src/cost/bill-types.js";
import { scheduleUsagePerMonth } from "../../src/cost/fixed-usage.js";
import { SECONDS_PER_MONTH } from "../../src/cost/prices.js";
import { UsageMeter, billingUnits, type UsageLine } from "../../src/cost/usage.js";

/** 1,000 events: 3,000 WRU on the log table (sequencer) and 500 RRU on it (materializer). */
const logTable: BillInput = {
  product: "document",
  usage: [
    { unit: "dynamodb.writeUnits", fn: "sequencer", resource: "log", quantity: 3000 },
    { unit: "dynamodb.readUnits", fn: "materializer", resource: "log", quantity: 500 },
  ],
  events: 1000,
  rates: { average: 25_000 },
  memoryMB: {},
};

/** With events = SECONDS_PER_MONTH and 1 event/s, usage quantities are the month's quantities. */
const monthly = (usage: UsageLine[], extra: Partial<BillInput> = {}): BillInput => ({
  product: "p",
  usage,
  events: SECONDS_PER_MONTH,
  rates: { average: 1 },
  memoryMB: {},
  ...extra,
});

describe("billAtRate: on-demand DynamoDB", () => {
  it("prices 3 WRU + 0.5 RRU per event at 25,000 events/s", () => {
    const b = billAtRate(logTable, 25_000);
    expect(b.eventsPerMonth).toBe(65_745_000_000);
    // 197,235,000,000 WRU x $0.625/M = $123,271.875; 32,872,500,000 RRU x $0.125/M = $4,109.0625
    expect(b.lines.map((l) => [l.label, l.quantity])).toEqual([
      ["DynamoDB writes, sequencer, log table", 197_235_000_000],
      ["DynamoDB reads, materializer, log table", 32_872_500_000],
    ]);
    expect(b.lines[0]!.usd).toBeCloseTo(123_271.875, 6);
    expect(b.lines[1]!.usd).toBeCloseTo(4_109.0625, 6);
    expect(b.totalUsd).toBeCloseTo(127_380.9375, 6);
    expect(b.byService).toEqual([{ service: "DynamoDB", usd: b.totalUsd }]);
    expect(b.byTable).toEqual([{ table: "log", usd: b.totalUsd }]);
    expect(b.byFunction.map((f) => f.fn)).toEqual(["sequencer", "materializer"]);
    // $127,380.9375 / 65,745 million events
    expect(b.usdPerMillionEvents).toBeCloseTo(127_380.9375 / 65_745, 12);
    expect(b.usdPerMillionEvents).toBeCloseTo(3 * 0.625 + 0.5 * 0.125, 12);
    expect(b.fixedUsd).toBe(0);
  });

  it("reports usage per event per unit and per table", () => {
    const p = billProduct({ ...logTable, usage: [...logTable.usage, { unit: "dynamodb.writeUnits", fn: "audit", resource: "audit", quantity: 1000 }] });
    expect(p.unitsPerEvent).toEqual({ "dynamodb.writeUnits": 4, "dynamodb.readUnits": 0.5 });
    expect(p.dynamodbPerEvent).toEqual({ log: { writeUnits: 3, readUnits: 0.5 }, audit: { writeUnits: 1, readUnits: 0 } });
    expect(p.priceTableDate).toBe("2026-12-06");
    expect(p.peak).toBeUndefined();
  });
});

describe("billAtRate: provisioned DynamoDB", () => {
  it("bills ceil(units/s / target utilization) capacity units every hour of the month", () => {
    const b = billAtRate({ ...logTable, capacity: { log: { mode: "provisioned", targetUtilization: 0.7 } } }, 25_000);
    // writes 75,000/s / 0.7 -> 107,143 WCU x 730.5 h x $0.00065; reads 12,500/s / 0.7 -> 17,858 RCU x 730.5 h x $0.00013
    expect(b.provisioned).toEqual([
      { table: "log", targetUtilization: 0.7, writeUnitsPerSecond: 75_000, readUnitsPerSecond: 12_500, writeCapacityUnits: 107_143, readCapacityUnits: 17_858 },
    ]);
    expect(b.lines.map((l) => [l.label, l.billedUnit])).toEqual([
      ["DynamoDB write capacity, sequencer, log table", "WCU-hours"],
      ["DynamoDB read capacity, materializer, log table", "RCU-hours"],
    ]);
    expect(b.lines[0]!.usd).toBeCloseTo(50_874.174975, 6);
    expect(b.lines[1]!.usd).toBeCloseTo(1_695.88497, 6);
    expect(b.totalUsd).toBeCloseTo(52_570.059945, 6);
    expect(b.totalUsd).toBeLessThan(billAtRate(logTable, 25_000).totalUsd);
  });

  it("does not round float noise up to an extra capacity unit, and shares capacity by volume", () => {
    const input = monthly(
      [
        { unit: "dynamodb.writeUnits", fn: "a", resource: "t", quantity: 49 * SECONDS_PER_MONTH },
        { unit: "dynamodb.writeUnits", fn: "b", resource: "t", quantity: 21 * SECONDS_PER_MONTH },
      ],
      { capacity: { t: { mode: "provisioned", targetUtilization: 0.7 } } },
    );
    const b = billAtRate(input, 1);
    expect(b.provisioned[0]!.writeCapacityUnits).toBe(100); // 70 / 0.7
    expect(b.lines[0]!.usd / b.lines[1]!.usd).toBeCloseTo(49 / 21, 12);
    expect(b.totalUsd).toBeCloseTo(100 * 730.5 * 0.00065, 9);
  });

  it("sizes the peak report for the peak rate", () => {
    const p = billProduct({ ...logTable, rates: { average: 25_000, peak: 50_000 }, capacity: { log: { mode: "provisioned", targetUtilization: 0.7 } } });
    expect(p.peak!.provisioned[0]!.writeCapacityUnits).toBe(214_286); // 150,000 / 0.7
    expect(p.peak!.rate).toBe("peak");
  });
});

describe("billAtRate: the Standard-IA table class", () => {
  it("bills the class's requests at 1.25x, on demand and provisioned, and only for the tables of that class", () => {
    const ia = { tableClass: { log: "standard-ia" as const } };
    expect(billAtRate({ ...logTable, ...ia }, 25_000).totalUsd).toBeCloseTo(127_380.9375 * 1.25, 6);
    const provisioned = { capacity: { log: { mode: "provisioned" as const, targetUtilization: 0.7 } } };
    const b = billAtRate({ ...logTable, ...provisioned, ...ia }, 25_000);
    expect(b.lines.map((l) => l.billedUnit)).toEqual(["WCU-hours (Standard-IA)", "RCU-hours (Standard-IA)"]);
    expect(b.totalUsd).toBeCloseTo(107_143 * 730.5 * 0.0008125 + 17_858 * 730.5 * 0.0001625, 6);
    expect(billAtRate({ ...logTable, tableClass: { audit: "standard-ia" } }, 25_000).totalUsd).toBeCloseTo(127_380.9375, 6);
  });

  it("stores a Standard-IA table's bytes at $0.10 a GB-month against $0.25, and refuses an unknown class", () => {
    const stored = (store: "dynamodb" | "dynamodb-ia") =>
      billAtRate({ ...logTable, usage: [], storage: { items: [{ name: "log", store, bytesPerEvent: 900, retentionDays: 30 }] } }, 1000).totalUsd;
    expect(stored("dynamodb-ia") / stored("dynamodb")).toBeCloseTo(0.4, 12);
    expect(() => billAtRate({ ...logTable, tableClass: { log: "glacier" as never } }, 1000)).toThrow(/unknown table class for table log: glacier/);
  });
});

describe("billAtRate: tiers, chunks, GB-seconds", () => {
  it("crosses the 300M HTTP API tier on the month's total and spreads it by volume", () => {
    const b = billAtRate(monthly([
      { unit: "apigw.httpRequests", fn: "ingest", quantity: 300e6 },
      { unit: "apigw.httpRequests", fn: "query", quantity: 100e6 },
    ]), 1);
    expect(b.totalUsd).toBeCloseTo(300 + 90, 9);
    expect(b.lines.find((l) => l.fn === "ingest")!.usd).toBeCloseTo(390 * 0.75, 9);
    expect(b.lines.find((l) => l.fn === "query")!.usd).toBeCloseTo(390 * 0.25, 9);
  });

  it("bills a 70 KB PutEvents entry as 2 EventBridge events (64 KB chunks) through the meter", () => {
    const meter = new UsageMeter();
    for (let i = 0; i < 1000; i++) meter.add("eventbridge.events", billingUnits(70 * 1024, 64 * 1024), "ingest");
    // 1,000 product events at a rate of 1M events a month: 2M billed events x $1.00/M
    const b = billAtRate({ product: "p", usage: meter.snapshot(), events: 1000, rates: { average: 1e6 / SECONDS_PER_MONTH }, memoryMB: {} }, 1e6 / SECONDS_PER_MONTH);
    expect(b.lines[0]!.quantity).toBeCloseTo(2e6, 3);
    expect(b.totalUsd).toBeCloseTo(2, 9);
  });

  it("turns billed ms x memory into GB-seconds, per architecture", () => {
    // 150 ms per event at 512 MB, 1,000 events/s: 197,235,000 GB-s a month
    const input: BillInput = {
      product: "p",
      usage: [{ unit: "lambda.ms", fn: "ingest", quantity: 150_000 }, { unit: "lambda.invocations", fn: "ingest", quantity: 1000 }],
      events: 1000,
      rates: { average: 1000 },
      memoryMB: { ingest: 512 },
    };
    const x86 = billAtRate(input, 1000);
    const compute = x86.lines.find((l) => l.item === "compute")!;
    expect(compute).toMatchObject({ service: "Lambda", billedUnit: "GB-seconds (x86_64)", label: "Lambda compute, ingest" });
    expect(compute.billedQuantity).toBeCloseTo(197_235_000, 3);
    expect(compute.usd).toBeCloseTo(197_235_000 * 0.0000166667, 6);
    expect(x86.lines.find((l) => l.item === "requests")!.usd).toBeCloseTo(2_629_800_000 * 0.2e-6, 9);
    const arm = billAtRate({ ...input, architecture: { ingest: "arm64" } }, 1000);
    expect(arm.lines.find((l) => l.item === "compute")!.usd).toBeCloseTo(197_235_000 * 0.0000133334, 6);
  });

  it("prices log bytes as GB ingested", () => {
    const b = billAtRate(monthly([{ unit: "logs.bytes", fn: "ingest", quantity: 3 * 2 ** 30 }]), 1);
    expect(b.lines[0]).toMatchObject({ service: "CloudWatch Logs", item: "ingestion", billedQuantity: 3 });
    expect(b.totalUsd).toBeCloseTo(1.5, 12);
  });

  it("prices S3 requests per tier on their bucket: PUT $0.005 and GET $0.0004 a thousand", () => {
    const b = billAtRate(
      monthly([
        { unit: "s3.putRequests", fn: "logCompactor", resource: "segments", quantity: 2_000_000 },
        { unit: "s3.getRequests", fn: "rooms", resource: "segments", quantity: 5_000_000 },
      ]),
      1,
    );
    expect(b.lines.map((l) => [l.label, l.service, l.item])).toEqual([
      ["S3 PUT requests, logCompactor, segments bucket", "S3", "PUT requests"],
      ["S3 GET requests, rooms, segments bucket", "S3", "GET requests"],
    ]);
    expect(b.totalUsd).toBeCloseTo(2_000 * 0.005 + 5_000 * 0.0004, 9);
  });
});

describe("billAtRate: fixed monthly usage, top lines, budget", () => {
  const schedules = scheduleUsagePerMonth(
    ["timers", "searchTimers", "notifyTimers", "notifyFanout", "tokenExpiry"].map((fn) => ({ fn, everySeconds: 60, billedMsPerInvocation: 55_000 })),
  );
  const memoryMB = { timers: 256, searchTimers: 256, notifyTimers: 1024, notifyFanout: 512, tokenExpiry: 256 };
  // per schedule a month: 43,830 invocations; 43,830 x 55 s = 2,410,650 s
  const fixedUsd = 5 * 43_830 * 1e-6 + 5 * 43_830 * 0.2e-6 + 2_410_650 * ((256 * 3 + 1024 + 512) / 1024) * 0.0000166667;

  it("adds the schedules' usage as is, whatever the rate, and keeps it out of the per-event cost", () => {
    for (const rate of [10, 25_000]) {
      const b = billAtRate({ ...logTable, fixedMonthly: schedules, memoryMB }, rate);
      expect(b.fixedUsd).toBeCloseTo(fixedUsd, 6);
      expect(b.usdPerMillionEvents).toBeCloseTo(3 * 0.625 + 0.5 * 0.125, 9);
      expect(b.allInUsdPerMillionEvents).toBeCloseTo(b.usdPerMillionEvents + (fixedUsd / b.eventsPerMonth) * 1e6, 9);
      expect(b.byService.find((s) => s.service === "EventBridge Scheduler")!.usd).toBeCloseTo(5 * 43_830 * 1e-6, 12);
    }
  });

  it("lists the three biggest lines, most expensive first", () => {
    const b = billAtRate({ ...logTable, fixedMonthly: schedules, memoryMB }, 25_000);
    expect(b.top.map((l) => l.label)).toEqual([
      "DynamoDB writes, sequencer, log table",
      "DynamoDB reads, materializer, log table",
      "Lambda compute, notifyTimers",
    ]);
    expect(b.top[0]!.usd).toBeGreaterThan(b.top[1]!.usd);
  });

  it("reports negative headroom when over budget", () => {
    const over = billAtRate({ ...logTable, budgetUsd: 100_000 }, 25_000);
    expect(over.headroom!.usd).toBeCloseTo(100_000 - 127_380.9375, 6);
    expect(over.headroom!.percent).toBeCloseTo(-27.3809375, 9);
    const under = billAtRate({ ...logTable, budgetUsd: 200_000 }, 25_000);
    expect(under.headroom!.usd).toBeCloseTo(72_619.0625, 6);
    expect(billAtRate(logTable, 25_000).headroom).toBeUndefined();
  });

  it("takes the headroom without the services the budget excludes, and says what they add", () => {
    // 1,000 events send 200 emails: 13,149,000,000 emails a month at 25,000 events/s, at $0.10 per 1,000 = $1,314,900.
    const withEmail: BillInput = { ...logTable, usage: [...logTable.usage, { unit: "ses.emails", fn: "notifyTimers", quantity: 200 }] };
    const all = billAtRate({ ...withEmail, budgetUsd: 200_000 }, 25_000);
    expect(all.totalUsd).toBeCloseTo(127_380.9375 + 1_314_900, 6);
    expect(all.headroom!.usd).toBeCloseTo(200_000 - 1_442_280.9375, 6);
    expect(all.headroom!.excludes).toBeUndefined();
    const pipeline = billAtRate({ ...withEmail, budgetUsd: 200_000, budgetExcludes: ["SES", "SNS"] }, 25_000);
    expect(pipeline.totalUsd).toBeCloseTo(all.totalUsd, 6);
    expect(pipeline.headroom!.usd).toBeCloseTo(72_619.0625, 6);
    expect(pipeline.headroom!.excludes).toEqual({ services: ["SES", "SNS"], usd: expect.closeTo(1_314_900, 6) });
  });
});

describe("bad inputs throw clear errors", () => {
  it.each<[string, Partial<BillInput>, RegExp]>([
    ["zero events", { events: 0 }, /events must be a positive number, got 0/],
    ["negative events", { events: -5 }, /events must be a positive number/],
    ["negative rate", { rates: { average: -1 } }, /average rate must be a positive number of events\/s, got -1/],
    ["peak below average", { rates: { average: 10, peak: 5 } }, /peak rate 5 is below the average 10/],
    ["Lambda time of a function without memory", { usage: [{ unit: "lambda.ms", fn: "ghost", quantity: 5 }] }, /no memory size for function "ghost"/],
    ["unknown unit", { usage: [{ unit: "dynamodb.deletes" as never, fn: "a", quantity: 1 }] }, /unknown unit dynamodb.deletes/],
    ["negative quantity", { usage: [{ unit: "sqs.requests", fn: "a", quantity: -1 }] }, /bad quantity -1/],
    ["bad fixed usage", { fixedMonthly: [{ unit: "lambda.ms", fn: "timers", quantity: 1 }] }, /fixed monthly usage: no memory size for function "timers"/],
    ["bad memory", { memoryMB: { a: 0 } }, /bad memory 0 MB for function "a"/],
    ["bad utilization", { capacity: { log: { mode: "provisioned", targetUtilization: 1.5 } } }, /target utilization must be in \(0, 1\], got 1.5/],
    ["bad budget", { budgetUsd: 0 }, /budget must be a positive number/],
    ["budget exclusions without a budget", { budgetExcludes: ["SES"] }, /budgetExcludes needs a budget/],
    ["a service excluded twice", { budgetUsd: 1, budgetExcludes: ["SES", "SES"] }, /budgetExcludes lists a service twice: SES, SES/],
  ])("%s", (_, patch, message) => {
    expect(() => billProduct({ ...logTable, ...patch })).toThrow(message);
  });

  it("refuses a bad rate passed to billAtRate directly", () => {
    expect(() => billAtRate(logTable, 0)).toThrow(/rate must be a positive number/);
    expect(() => billAtRate(logTable, Number.NaN)).toThrow(/rate must be a positive number/);
  });
});
