import { describe, expect, it } from "vitest";
import { billProduct } from "../../src/cost/bill.js";
import type { BillInput, ContainerService } from "../../src/cost/bill-types.js";
import { scheduleUsagePerMonth } from "../../src/cost/fixed-usage.js";
import { formatQuantity, formatUsd, measured, notMeasurable, renderMarkdown, renderMarkdownReport, renderSummary, toJson } from "../../src/cost/report.js";

const input: BillInput = {
  product: "document",
  usage: [
    { unit: "dynamodb.writeUnits", fn: "sequencer", resource: "log", quantity: 3000 },
    { unit: "dynamodb.readUnits", fn: "materializer", resource: "log", quantity: 500 },
    { unit: "lambda.ms", fn: "ingest", quantity: 20_000 },
    { unit: "lambda.invocations", fn: "ingest", quantity: 1000 },
    { unit: "apigw.httpRequests", fn: "ingest", quantity: 1000 },
  ],
  events: 1000,
  rates: { average: 25_000, peak: 50_000 },
  memoryMB: { ingest: 1024, timers: 256 },
  capacity: { log: { mode: "provisioned", targetUtilization: 0.7 } },
  fixedMonthly: scheduleUsagePerMonth([{ fn: "timers", everySeconds: 60, billedMsPerInvocation: 55_000 }]),
  budgetUsd: 100_000,
};

describe("formatting", () => {
  it.each([
    [12_345.4, "$12,345"],
    [1_234_567.5, "$1,234,568"],
    [12.345, "$12.35"],
    [1, "$1.00"],
    [0.0123456, "$0.0123"],
    [0.5, "$0.5"],
    [0.0000123, "$0.0000123"],
    [0, "$0"],
    [-27_380.9, "-$27,381"],
  ])("formatUsd(%s) = %s", (usd, text) => expect(formatUsd(usd)).toBe(text));

  it.each([
    [25_000, "25,000"],
    [0.75, "0.75"],
    [12.345, "12.3"],
    [999.5, "1,000"],
  ])("formatQuantity(%s) = %s", (x, text) => expect(formatQuantity(x)).toBe(text));
});

describe("renderers", () => {
  const bill = billProduct(input);

  it("renders a measured product as Markdown tables: by service, biggest lines, by function, usage per event, sizing", () => {
    const md = renderMarkdown(measured(bill));
    expect(md).toContain("### document");
    expect(md).toContain("|  | average (25,000 events/s) | peak (50,000 events/s) |");
    expect(md).toMatch(/\| DynamoDB \| \$[\d,]+ \| \$[\d,]+ \|/);
    expect(md).toContain(`| **Total per month** | **${formatUsd(bill.average.totalUsd)}** | **${formatUsd(bill.peak!.totalUsd)}** |`);
    expect(md).toContain(`1. average: API Gateway HTTP requests, ingest: ${formatUsd(bill.average.top[0]!.usd)}`);
    expect(md).toContain(`2. average: DynamoDB write capacity, sequencer, log table: ${formatUsd(bill.average.top[1]!.usd)}`);
    expect(md).toContain("| billed milliseconds (lambda.ms) | 20 |");
    expect(md).toContain("| timers |");
    expect(md).toContain("| DynamoDB log: write / read units | 3 / 0.5 |");
    expect(md).toContain("| average | log | 107,143 WCU / 17,858 RCU | 70% |");
    expect(md).toContain("OVER budget by");
  });

  it("renders container services: their services in the by-service table, and their sizing at each rate", () => {
    // 360 vCPU-ms per 1,000 events: 9 vCPU-s/s at 25,000 events/s, 18 at 50,000
    const service: ContainerService = { vcpu: 1, memoryGb: 2, architecture: "arm64", targetUtilization: 0.6, minTasks: 2, maxConnectionsPerTask: 5000, activeConnections: { average: 20_000, peak: 40_000 } };
    const rooms = billProduct({ ...input, usage: [...input.usage, { unit: "fargate.vcpuMs", fn: "rooms", quantity: 360 }], containers: { rooms: service } });
    const md = renderMarkdown(measured(rooms));
    expect(md).toMatch(/\| Fargate \| \$[\d,.]+ \| \$[\d,.]+ \|/);
    expect(md).toMatch(/\| Elastic Load Balancing \| \$[\d,.]+ \| \$[\d,.]+ \|/);
    expect(md).toContain("| rooms |");
    expect(md).toContain("| Rate | Container service | Tasks | vCPU-seconds per second | Open connections | NLCUs |");
    expect(md).toContain("| average | rooms | 15 (CPU) | 9 | 20,000 | 6.67 (open connections) |");
    expect(md).toContain("| peak | rooms | 30 (CPU) | 18 | 40,000 | 13.3 (open connections) |");
    const noLb = billProduct({ ...input, containers: { rooms: { ...service, activeConnections: { average: 1 }, loadBalancer: false } } });
    expect(renderMarkdown(measured(noLb))).toContain("| average | rooms | 2 (minimum) | 0 | 1 | no load balancer |");
    expect(renderMarkdown(measured(bill))).not.toContain("Container service");
  });

  it("renders a compact summary", () => {
    const text = renderSummary(measured(bill));
    expect(text.split("\n")).toHaveLength(3);
    expect(text).toMatch(/^document: \$[\d,]+\/month at 25,000 events\/s, \$[\d.]+ per million events, \$[\d.]+ fixed, OVER budget by \$[\d,]+ of \$100,000 \(-[\d.]+%\)$/m);
    expect(text).toContain("  peak: ");
    expect(text).toContain("  top: API Gateway HTTP requests, ingest $");
    expect(renderSummary(measured(billProduct({ ...input, budgetUsd: 1e6 })))).toMatch(/headroom \$[\d,]+ of \$1,000,000 \(8\d\.\d%\)/);
  });

  it("says which services a budget leaves out, and what they cost", () => {
    const emails = billProduct({ ...input, usage: [...input.usage, { unit: "ses.emails", fn: "notifyTimers", quantity: 100 }], budgetUsd: 1e6, budgetExcludes: ["SES"] });
    const ses = emails.average.byService.find((s) => s.service === "SES")!.usd;
    const summary = renderSummary(measured(emails));
    expect(summary).toMatch(/^document: .* headroom \$[\d,]+ of \$1,000,000 \(8\d\.\d%, without SES/);
    expect(summary).toContain(`, without SES (${formatUsd(ses)}, outside the budget))`);
  });

  it("renders products that cannot be measured yet, with their reason", () => {
    const cost = notMeasurable("lake", "the S3 lake lands in issue 14");
    expect(renderSummary(cost)).toBe("lake: not yet measurable (the S3 lake lands in issue 14)");
    expect(renderMarkdown(cost)).toBe("### lake\n\nNot yet measurable: the S3 lake lands in issue 14");
    const report = renderMarkdownReport([measured(bill), cost]);
    expect(report).toContain("| lake | not yet measurable |  |  |  | the S3 lake lands in issue 14 |");
    expect(report).toContain(`| document | 25,000 events/s | ${formatUsd(bill.average.totalUsd)} |`);
    expect(() => notMeasurable("lake", " ")).toThrow(/reason is required/);
  });

  it("renders a versioned JSON shape that survives JSON round trips", () => {
    const json = toJson([measured(bill), notMeasurable("lake", "not built")]);
    expect(json).toMatchObject({ schema: "weft.cost/1", priceTableDate: "2026-12-06", region: "us-east-1" });
    expect(JSON.parse(JSON.stringify(json))).toEqual(json);
  });
});
