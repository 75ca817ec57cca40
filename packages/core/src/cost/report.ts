import type { ContainerSizing, KinesisStreamSizing, ProductBill, RateBill } from "./bill-types.js";
import { PRICE_REGION, PRICE_TABLE_DATE } from "./prices.js";
import { USAGE_UNITS, type UsageUnit } from "./usage.js";

/**
 * Renders bills for people (Markdown for the README, a compact text summary for the bench's
 * console) and for machines (a JSON shape for `--json`). A product that cannot be measured yet
 * is rendered as such, with its reason, instead of being left out: a missing row reads as $0.
 */

/** A product's cost: a bill, or why there is none yet. */
export type ProductCost =
  | { product: string; status: "measured"; bill: ProductBill }
  | { product: string; status: "not-measurable"; reason: string };

export function measured(bill: ProductBill): ProductCost {
  return { product: bill.product, status: "measured", bill };
}

export function notMeasurable(product: string, reason: string): ProductCost {
  if (reason.trim() === "") throw new Error(`cost report ${product}: a reason is required`);
  return { product, status: "not-measurable", reason };
}

/** The `--json` shape: versioned, self-describing (price date, region), every number finite. */
export interface CostReportJson {
  schema: "weft.cost/1";
  priceTableDate: string;
  region: string;
  products: ProductCost[];
}

export function toJson(costs: readonly ProductCost[]): CostReportJson {
  return { schema: "weft.cost/1", priceTableDate: PRICE_TABLE_DATE, region: PRICE_REGION, products: [...costs] };
}

/** "$12,345" (>= $100), "$12.34" (>= $1), "$0.0123" (3 significant digits below $1, 7 decimals at most), "-$5.00", "$0". */
export function formatUsd(usd: number): string {
  if (!Number.isFinite(usd)) throw new Error(`formatUsd: ${usd}`);
  const sign = usd < 0 ? "-" : "";
  const a = Math.abs(usd);
  if (a === 0) return "$0";
  if (a >= 100) return `${sign}$${groupThousands(Math.round(a).toString())}`;
  if (a >= 1) {
    const [int, frac] = a.toFixed(2).split(".");
    return `${sign}$${groupThousands(int!)}.${frac}`;
  }
  return `${sign}$${trimPrecision(a)}`;
}

/** Integers and numbers >= 100 rounded with thousands separators, others to 3 significant digits ("1,250", "0.75", "12.3"). */
export function formatQuantity(x: number): string {
  if (!Number.isFinite(x)) throw new Error(`formatQuantity: ${x}`);
  if (Number.isInteger(x) || Math.abs(x) >= 100) return `${x < 0 ? "-" : ""}${groupThousands(Math.round(Math.abs(x)).toString())}`;
  if (x === 0) return "0";
  return trimPrecision(x);
}

/** One product in a few lines of plain text, for a console. */
export function renderSummary(cost: ProductCost): string {
  if (cost.status === "not-measurable") return `${cost.product}: not yet measurable (${cost.reason})`;
  const { bill } = cost;
  const out = [`${bill.product}: ${rateSummary(bill.average)}`];
  if (bill.peak) out.push(`  peak: ${rateSummary(bill.peak)}`);
  out.push(`  top: ${bill.average.top.map((l) => `${l.label} ${formatUsd(l.usd)}`).join("; ") || "(no costs)"}`);
  return out.join("\n");
}

function rateSummary(b: RateBill): string {
  const parts = [
    `${formatUsd(b.totalUsd)}/month at ${formatQuantity(b.eventsPerSecond)} events/s`,
    `${formatUsd(b.usdPerMillionEvents)} per million events`,
  ];
  if (b.fixedUsd > 0) parts.push(`${formatUsd(b.fixedUsd)} fixed`);
  if (b.headroom) parts.push(headroomText(b.headroom));
  return parts.join(", ");
}

function headroomText(h: NonNullable<RateBill["headroom"]>): string {
  const state = h.usd < 0 ? "OVER budget by" : "headroom";
  const scope = h.excludes ? `, without ${h.excludes.services.join(" and ")} (${formatUsd(h.excludes.usd)}, outside the budget)` : "";
  return `${state} ${formatUsd(Math.abs(h.usd))} of ${formatUsd(h.budgetUsd)} (${h.percent.toFixed(1)}%${scope})`;
}

/** Several products: an overview table, then each product's section. */
export function renderMarkdownReport(costs: readonly ProductCost[]): string {
  const rows = costs.map((c) => {
    if (c.status === "not-measurable") return [c.product, "not yet measurable", "", "", "", c.reason];
    const { average: a, peak: p } = c.bill;
    return [
      c.product,
      `${formatQuantity(a.eventsPerSecond)} events/s`,
      formatUsd(a.totalUsd),
      formatUsd(a.usdPerMillionEvents),
      p ? `${formatUsd(p.totalUsd)} at ${formatQuantity(p.eventsPerSecond)} events/s` : "",
      a.headroom ? headroomText(a.headroom) : "",
    ];
  });
  return [
    `Monthly AWS cost per product (${PRICE_REGION} list prices as of ${PRICE_TABLE_DATE}; free tiers ignored).`,
    "",
    table(["Product", "Average rate", "Month", "Per million events", "Month at peak", "Budget"], rows, [false, true, true, true, true, false]),
    ...costs.flatMap((c) => ["", renderMarkdown(c)]),
  ].join("\n");
}

/** One product as a Markdown section: by service, biggest lines, by function, units per event, provisioned tables and container services. */
export function renderMarkdown(cost: ProductCost): string {
  if (cost.status === "not-measurable") return `### ${cost.product}\n\nNot yet measurable: ${cost.reason}`;
  const { bill } = cost;
  const rates = bill.peak ? [bill.average, bill.peak] : [bill.average];
  const head = ["", ...rates.map((r) => `${r.rate} (${formatQuantity(r.eventsPerSecond)} events/s)`)];
  const right = [false, ...rates.map(() => true)];
  const services = unique(rates.flatMap((r) => r.byService.map((s) => s.service)));
  const serviceRows = services.map((s) => [s, ...rates.map((r) => formatUsd(r.byService.find((x) => x.service === s)?.usd ?? 0))]);
  serviceRows.push(["**Total per month**", ...rates.map((r) => `**${formatUsd(r.totalUsd)}**`)]);
  serviceRows.push(["of which fixed", ...rates.map((r) => formatUsd(r.fixedUsd))]);
  serviceRows.push(["Per million events", ...rates.map((r) => formatUsd(r.usdPerMillionEvents))]);
  if (bill.average.headroom) serviceRows.push(["Budget", ...rates.map((r) => (r.headroom ? headroomText(r.headroom) : ""))]);
  const fns = unique(rates.flatMap((r) => r.byFunction.map((f) => f.fn)));
  const fnRows = fns.map((f) => [f, ...rates.map((r) => formatUsd(r.byFunction.find((x) => x.fn === f)?.usd ?? 0))]);
  const unitRows = (Object.entries(bill.unitsPerEvent) as Array<[UsageUnit, number]>).map(([u, q]) => [`${USAGE_UNITS[u]} (${u})`, formatQuantity(q)]);
  for (const [t, d] of Object.entries(bill.dynamodbPerEvent)) {
    unitRows.push([`DynamoDB ${t}: write / read units`, `${formatQuantity(d.writeUnits)} / ${formatQuantity(d.readUnits)}`]);
  }
  const out = [
    `### ${bill.product}`,
    "",
    `Measured over ${formatQuantity(bill.events)} events; ${bill.region} prices as of ${bill.priceTableDate}.`,
    "",
    table(head, serviceRows, right),
    "",
    "Biggest lines:",
    "",
    ...rates.flatMap((r) => r.top.map((l, i) => `${i + 1}. ${r.rate}: ${l.label}: ${formatUsd(l.usd)}`)),
    "",
    table(["Function", ...head.slice(1)], fnRows, right),
    "",
    table(["Usage per event", ""], unitRows, [false, true]),
  ];
  const sized = rates.flatMap((r) => r.provisioned.map((s) => [r.rate, s.table, `${formatQuantity(s.writeCapacityUnits)} WCU / ${formatQuantity(s.readCapacityUnits)} RCU`, `${Math.round(s.targetUtilization * 100)}%`]));
  if (sized.length > 0) out.push("", table(["Rate", "Provisioned table", "Capacity", "Target utilization"], sized, [false, false, true, true]));
  const tasks = rates.flatMap((r) => r.containers.map((c) => [r.rate, c.fn, `${formatQuantity(c.tasks)} (${TASKS_BOUND_BY[c.tasksBoundBy]}${c.spotTasks > 0 ? `; ${formatQuantity(c.spotTasks)} on Spot` : ""})`, formatQuantity(c.vcpuPerSecond), formatQuantity(c.activeConnections), nlcuText(c)]));
  if (tasks.length > 0) out.push("", table(["Rate", "Container service", "Tasks", "vCPU-seconds per second", "Open connections", "NLCUs"], tasks, [false, false, true, true, true, true]));
  const streams = rates.flatMap((r) => (r.streams ?? []).map((k) => [
    r.rate,
    k.stream,
    k.shards === undefined ? k.mode : `${formatQuantity(k.shards)} (${SHARDS_BOUND_BY[k.shardsBoundBy ?? "minShards"]})`,
    formatQuantity(k.bytesPerSecond),
    formatQuantity(k.recordsPerSecond),
    `${k.efoConsumers} enhanced fan-out, ${k.standardConsumers} standard`,
  ]));
  if (streams.length > 0) out.push("", table(["Rate", "Kinesis stream", "Shards", "Bytes in per second", "Records in per second", "Consumers"], streams, [false, false, true, true, true, false]));
  return out.join("\n");
}

const TASKS_BOUND_BY: Record<ContainerSizing["tasksBoundBy"], string> = { cpu: "CPU", connections: "connections", minTasks: "minimum" };
const SHARDS_BOUND_BY: Record<NonNullable<KinesisStreamSizing["shardsBoundBy"]>, string> = { bytes: "bytes in", records: "records in", reads: "reads", minShards: "minimum" };
const NLCU_BOUND_BY: Record<NonNullable<ContainerSizing["nlcuBoundBy"]>, string> = {
  newConnections: "new connections",
  activeConnections: "open connections",
  bytes: "bytes processed",
};

function nlcuText(c: ContainerSizing): string {
  if (!c.loadBalancer) return "no load balancer";
  return `${formatQuantity(c.nlcu)}${c.nlcuBoundBy ? ` (${NLCU_BOUND_BY[c.nlcuBoundBy]})` : ""}`;
}

function table(head: readonly string[], rows: readonly string[][], right: readonly boolean[]): string {
  const cell = (s: string) => s.replace(/\|/g, "\\|");
  return [
    `| ${head.map(cell).join(" | ")} |`,
    `|${head.map((_, i) => (right[i] ? "---:" : "---")).join("|")}|`,
    ...rows.map((r) => `| ${r.map(cell).join(" | ")} |`),
  ].join("\n");
}

function unique<T>(xs: readonly T[]): T[] {
  return [...new Set(xs)];
}

function groupThousands(digits: string): string {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

function trimPrecision(x: number): string {
  const s = Math.abs(x) < 1e-4 ? x.toFixed(7) : x.toPrecision(3);
  return s.includes(".") ? s.replace(/0+$/, "").replace(/\.$/, "") : s;
}
