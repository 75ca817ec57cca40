import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { billAtRate, billProduct } from "../../src/cost/bill.js";
import type { BillInput, KinesisStreamBilling, RateBill } from "../../src/cost/bill-types.js";
import { SECONDS_PER_MONTH } from "../../src/cost/prices.js";
import type { UsageLine, UsageUnit } from "../../src/cost/usage.js";

/*
 * Kinesis Data Streams in the bill (BillInput.streams, cost/kinesis-bill.ts). us-east-1:
 * provisioned $0.015 per shard-hour, $0.014 per million PUT payload units, enhanced fan-out
 * $0.015 per consumer-shard-hour and $0.013 per GB retrieved; on-demand $0.04 per stream-hour,
 * $0.08 per GB ingested, $0.04 per GB retrieved. A month is 730.5 hours (2,629,800 s); a GB is
 * 2^30 bytes, so 1 MiB/s for a month is 2,629,800 MiB = 2,568.1640625 GB.
 */

const MiB = 2 ** 20;

/** With events = SECONDS_PER_MONTH and 1 event/s, usage quantities are the month's quantities. */
const input = (usage: UsageLine[], streams: Record<string, KinesisStreamBilling>, extra: Partial<BillInput> = {}): BillInput => ({
  product: "p",
  usage,
  events: SECONDS_PER_MONTH,
  rates: { average: 1 },
  memoryMB: {},
  streams,
  ...extra,
});

/** `fn` putting `recordsPerSecond` records of `bytesPerRecord` bytes (Data + PartitionKey) to `stream` every second of the month. */
function puts(fn: string, recordsPerSecond: number, bytesPerRecord: number, stream = "committed"): UsageLine[] {
  const records = recordsPerSecond * SECONDS_PER_MONTH;
  return [
    { unit: "kinesis.putUnits", fn, resource: stream, quantity: records * Math.max(1, Math.ceil(bytesPerRecord / (25 * 1024))) },
    { unit: "kinesis.bytes", fn, resource: stream, quantity: records * bytesPerRecord },
    { unit: "kinesis.records", fn, resource: stream, quantity: records },
  ];
}

const provisioned = (extra: Partial<KinesisStreamBilling> = {}): KinesisStreamBilling => ({ mode: "provisioned", efoConsumers: 0, ...extra });
const usdOf = (b: RateBill, label: string) => b.lines.find((l) => l.label === label)!.usd;
const labels = (b: RateBill) => b.lines.map((l) => [l.label, l.billedQuantity, l.billedUnit]);

describe("billAtRate: Kinesis streams (provisioned)", () => {
  it("sizes shards for the bytes put: 1 MiB/s a shard", () => {
    // 500 records/s of 5,242.88 bytes = 2.5 MiB/s: 3 shards (records need 1)
    const b = billAtRate(input(puts("rooms", 500, 2.5 * MiB / 500), { committed: provisioned() }), 1);
    expect(b.streams).toEqual([
      { stream: "committed", mode: "provisioned", bytesPerSecond: 2.5 * MiB, recordsPerSecond: 500, shards: 3, shardsBoundBy: "bytes", efoConsumers: 0, standardConsumers: 0 },
    ]);
    // 3 x 730.5 = 2,191.5 shard-hours x $0.015 = $32.8725; 500 x 2,629,800 = 1,314,900,000 units x $0.014 / M = $18.4086
    expect(labels(b)).toEqual([
      ["Kinesis shard hours, -, committed stream", 2191.5, "shard-hours (provisioned)"],
      ["Kinesis PUT payload units, rooms, committed stream", 1_314_900_000, "PUT payload units (25 KB, provisioned)"],
    ]);
    expect(usdOf(b, "Kinesis shard hours, -, committed stream")).toBeCloseTo(32.8725, 9);
    expect(usdOf(b, "Kinesis PUT payload units, rooms, committed stream")).toBeCloseTo(18.4086, 9);
    expect(b.totalUsd).toBeCloseTo(51.2811, 9);
    expect(b.byService).toEqual([{ service: "Kinesis", usd: b.totalUsd }]);
    expect(b.byFunction).toEqual([{ fn: "-", usd: expect.closeTo(32.8725, 9) }, { fn: "rooms", usd: expect.closeTo(18.4086, 9) }]);
    expect(b.lines.every((l) => l.service === "Kinesis" && l.resource === "committed")).toBe(true);
    // The shard-hours line carries the stream's bytes; the PUT line its function's units.
    expect(b.lines[0]).toMatchObject({ unit: "kinesis.bytes", quantity: 2.5 * MiB * SECONDS_PER_MONTH, fixedQuantity: 0 });
  });

  it("sizes shards for the records put (1,000/s a shard, exactly 2,000 is 2 shards), then for minShards", () => {
    // 2,000 records/s of 100 bytes: 0.19 MiB/s needs 1 shard, the records 2
    const byRecords = billAtRate(input(puts("rooms", 2000, 100), { committed: provisioned() }), 1);
    expect(byRecords.streams[0]).toMatchObject({ shards: 2, shardsBoundBy: "records", recordsPerSecond: 2000 });
    // 2 x 730.5 = 1,461 shard-hours = $21.915; 5,259,600,000 units = $73.6344
    expect(usdOf(byRecords, "Kinesis shard hours, -, committed stream")).toBeCloseTo(21.915, 9);
    expect(usdOf(byRecords, "Kinesis PUT payload units, rooms, committed stream")).toBeCloseTo(73.6344, 9);

    const byMin = billAtRate(input(puts("rooms", 2000, 100), { committed: provisioned({ minShards: 4 }) }), 1);
    expect(byMin.streams[0]).toMatchObject({ shards: 4, shardsBoundBy: "minShards" });
    // 4 x 730.5 = 2,922 shard-hours = $43.83
    expect(usdOf(byMin, "Kinesis shard hours, -, committed stream")).toBeCloseTo(43.83, 9);

    // A listed stream nothing was put to still runs its shards (1 by default): $10.9575, none of it the events'.
    const idle = billAtRate(input([], { committed: provisioned() }), 1);
    expect(idle.streams[0]).toMatchObject({ shards: 1, shardsBoundBy: "minShards", bytesPerSecond: 0 });
    expect(labels(idle)).toEqual([["Kinesis shard hours, -, committed stream", 730.5, "shard-hours (provisioned)"]]);
    expect(idle.totalUsd).toBeCloseTo(10.9575, 9);
  });

  it("counts a 30 KB record as 2 PUT payload units", () => {
    const b = billAtRate(input(puts("rooms", 10, 30 * 1024), { committed: provisioned() }), 1);
    // 10 records/s x 2 units x 2,629,800 s = 52,596,000 units x $0.014 / M = $0.736344
    expect(b.lines.find((l) => l.unit === "kinesis.putUnits")).toMatchObject({ billedQuantity: 52_596_000, usd: expect.closeTo(0.736344, 9) });
  });

  it("bills enhanced fan-out per consumer: consumer-shard-hours and GB retrieved, the GB by the putting function", () => {
    // rooms puts 75 records/s of 10,485.76 bytes (0.75 MiB/s), sweeper 25/s (0.25 MiB/s): 1 MiB/s, exactly 1 shard.
    const usage = [...puts("rooms", 75, (0.75 * MiB) / 75), ...puts("sweeper", 25, (0.25 * MiB) / 25)];
    const b = billAtRate(input(usage, { committed: provisioned({ efoConsumers: 2 }) }), 1);
    expect(b.streams[0]).toMatchObject({ shards: 1, shardsBoundBy: "bytes", bytesPerSecond: MiB, recordsPerSecond: 100, efoConsumers: 2 });
    // 2 consumers x 1 shard x 730.5 h = 1,461 consumer-shard-hours x $0.015 = $21.915.
    // 2,568.1640625 GB put x 2 consumers = 5,136.328125 GB x $0.013 = $66.772265625: rooms 3/4, sweeper 1/4.
    expect(labels(b)).toEqual([
      ["Kinesis enhanced fan-out retrievals, rooms, committed stream", 3852.24609375, "GB retrieved by enhanced fan-out"],
      ["Kinesis enhanced fan-out consumer-shard hours, -, committed stream", 1461, "enhanced fan-out consumer-shard-hours"],
      ["Kinesis enhanced fan-out retrievals, sweeper, committed stream", 1284.08203125, "GB retrieved by enhanced fan-out"],
      ["Kinesis shard hours, -, committed stream", 730.5, "shard-hours (provisioned)"],
      ["Kinesis PUT payload units, rooms, committed stream", 197_235_000, "PUT payload units (25 KB, provisioned)"],
      ["Kinesis PUT payload units, sweeper, committed stream", 65_745_000, "PUT payload units (25 KB, provisioned)"],
    ]);
    expect(usdOf(b, "Kinesis enhanced fan-out retrievals, rooms, committed stream")).toBeCloseTo(50.07919921875, 9);
    expect(usdOf(b, "Kinesis enhanced fan-out retrievals, sweeper, committed stream")).toBeCloseTo(16.69306640625, 9);
    expect(usdOf(b, "Kinesis enhanced fan-out consumer-shard hours, -, committed stream")).toBeCloseTo(21.915, 9);
    expect(usdOf(b, "Kinesis shard hours, -, committed stream")).toBeCloseTo(10.9575, 9);
    // 197,235,000 units = $2.76129; 65,745,000 units = $0.92043
    expect(usdOf(b, "Kinesis PUT payload units, rooms, committed stream")).toBeCloseTo(2.76129, 9);
    expect(usdOf(b, "Kinesis PUT payload units, sweeper, committed stream")).toBeCloseTo(0.92043, 9);
    expect(b.totalUsd).toBeCloseTo(103.326485625, 9);
    expect(b.byFunction).toEqual([
      { fn: "rooms", usd: expect.closeTo(52.84048921875, 9) },
      { fn: "-", usd: expect.closeTo(32.8725, 9) },
      { fn: "sweeper", usd: expect.closeTo(17.61349640625, 9) },
    ]);
  });

  it("sizes for standard consumers' reads (2 MiB/s a shard, shared), which EFO consumers never do", () => {
    // 1.5 MiB/s in needs 2 shards; 3 standard consumers read 4.5 MiB/s: 3 shards.
    const reads = billAtRate(input(puts("rooms", 150, (1.5 * MiB) / 150), { committed: provisioned({ standardConsumers: 3 }) }), 1);
    expect(reads.streams[0]).toMatchObject({ shards: 3, shardsBoundBy: "reads", standardConsumers: 3 });
    expect(reads.lines.some((l) => l.item.includes("retrievals"))).toBe(false); // standard reads are in the shard-hours
    const efo = billAtRate(input(puts("rooms", 150, (1.5 * MiB) / 150), { committed: provisioned({ efoConsumers: 20 }) }), 1);
    expect(efo.streams[0]).toMatchObject({ shards: 2, shardsBoundBy: "bytes" });
  });

  it("sizes and bills each rate on its own: peak against average", () => {
    // 0.5 MiB/s at 1 event/s (1 shard); at the peak of 4 events/s, 2 MiB/s (2 shards). One EFO consumer.
    const bill = billProduct(input(puts("rooms", 50, (0.5 * MiB) / 50), { committed: provisioned({ efoConsumers: 1 }) }, { rates: { average: 1, peak: 4 } }));
    expect(bill.average.streams[0]).toMatchObject({ shards: 1, bytesPerSecond: 0.5 * MiB, recordsPerSecond: 50 });
    expect(bill.peak!.streams[0]).toMatchObject({ shards: 2, bytesPerSecond: 2 * MiB, recordsPerSecond: 200 });
    const efoHours = "Kinesis enhanced fan-out consumer-shard hours, -, committed stream";
    const retrieved = "Kinesis enhanced fan-out retrievals, rooms, committed stream";
    // average: 730.5 consumer-shard-hours = $10.9575; 1,284.08203125 GB = $16.69306640625
    expect(usdOf(bill.average, efoHours)).toBeCloseTo(10.9575, 9);
    expect(usdOf(bill.average, retrieved)).toBeCloseTo(16.69306640625, 9);
    // peak: 1,461 consumer-shard-hours = $21.915; 5,136.328125 GB = $66.772265625
    expect(usdOf(bill.peak!, efoHours)).toBeCloseTo(21.915, 9);
    expect(usdOf(bill.peak!, retrieved)).toBeCloseTo(66.772265625, 9);
    // average total: shards $10.9575 + PUT 131,490,000 units $1.84086 + $10.9575 + $16.69306640625
    expect(bill.average.totalUsd).toBeCloseTo(40.44892640625, 9);
    // peak total: shards $21.915 + PUT 525,960,000 units $7.36344 + $21.915 + $66.772265625
    expect(bill.peak!.totalUsd).toBeCloseTo(117.965705625, 9);
    expect(bill.unitsPerEvent["kinesis.records"]).toBe(50);
  });

  it("takes fixed monthly puts into the sizing and the fixed share", () => {
    // Nothing per event; 1 MiB/s every second of the month from a schedule: 1 shard, all of it fixed.
    const b = billAtRate(input([], { committed: provisioned() }, { fixedMonthly: puts("sweeper", 1, MiB) }), 1);
    expect(b.streams[0]).toMatchObject({ shards: 1, bytesPerSecond: MiB });
    expect(b.fixedUsd).toBeCloseTo(b.totalUsd, 9);
    expect(b.lines.find((l) => l.item === "shard hours")).toMatchObject({ quantity: MiB * SECONDS_PER_MONTH, fixedQuantity: MiB * SECONDS_PER_MONTH });
  });
});

describe("billAtRate: Kinesis streams (on-demand)", () => {
  it("bills stream-hours, GB ingested and GB retrieved by every consumer", () => {
    const b = billAtRate(input(puts("rooms", 100, MiB / 100), { committed: { mode: "on-demand", efoConsumers: 1, standardConsumers: 1 } }), 1);
    expect(b.streams).toEqual([{ stream: "committed", mode: "on-demand", bytesPerSecond: MiB, recordsPerSecond: 100, efoConsumers: 1, standardConsumers: 1 }]);
    // 730.5 stream-hours x $0.04 = $29.22; 2,568.1640625 GB x $0.08 = $205.453125; x 2 consumers x $0.04 = $205.453125
    expect(labels(b)).toEqual([
      ["Kinesis ingestion, rooms, committed stream", 2568.1640625, "GB ingested (on-demand)"],
      ["Kinesis retrievals, rooms, committed stream", 5136.328125, "GB retrieved (on-demand)"],
      ["Kinesis stream hours, -, committed stream", 730.5, "stream-hours (on-demand)"],
    ]);
    expect(usdOf(b, "Kinesis ingestion, rooms, committed stream")).toBeCloseTo(205.453125, 9);
    expect(usdOf(b, "Kinesis retrievals, rooms, committed stream")).toBeCloseTo(205.453125, 9);
    expect(usdOf(b, "Kinesis stream hours, -, committed stream")).toBeCloseTo(29.22, 9);
    expect(b.totalUsd).toBeCloseTo(440.12625, 9);
    // No shards, no PUT payload units, no consumer-shard-hours.
    expect(b.lines.some((l) => l.unit === "kinesis.putUnits" || l.item.includes("shard"))).toBe(false);
  });
});

describe("billAtRate: Kinesis input checks", () => {
  it("throws on a kinesis.* line whose stream is not in streams", () => {
    const usage = puts("rooms", 1, 100, "other");
    expect(() => billAtRate(input(usage, { committed: provisioned() }), 1)).toThrow(
      'bill p: usage: kinesis.putUnits of function "rooms" on stream "other", which has no entry in streams (needed to size its shards and consumers)',
    );
    expect(() => billAtRate({ ...input(usage, {}), streams: undefined }, 1)).toThrow(/on stream "other", which has no entry in streams/);
    expect(() => billAtRate(input([{ unit: "kinesis.bytes", fn: "rooms", quantity: 1 }], { committed: provisioned() }), 1)).toThrow(
      /kinesis\.bytes of function "rooms" without a stream \(resource\), which has no entry in streams/,
    );
    expect(() => billAtRate(input([], { committed: provisioned() }, { fixedMonthly: usage }), 1)).toThrow(/fixed monthly usage: kinesis\.putUnits of function "rooms" on stream "other"/);
  });

  it("throws on a bad stream", () => {
    const bad = (s: unknown) => () => billAtRate(input([], { committed: s as KinesisStreamBilling }), 1);
    expect(bad({ mode: "reserved", efoConsumers: 0 })).toThrow('bill p: stream "committed": unknown mode reserved');
    expect(bad(provisioned({ minShards: 0 }))).toThrow(/minShards must be an integer >= 1, got 0/);
    expect(bad(provisioned({ efoConsumers: 1.5 }))).toThrow(/efoConsumers must be an integer >= 0, got 1.5/);
    expect(bad({ mode: "provisioned" })).toThrow(/efoConsumers must be an integer >= 0, got undefined/);
    expect(bad(provisioned({ standardConsumers: -1 }))).toThrow(/standardConsumers must be an integer >= 0, got -1/);
    expect(bad(null)).toThrow(/expected an object/);
  });
});

describe("billAtRate: Kinesis properties", () => {
  const stream: fc.Arbitrary<KinesisStreamBilling> = fc.record(
    {
      mode: fc.constantFrom("provisioned" as const, "on-demand" as const),
      minShards: fc.integer({ min: 1, max: 8 }),
      efoConsumers: fc.integer({ min: 0, max: 20 }),
      standardConsumers: fc.integer({ min: 0, max: 5 }),
    },
    { requiredKeys: ["mode", "efoConsumers"] },
  );
  const line = fc.record({
    unit: fc.constantFrom<UsageUnit>("kinesis.putUnits", "kinesis.bytes", "kinesis.records"),
    fn: fc.constantFrom("rooms", "sweeper"),
    resource: fc.constantFrom("a", "b"),
    // No subnormal quantities: usd x fixed / quantity loses its precision on them (bill.ts's fixedUsd).
    quantity: fc.oneof(fc.constant(0), fc.double({ min: 1e-6, max: 1e13, noNaN: true })),
  });
  const close = (a: number, b: number) => expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(a), Math.abs(b)));
  const total = (xs: Array<{ usd: number }>) => xs.reduce((s, x) => s + x.usd, 0);

  it("total == sum of lines == by service == by function, and shards meet every bound", () => {
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 10 }), fc.array(line, { maxLength: 3 }), fc.double({ min: 1e-3, max: 1e4, noNaN: true }), stream, stream, (usage, fixedMonthly, rate, a, b) => {
        const bill = billAtRate({ product: "p", usage, fixedMonthly, events: 1e6, rates: { average: rate }, memoryMB: {}, streams: { a, b } }, rate);
        close(total(bill.lines), bill.totalUsd);
        close(total(bill.byService), bill.totalUsd);
        close(total(bill.byFunction), bill.totalUsd);
        expect(bill.fixedUsd).toBeLessThanOrEqual(bill.totalUsd * (1 + 1e-9));
        expect(bill.lines.every((l) => l.service === "Kinesis" && (l.resource === "a" || l.resource === "b") && l.usd >= 0)).toBe(true);
        expect(bill.streams.map((s) => s.stream)).toEqual(["a", "b"]);
        for (const s of bill.streams) {
          const config = s.stream === "a" ? a : b;
          if (s.mode === "on-demand") {
            expect(s.shards).toBeUndefined();
            continue;
          }
          const shards = s.shards!;
          expect(Number.isInteger(shards) && shards >= (config.minShards ?? 1)).toBe(true);
          expect(shards * MiB * (1 + 1e-9)).toBeGreaterThanOrEqual(s.bytesPerSecond);
          expect(shards * 1000 * (1 + 1e-9)).toBeGreaterThanOrEqual(s.recordsPerSecond);
          expect(shards * 2 * MiB * (1 + 1e-9)).toBeGreaterThanOrEqual(s.bytesPerSecond * s.standardConsumers);
        }
      }),
      { numRuns: 200 },
    );
  });
});
