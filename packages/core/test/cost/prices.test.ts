import { describe, expect, it } from "vitest";
import { HOURS_PER_MONTH, PRICES, PRICE_TABLE_DATE, SECONDS_PER_MONTH, priceOf, type Price } from "../../src/cost/prices.js";

describe("price table", () => {
  it("has a date, a source and a check note on every entry", () => {
    expect(PRICE_TABLE_DATE).toBe("2026-12-06");
    // Every price, groups of prices (a table class's) included.
    const prices: Array<[string, Price]> = [];
    const walk = (path: string, node: object) => {
      if ("usd" in node) prices.push([path, node as Price]);
      else for (const [k, v] of Object.entries(node)) walk(path ? `${path}.${k}` : k, v as object);
    };
    walk("", PRICES);
    expect(prices.length).toBeGreaterThan(30);
    for (const [name, price] of prices) {
      expect(price.source, name).toMatch(/^https:\/\//);
      expect(price.checked.startsWith(PRICE_TABLE_DATE), name).toBe(true);
      expect(price.usd).toBeGreaterThanOrEqual(0);
      expect(price.per).toBeGreaterThan(0);
      if (price.tiers) expect(price.tiers[0]!.usd, `${name} first tier`).toBe(price.usd);
    }
    expect(prices.map(([n]) => n)).toContain("dynamodb.infrequentAccess.storageGbMonths");
  });

  it("has the us-east-1 prices the model is built on", () => {
    expect(PRICES.dynamodb.writeRequestUnits).toMatchObject({ usd: 0.625, per: 1e6 });
    expect(PRICES.dynamodb.readRequestUnits).toMatchObject({ usd: 0.125, per: 1e6 });
    expect(PRICES.dynamodb.wcuHours.usd).toBe(0.00065);
    expect(PRICES.dynamodb.rcuHours.usd).toBe(0.00013);
    expect(PRICES.lambda.requests).toMatchObject({ usd: 0.2, per: 1e6 });
    expect(PRICES.lambda.gbSecondsX86.usd).toBe(0.0000166667);
    expect(PRICES.lambda.gbSecondsArm64.usd).toBe(0.0000133334);
    expect(PRICES.ses.emails).toMatchObject({ usd: 0.1, per: 1000 });
    expect(PRICES.push.messages.usd).toBe(0);
    expect(PRICES.fargate.vcpuHoursArm64.usd).toBe(0.03238);
    expect(PRICES.fargate.gbHoursArm64.usd).toBe(0.00356);
    expect(PRICES.fargate.vcpuHoursX86.usd).toBe(0.04048);
    expect(PRICES.fargate.gbHoursX86.usd).toBe(0.004445);
    // Fargate Spot: half of each on-demand rate (the smallest discount the quoting pages give)
    expect(PRICES.fargate.spotVcpuHoursArm64.usd).toBeCloseTo(PRICES.fargate.vcpuHoursArm64.usd / 2, 5);
    expect(PRICES.fargate.spotGbHoursArm64.usd).toBeCloseTo(PRICES.fargate.gbHoursArm64.usd / 2, 5);
    expect(PRICES.fargate.spotVcpuHoursX86.usd).toBeCloseTo(PRICES.fargate.vcpuHoursX86.usd / 2, 7);
    expect(PRICES.fargate.spotGbHoursX86.usd).toBeCloseTo(PRICES.fargate.gbHoursX86.usd / 2, 7);
    expect(PRICES.elb.nlbHours.usd).toBe(0.0225);
    expect(PRICES.elb.nlcuHours.usd).toBe(0.006);
  });

  it("uses a 30.4375-day month", () => {
    expect(SECONDS_PER_MONTH).toBe(30.4375 * 86_400);
    expect(HOURS_PER_MONTH).toBe(730.5);
  });
});

describe("priceOf", () => {
  it("prices flat units per `per`", () => {
    expect(priceOf(3_000_000, PRICES.dynamodb.writeRequestUnits)).toBeCloseTo(1.875, 12);
    expect(priceOf(0, PRICES.sqs.standardRequests)).toBe(0);
  });

  it("charges each tier's share at that tier's price (HTTP API: 300M at $1.00, then $0.90)", () => {
    const http = PRICES.apigw.httpRequests;
    expect(priceOf(300e6, http)).toBeCloseTo(300, 9);
    expect(priceOf(400e6, http)).toBeCloseTo(300 + 90, 9);
    expect(priceOf(301e6, http) - priceOf(300e6, http)).toBeCloseTo(0.9, 9);
  });

  it("prices WebSocket messages in tiers (1B at $1.00, then $0.80)", () => {
    expect(priceOf(1.5e9, PRICES.apigw.wsMessages)).toBeCloseTo(1000 + 400, 9);
  });

  it("prices Lambda log ingestion in tiers (10 TB at $0.50, 20 TB at $0.25, 20 TB at $0.10, then $0.05)", () => {
    // 60 TB of 1,024 GB: 10,240 x 0.5 + 20,480 x 0.25 + 20,480 x 0.1 + 10,240 x 0.05
    expect(priceOf(60 * 1024, PRICES.logs.ingestedGb)).toBeCloseTo(5_120 + 5_120 + 2_048 + 512, 6);
    expect(priceOf(10 * 1024, PRICES.logs.ingestedGb)).toBeCloseTo(5_120, 6);
  });

  it("prices data out to the internet in EC2's tiers (10 TB at $0.09, 40 TB at $0.085, 100 TB at $0.07, then $0.05)", () => {
    const out = PRICES.transfer.outToInternetGb;
    expect(priceOf(10 * 1024, out)).toBeCloseTo(921.6, 6);
    expect(priceOf(200 * 1024, out)).toBeCloseTo(10 * 1024 * 0.09 + 40 * 1024 * 0.085 + 100 * 1024 * 0.07 + 50 * 1024 * 0.05, 6);
  });

  it("refuses bad quantities and malformed tiers", () => {
    expect(() => priceOf(-1, PRICES.sqs.standardRequests)).toThrow(/bad quantity -1/);
    expect(() => priceOf(NaN, PRICES.sqs.standardRequests)).toThrow(/bad quantity/);
    const bad: Price = { ...PRICES.apigw.httpRequests, tiers: [{ upTo: 10, usd: 1 }, { upTo: 5, usd: 1 }, { usd: 1 }] };
    expect(() => priceOf(1, bad)).toThrow(/tiers must ascend/);
    const closed: Price = { ...PRICES.apigw.httpRequests, tiers: [{ upTo: 10, usd: 1 }] };
    expect(() => priceOf(1, closed)).toThrow(/open-ended/);
  });
});
