import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { billAtRate } from "../../src/cost/bill.js";
import type { BillInput, ContainerService } from "../../src/cost/bill-types.js";
import { PRICES, type Price, type PriceTable } from "../../src/cost/prices.js";
import { USAGE_UNITS, type UsageLine, type UsageUnit } from "../../src/cost/usage.js";

const UNITS = Object.keys(USAGE_UNITS) as UsageUnit[];
/**
 * Units priced per unit: container units size tasks and load balancers (whole tasks, a minimum),
 * and Kinesis units size a stream's shards (and need the stream's billing: kinesis-bill.test.ts),
 * neither linear in the rate.
 */
const METERED_UNITS = UNITS.filter((u) => !u.startsWith("fargate.") && !u.startsWith("nlb.") && !u.startsWith("kinesis."));
const FNS = ["ingest", "sequencer", "fanout", "-"];
const TABLES = ["log", "state", "inbox"];
const memoryMB = { ingest: 1024, sequencer: 512, fanout: 256, "-": 128 };

/** The price table with every tier flattened to its first tier's price: volume discounts are deliberately not linear. */
const FLAT: PriceTable = Object.fromEntries(
  Object.entries(PRICES).map(([service, entries]) => [
    service,
    Object.fromEntries(Object.entries(entries as Record<string, Price>).map(([k, p]) => [k, { ...p, tiers: undefined }])),
  ]),
) as unknown as PriceTable;

const usageLineOf = (units: readonly UsageUnit[]) => fc.record({
  unit: fc.constantFrom(...units),
  fn: fc.constantFrom(...FNS),
  table: fc.constantFrom(...TABLES),
  quantity: fc.double({ min: 0, max: 1e6, noNaN: true }),
}).map(({ unit, fn, table, quantity }): UsageLine => (unit.startsWith("dynamodb.") ? { unit, fn, resource: table, quantity } : { unit, fn, quantity }));
const usageLine = usageLineOf(METERED_UNITS);
const anyUsageLine = usageLineOf(UNITS.filter((u) => !u.startsWith("kinesis.")));

/** A container service for every function, so that any function's container usage is billed. */
const containerService: fc.Arbitrary<ContainerService> = fc.record({
  vcpu: fc.constantFrom(0.25, 1, 4),
  memoryGb: fc.constantFrom(0.5, 2, 8),
  architecture: fc.constantFrom("arm64" as const, "x86_64" as const),
  targetUtilization: fc.double({ min: 0.1, max: 1, noNaN: true }),
  minTasks: fc.integer({ min: 1, max: 4 }),
  maxConnectionsPerTask: fc.double({ min: 1, max: 1e5, noNaN: true }),
  activeConnections: fc.record({ average: fc.double({ min: 0, max: 1e6, noNaN: true }) }),
});

const close = (a: number, b: number) => expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(a), Math.abs(b)));
const total = (xs: Array<{ usd: number }>) => xs.reduce((s, x) => s + x.usd, 0);

describe("bill properties", () => {
  it("is linear in the rate for on-demand usage (flat prices)", () => {
    fc.assert(
      fc.property(
        fc.array(usageLine, { minLength: 1, maxLength: 12 }),
        fc.double({ min: 1, max: 1e6, noNaN: true }),
        fc.double({ min: 1e-3, max: 1e4, noNaN: true }),
        fc.double({ min: 1, max: 100, noNaN: true }),
        (usage, events, rate, k) => {
          const input: BillInput = { product: "p", usage, events, rates: { average: rate }, memoryMB, prices: FLAT };
          const one = billAtRate(input, rate);
          const scaled = billAtRate(input, rate * k);
          close(scaled.totalUsd, one.totalUsd * k);
          close(scaled.usdPerMillionEvents, one.usdPerMillionEvents);
          for (const l of one.lines) close(scaled.lines.find((s) => s.label === l.label)!.usd, l.usd * k);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("total == sum of lines == sum by service == sum by function, with tiers, provisioned tables and fixed usage", () => {
    fc.assert(
      fc.property(
        fc.array(anyUsageLine, { minLength: 1, maxLength: 12 }),
        fc.array(anyUsageLine, { maxLength: 4 }),
        fc.double({ min: 1, max: 1e6, noNaN: true }),
        fc.double({ min: 1e-3, max: 1e5, noNaN: true }),
        fc.subarray(TABLES),
        fc.double({ min: 0.1, max: 1, noNaN: true }),
        fc.tuple(...FNS.map(() => containerService)),
        (usage, fixedMonthly, events, rate, provisioned, targetUtilization, services) => {
          const capacity = Object.fromEntries(provisioned.map((t) => [t, { mode: "provisioned" as const, targetUtilization }]));
          const containers = Object.fromEntries(FNS.map((fn, i) => [fn, services[i]!]));
          const b = billAtRate({ product: "p", usage, fixedMonthly, events, rates: { average: rate }, memoryMB, capacity, containers, budgetUsd: 1000 }, rate);
          close(b.totalUsd, total(b.lines));
          close(b.totalUsd, total(b.byService));
          close(b.totalUsd, total(b.byFunction));
          close(total(b.byTable), total(b.lines.filter((l) => l.service === "DynamoDB")));
          expect(b.fixedUsd).toBeLessThanOrEqual(b.totalUsd * (1 + 1e-12));
          close(b.headroom!.usd, 1000 - b.totalUsd);
          expect(b.top).toEqual(b.lines.slice(0, 3));
          for (let i = 1; i < b.lines.length; i++) expect(b.lines[i - 1]!.usd).toBeGreaterThanOrEqual(b.lines[i]!.usd);
          expect(b.containers.map((c) => c.fn)).toEqual([...FNS].sort());
          for (const c of b.containers) {
            const s = containers[c.fn]!;
            expect(c.tasks).toBeGreaterThanOrEqual(s.minTasks);
            expect(c.vcpuPerSecond).toBeLessThanOrEqual(c.tasks * s.vcpu * s.targetUtilization * (1 + 1e-8));
            expect(c.activeConnections).toBeLessThanOrEqual(c.tasks * s.maxConnectionsPerTask * (1 + 1e-8));
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
