import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { billAtRate } from "../../src/cost/bill.js";
import type { BillInput } from "../../src/cost/bill-types.js";
import { PRICES, type Price, type PriceTable } from "../../src/cost/prices.js";
import { USAGE_UNITS, type UsageLine, type UsageUnit } from "../../src/cost/usage.js";

const UNITS = Object.keys(USAGE_UNITS) as UsageUnit[];
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

const usageLine = fc.record({
  unit: fc.constantFrom(...UNITS),
  fn: fc.constantFrom(...FNS),
  table: fc.constantFrom(...TABLES),
  quantity: fc.double({ min: 0, max: 1e6, noNaN: true }),
}).map(({ unit, fn, table, quantity }): UsageLine => (unit.startsWith("dynamodb.") ? { unit, fn, resource: table, quantity } : { unit, fn, quantity }));

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
        fc.array(usageLine, { minLength: 1, maxLength: 12 }),
        fc.array(usageLine, { maxLength: 4 }),
        fc.double({ min: 1, max: 1e6, noNaN: true }),
        fc.double({ min: 1e-3, max: 1e5, noNaN: true }),
        fc.subarray(TABLES),
        fc.double({ min: 0.1, max: 1, noNaN: true }),
        (usage, fixedMonthly, events, rate, provisioned, targetUtilization) => {
          const capacity = Object.fromEntries(provisioned.map((t) => [t, { mode: "provisioned" as const, targetUtilization }]));
          const b = billAtRate({ product: "p", usage, fixedMonthly, events, rates: { average: rate }, memoryMB, capacity, budgetUsd: 1000 }, rate);
          close(b.totalUsd, total(b.lines));
          close(b.totalUsd, total(b.byService));
          close(b.totalUsd, total(b.byFunction));
          close(total(b.byTable), total(b.lines.filter((l) => l.service === "DynamoDB")));
          expect(b.fixedUsd).toBeLessThanOrEqual(b.totalUsd * (1 + 1e-12));
          close(b.headroom!.usd, 1000 - b.totalUsd);
          expect(b.top).toEqual(b.lines.slice(0, 3));
          for (let i = 1; i < b.lines.length; i++) expect(b.lines[i - 1]!.usd).toBeGreaterThanOrEqual(b.lines[i]!.usd);
        },
      ),
      { numRuns: 200 },
    );
  });
});
