import type { Architecture, BillInput, BillLine, ContainerCapacity, ContainerService, ContainerSizing, KinesisStreamSizing, ProductBill, ProvisionedSizing, RateBill, ServiceName } from "./bill-types.js";
import { billKinesisStream, checkKinesisLine, checkKinesisStream, isKinesisUnit, type KinesisUnit } from "./kinesis-bill.js";
import { BYTES_PER_GB, HOURS_PER_MONTH, PRICE_REGION, PRICE_TABLE_DATE, PRICES, SECONDS_PER_MONTH, priceOf, type Price, type PriceTable } from "./prices.js";
import { steadyStateStorage, type StoreKind } from "./storage.js";
import { USAGE_UNITS, type UsageLine, type UsageUnit } from "./usage.js";
import { ceilTolerant, sum } from "./numbers.js";

/**
 * The pure cost model: measured usage per N events, scaled to a steady rate for a month
 * (SECONDS_PER_MONTH) and priced with one price table. Every line stays attributed to the
 * function that spent it (and DynamoDB lines to their table), so a bill can be read by service,
 * by function, by table, or as its biggest lines. No I/O; no clock; same input, same bill.
 */

/** Units that size a container service (BillInput.containers) instead of being priced per unit. */
type ContainerUnit = "fargate.vcpuMs" | "nlb.bytes" | "nlb.newConnections";

function isContainerUnit(unit: BillLine["unit"]): unit is ContainerUnit {
  return unit === "fargate.vcpuMs" || unit === "nlb.bytes" || unit === "nlb.newConnections";
}

/** Which service and item each metered unit is billed under. */
const BILLED_AS: Record<Exclude<UsageUnit, ContainerUnit | KinesisUnit>, { service: ServiceName; item: string }> = {
  "dynamodb.writeUnits": { service: "DynamoDB", item: "writes" },
  "dynamodb.readUnits": { service: "DynamoDB", item: "reads" },
  "lambda.invocations": { service: "Lambda", item: "requests" },
  "lambda.ms": { service: "Lambda", item: "compute" },
  "apigw.httpRequests": { service: "API Gateway", item: "HTTP requests" },
  "apigw.wsMessages": { service: "API Gateway", item: "WebSocket messages" },
  "apigw.wsConnectionMinutes": { service: "API Gateway", item: "connection minutes" },
  "eventbridge.events": { service: "EventBridge", item: "events" },
  "scheduler.invocations": { service: "EventBridge Scheduler", item: "invocations" },
  "sqs.requests": { service: "SQS", item: "requests" },
  "ses.emails": { service: "SES", item: "emails" },
  "s3.putRequests": { service: "S3", item: "PUT requests" },
  "s3.getRequests": { service: "S3", item: "GET requests" },
  "sns.sms": { service: "SNS", item: "SMS" },
  "push.messages": { service: "Push", item: "messages" },
  "logs.bytes": { service: "CloudWatch Logs", item: "ingestion" },
  "transfer.outBytes": { service: "Data transfer", item: "out to the internet" },
};

const STORE_SERVICE: Record<StoreKind, ServiceName> = { dynamodb: "DynamoDB", "dynamodb-ia": "DynamoDB", s3: "S3", logs: "CloudWatch Logs" };

/** The DynamoDB request prices of `table`'s class. */
function dynamoPrices(input: BillInput, prices: PriceTable, table: string | undefined) {
  return table !== undefined && input.tableClass?.[table] === "standard-ia" ? prices.dynamodb.infrequentAccess : prices.dynamodb;
}

/** The bill at the average rate and, when given, at the peak rate. Throws on any bad input (see validateBillInput). */
export function billProduct(input: BillInput): ProductBill {
  validateBillInput(input);
  const unitsPerEvent: ProductBill["unitsPerEvent"] = {};
  const dynamodbPerEvent: ProductBill["dynamodbPerEvent"] = {};
  for (const l of input.usage) {
    unitsPerEvent[l.unit] = (unitsPerEvent[l.unit] ?? 0) + l.quantity / input.events;
    if (l.unit === "dynamodb.writeUnits" || l.unit === "dynamodb.readUnits") {
      const t = (dynamodbPerEvent[l.resource ?? NO_TABLE] ??= { writeUnits: 0, readUnits: 0 });
      t[l.unit === "dynamodb.writeUnits" ? "writeUnits" : "readUnits"] += l.quantity / input.events;
    }
  }
  const { average, peak } = input.rates;
  return {
    product: input.product,
    priceTableDate: PRICE_TABLE_DATE,
    region: PRICE_REGION,
    events: input.events,
    unitsPerEvent,
    dynamodbPerEvent,
    average: billAtRate(input, average, "average"),
    ...(peak !== undefined ? { peak: billAtRate(input, peak, "peak") } : {}),
  };
}

/** The table DynamoDB usage without a `resource` is reported under. */
export const NO_TABLE = "(no table)";

/**
 * The month's bill with the product running steadily at `eventsPerSecond` (> 0): every usage
 * line scaled by eventsPerSecond x SECONDS_PER_MONTH / events, fixed monthly usage added, then
 * priced. Provisioned tables, container services and Kinesis streams (kinesis-bill.ts) are sized
 * for this rate. Throws on any bad input.
 */
export function billAtRate(input: BillInput, eventsPerSecond: number, rate: string = "average"): RateBill {
  validateBillInput(input);
  checkRate(eventsPerSecond, rate);
  const prices = input.prices ?? PRICES;
  const eventsPerMonth = eventsPerSecond * SECONDS_PER_MONTH;
  const monthly = monthlyUsage(input, eventsPerMonth / input.events);
  const lines: BillLine[] = [];
  const provisioned: ProvisionedSizing[] = [];

  // Provisioned tables: capacity for the table's steady units per second, shared by volume.
  const byTableUnit = new Map<string, MonthlyLine[]>();
  const metered: MonthlyLine[] = [];
  const byContainer = new Map<string, MonthlyLine[]>();
  const byStream = new Map<string, MonthlyLine[]>();
  for (const m of monthly) {
    if (isContainerUnit(m.unit)) {
      pushTo(byContainer, m.fn, m);
      continue;
    }
    if (isKinesisUnit(m.unit)) {
      pushTo(byStream, m.resource!, m);
      continue;
    }
    const mode = m.resource !== undefined && isDynamo(m.unit) ? input.capacity?.[m.resource] : undefined;
    if (mode?.mode === "provisioned") pushTo(byTableUnit, `${m.resource}\u0000${m.unit}`, m);
    else metered.push(m);
  }
  const sizing = new Map<string, ProvisionedSizing>();
  for (const group of byTableUnit.values()) {
    const { unit, resource: table = NO_TABLE } = group[0]!;
    const mode = input.capacity?.[table];
    const utilization = mode?.mode === "provisioned" ? mode.targetUtilization : 1;
    const volume = sum(group.map((m) => m.quantity));
    const perSecond = volume / SECONDS_PER_MONTH;
    const capacity = ceilTolerant(perSecond / utilization);
    const writes = unit === "dynamodb.writeUnits";
    const classPrices = dynamoPrices(input, prices, table);
    const price = writes ? classPrices.wcuHours : classPrices.rcuHours;
    const hours = capacity * HOURS_PER_MONTH;
    const usd = priceOf(hours, price);
    const s = sizing.get(table) ?? { table, targetUtilization: utilization, writeUnitsPerSecond: 0, readUnitsPerSecond: 0, writeCapacityUnits: 0, readCapacityUnits: 0 };
    if (writes) Object.assign(s, { writeUnitsPerSecond: perSecond, writeCapacityUnits: capacity });
    else Object.assign(s, { readUnitsPerSecond: perSecond, readCapacityUnits: capacity });
    sizing.set(table, s);
    for (const m of group) {
      const share = volume > 0 ? m.quantity / volume : 0;
      lines.push(line(m, "DynamoDB", writes ? "write capacity" : "read capacity", hours * share, price.unit, usd * share));
    }
  }
  provisioned.push(...[...sizing.values()].sort((a, b) => a.table.localeCompare(b.table)));

  // Metered units: a tiered price applies to the month's total volume at that price.
  const priced = metered.map((m) => ({ m, ...meteredPrice(m, input, prices) }));
  const volumeByPrice = new Map<Price, number>();
  for (const p of priced) volumeByPrice.set(p.price, (volumeByPrice.get(p.price) ?? 0) + p.billed);
  const usdByPrice = new Map([...volumeByPrice].map(([price, volume]) => [price, priceOf(volume, price)]));
  for (const { m, price, billed } of priced) {
    const volume = volumeByPrice.get(price)!;
    const usd = volume > 0 ? (usdByPrice.get(price)! * billed) / volume : 0;
    const { service, item } = BILLED_AS[m.unit as Exclude<UsageUnit, ContainerUnit | KinesisUnit>];
    lines.push(line(m, service, item, billed, price.unit, usd));
  }

  // Container services: tasks and a load balancer sized for this rate.
  const containers: ContainerSizing[] = [];
  for (const [fn, service] of Object.entries(input.containers ?? {}).sort(([a], [b]) => a.localeCompare(b))) {
    const billed = billContainerService(fn, service, byContainer.get(fn) ?? [], activeConnectionsAt(input, service, eventsPerSecond, rate), prices);
    containers.push(billed.sizing);
    lines.push(...billed.lines);
  }

  // Kinesis streams: shards (or stream-hours) and consumers for this rate.
  const streams: KinesisStreamSizing[] = [];
  for (const [name, stream] of Object.entries(input.streams ?? {}).sort(([a], [b]) => a.localeCompare(b))) {
    const billed = billKinesisStream(name, stream, byStream.get(name) ?? [], prices);
    streams.push(billed.sizing);
    lines.push(...billed.lines);
  }

  // Steady-state storage at this rate.
  if (input.storage) {
    const report = steadyStateStorage(input.storage.items, eventsPerSecond, {
      ...(input.storage.horizonDays !== undefined ? { horizonDays: input.storage.horizonDays } : {}),
      prices,
    });
    for (const s of report.lines) {
      const m: MonthlyLine = { unit: "stored.bytes", fn: s.fn, resource: s.name, quantity: s.storedBytes, fixedQuantity: 0 };
      lines.push(line(m, STORE_SERVICE[s.store], "storage", s.storedGb, "GB-months", s.usdPerMonth));
    }
  }

  lines.sort((a, b) => b.usd - a.usd || a.label.localeCompare(b.label));
  const totalUsd = sum(lines.map((l) => l.usd));
  const fixedUsd = sum(lines.map((l) => (l.quantity > 0 ? (l.usd * l.fixedQuantity) / l.quantity : 0)));
  const bill: RateBill = {
    rate,
    eventsPerSecond,
    eventsPerMonth,
    lines,
    byService: groupUsd(lines, (l) => l.service).map(([service, usd]) => ({ service, usd })),
    byFunction: groupUsd(lines, (l) => l.fn).map(([fn, usd]) => ({ fn, usd })),
    byTable: groupUsd(lines.filter((l) => l.service === "DynamoDB"), (l) => l.resource ?? NO_TABLE).map(([table, usd]) => ({ table, usd })),
    provisioned,
    containers,
    streams,
    totalUsd,
    fixedUsd,
    usdPerMillionEvents: ((totalUsd - fixedUsd) / eventsPerMonth) * 1e6,
    allInUsdPerMillionEvents: (totalUsd / eventsPerMonth) * 1e6,
    top: lines.slice(0, 3),
  };
  if (input.budgetUsd !== undefined) {
    const excluded = input.budgetExcludes ?? [];
    const excludedUsd = lines.filter((l) => excluded.includes(l.service)).reduce((sum, l) => sum + l.usd, 0);
    const usd = input.budgetUsd - (totalUsd - excludedUsd);
    bill.headroom = { budgetUsd: input.budgetUsd, usd, percent: (usd / input.budgetUsd) * 100 };
    if (excluded.length > 0) bill.headroom.excludes = { services: [...excluded], usd: excludedUsd };
  }
  return bill;
}

/** TLS listener: one NLCU is 50 new connections a second, 3,000 active connections or 1 GB processed an hour (prices.elb.nlcuHours). */
const NLCU_TLS = { newConnectionsPerSecond: 50, activeConnections: 3000, gbPerHour: 1 };

/** Open connections of a container service in a bill named `rate` at `eventsPerSecond` (ContainerService.activeConnections). */
function activeConnectionsAt(input: BillInput, service: ContainerService, eventsPerSecond: number, rate: string): number {
  const { average, peak } = service.activeConnections;
  if (rate === "peak" && peak !== undefined && input.rates.peak !== undefined) return peak * (eventsPerSecond / input.rates.peak);
  return average * (eventsPerSecond / input.rates.average);
}

/**
 * One container service's month: `tasks` x HOURS_PER_MONTH of its vCPUs and memory (lines
 * "Fargate vCPU" and "Fargate memory" for the tasks on regular Fargate, "Fargate Spot vCPU" and
 * "Fargate Spot memory" for those its `capacity` puts on Fargate Spot), and unless
 * `loadBalancer` is false one Network Load Balancer's hours and NLCU-hours (lines "Elastic Load
 * Balancing load balancer hours" and "... NLCUs"), every line attributed to `fn`. `usage` is the
 * fn's container usage in the month.
 */
function billContainerService(
  fn: string,
  service: ContainerService,
  usage: readonly MonthlyLine[],
  activeConnections: number,
  prices: PriceTable,
): { sizing: ContainerSizing; lines: BillLine[] } {
  const total = (unit: ContainerUnit): MonthlyLine => {
    const of = usage.filter((m) => m.unit === unit);
    return { unit, fn, quantity: sum(of.map((m) => m.quantity)), fixedQuantity: sum(of.map((m) => m.fixedQuantity)) };
  };
  const cpu = total("fargate.vcpuMs");
  const vcpuPerSecond = cpu.quantity / 1000 / SECONDS_PER_MONTH;
  const forCpu = ceilTolerant(vcpuPerSecond / (service.vcpu * service.targetUtilization));
  const forConnections = ceilTolerant(activeConnections / service.maxConnectionsPerTask);
  const tasks = Math.max(service.minTasks, forCpu, forConnections);
  const tasksBoundBy = forCpu === tasks ? "cpu" : forConnections === tasks ? "connections" : "minTasks";
  const spotTasks = spotShare(tasks, service.capacity);
  const onDemandTasks = tasks - spotTasks;
  const arm = service.architecture === "arm64";
  const { fargate } = prices;
  const lines: BillLine[] = [];
  // One pair of lines per kind of capacity the service uses (regular Fargate's even at 0 tasks
  // of it, so that a service without Spot bills exactly as before).
  for (const [tasksOf, label, vcpuPrice, gbPrice] of [
    [onDemandTasks, "", arm ? fargate.vcpuHoursArm64 : fargate.vcpuHoursX86, arm ? fargate.gbHoursArm64 : fargate.gbHoursX86],
    [spotTasks, "Spot ", arm ? fargate.spotVcpuHoursArm64 : fargate.spotVcpuHoursX86, arm ? fargate.spotGbHoursArm64 : fargate.spotGbHoursX86],
  ] as const) {
    if (label && tasksOf === 0) continue;
    const vcpuHours = tasksOf * HOURS_PER_MONTH * service.vcpu;
    const gbHours = tasksOf * HOURS_PER_MONTH * service.memoryGb;
    lines.push(
      line(cpu, "Fargate", `${label}vCPU`, vcpuHours, vcpuPrice.unit, priceOf(vcpuHours, vcpuPrice)),
      line(cpu, "Fargate", `${label}memory`, gbHours, gbPrice.unit, priceOf(gbHours, gbPrice)),
    );
  }
  const sizing: ContainerSizing = {
    fn, tasks, spotTasks, tasksBoundBy, vcpuPerSecond, activeConnections,
    loadBalancer: false, newConnectionsPerSecond: 0, gbProcessedPerHour: 0, nlcu: 0,
  };
  if (service.loadBalancer === false) return { sizing, lines };

  const bytes = total("nlb.bytes");
  const newConnectionsPerSecond = total("nlb.newConnections").quantity / SECONDS_PER_MONTH;
  const gbProcessedPerHour = bytes.quantity / BYTES_PER_GB / HOURS_PER_MONTH;
  const dimensions = [
    ["newConnections", newConnectionsPerSecond / NLCU_TLS.newConnectionsPerSecond],
    ["activeConnections", activeConnections / NLCU_TLS.activeConnections],
    ["bytes", gbProcessedPerHour / NLCU_TLS.gbPerHour],
  ] as const;
  const [nlcuBoundBy, nlcu] = dimensions.reduce((max, d) => (d[1] > max[1] ? d : max));
  const { nlbHours, nlcuHours } = prices.elb;
  lines.push(
    line(bytes, "Elastic Load Balancing", "load balancer hours", HOURS_PER_MONTH, nlbHours.unit, priceOf(HOURS_PER_MONTH, nlbHours)),
    line(bytes, "Elastic Load Balancing", "NLCUs", nlcu * HOURS_PER_MONTH, nlcuHours.unit, priceOf(nlcu * HOURS_PER_MONTH, nlcuHours)),
  );
  Object.assign(sizing, { loadBalancer: true, newConnectionsPerSecond, gbProcessedPerHour, nlcu, nlcuBoundBy });
  return { sizing, lines };
}

/**
 * The tasks of `tasks` on Fargate Spot under ECS's capacity provider strategy: the first
 * `onDemandBase` on regular Fargate, the rest split by weight (a month's average, so a fraction).
 */
function spotShare(tasks: number, capacity: ContainerCapacity | undefined): number {
  if (!capacity || capacity.spotWeight === 0) return 0;
  const beyondBase = Math.max(0, tasks - capacity.onDemandBase);
  return (beyondBase * capacity.spotWeight) / (capacity.onDemandWeight + capacity.spotWeight);
}

/** A usage line scaled to the month; `fixedQuantity` is the part from fixed monthly usage. */
interface MonthlyLine {
  unit: BillLine["unit"];
  fn: string;
  resource?: string;
  quantity: number;
  fixedQuantity: number;
}

/** Usage per month: measured usage x `scale`, plus fixed monthly usage, merged per (unit, fn, resource). */
function monthlyUsage(input: BillInput, scale: number): MonthlyLine[] {
  const merged = new Map<string, MonthlyLine>();
  const add = (l: UsageLine, quantity: number, fixed: number) => {
    if (quantity === 0) return;
    const key = `${l.unit}\u0000${l.fn}\u0000${l.resource ?? ""}`;
    const m = merged.get(key) ?? { unit: l.unit, fn: l.fn, ...(l.resource !== undefined ? { resource: l.resource } : {}), quantity: 0, fixedQuantity: 0 };
    m.quantity += quantity;
    m.fixedQuantity += fixed;
    merged.set(key, m);
  };
  for (const l of input.usage) add(l, l.quantity * scale, 0);
  for (const l of input.fixedMonthly ?? []) add(l, l.quantity, l.quantity);
  return [...merged.values()];
}

/** The price a metered (non-provisioned) line is billed at, and its volume in that price's unit. */
function meteredPrice(m: MonthlyLine, input: BillInput, prices: PriceTable): { price: Price; billed: number } {
  switch (m.unit as UsageUnit) {
    case "dynamodb.writeUnits": return { price: dynamoPrices(input, prices, m.resource).writeRequestUnits, billed: m.quantity };
    case "dynamodb.readUnits": return { price: dynamoPrices(input, prices, m.resource).readRequestUnits, billed: m.quantity };
    case "lambda.invocations": return { price: prices.lambda.requests, billed: m.quantity };
    case "lambda.ms": {
      const gbSeconds = (m.quantity / 1000) * (input.memoryMB[m.fn]! / 1024);
      const arch = architectureOf(input, m.fn);
      return { price: arch === "arm64" ? prices.lambda.gbSecondsArm64 : prices.lambda.gbSecondsX86, billed: gbSeconds };
    }
    case "apigw.httpRequests": return { price: prices.apigw.httpRequests, billed: m.quantity };
    case "apigw.wsMessages": return { price: prices.apigw.wsMessages, billed: m.quantity };
    case "apigw.wsConnectionMinutes": return { price: prices.apigw.wsConnectionMinutes, billed: m.quantity };
    case "eventbridge.events": return { price: prices.eventbridge.customEvents, billed: m.quantity };
    case "scheduler.invocations": return { price: prices.scheduler.invocations, billed: m.quantity };
    case "sqs.requests": return { price: prices.sqs.standardRequests, billed: m.quantity };
    case "ses.emails": return { price: prices.ses.emails, billed: m.quantity };
    case "s3.putRequests": return { price: prices.s3.putRequests, billed: m.quantity };
    case "s3.getRequests": return { price: prices.s3.getRequests, billed: m.quantity };
    case "sns.sms": return { price: prices.sns.smsUs, billed: m.quantity };
    case "push.messages": return { price: prices.push.messages, billed: m.quantity };
    case "logs.bytes": return { price: prices.logs.ingestedGb, billed: m.quantity / BYTES_PER_GB };
    case "transfer.outBytes": return { price: prices.transfer.outToInternetGb, billed: m.quantity / BYTES_PER_GB };
  }
  throw new Error(`bill: no price for unit ${m.unit}`);
}

function architectureOf(input: BillInput, fn: string): Architecture {
  const a = input.architecture;
  if (a === undefined) return "x86_64";
  if (typeof a === "string") return a;
  return a[fn] ?? "x86_64";
}

function line(m: MonthlyLine, service: ServiceName, item: string, billedQuantity: number, billedUnit: string, usd: number): BillLine {
  const where = m.resource === undefined ? "" : `, ${m.resource}${service === "DynamoDB" ? " table" : service === "S3" ? " bucket" : ""}`;
  return {
    service,
    item,
    fn: m.fn,
    ...(m.resource !== undefined ? { resource: m.resource } : {}),
    unit: m.unit,
    quantity: m.quantity,
    fixedQuantity: m.fixedQuantity,
    billedQuantity,
    billedUnit,
    usd,
    label: `${service} ${item}, ${m.fn}${where}`,
  };
}

/**
 * Checks every input and throws an Error naming the first bad one: events <= 0, a rate <= 0 or
 * a peak below the average, an unknown unit, a negative or non-finite quantity, a Lambda
 * duration line whose function has no memory size, a bad memory size, architecture, capacity
 * mode, target utilization, table class or budget, a bad field of a container service, and a
 * `fargate.*` or `nlb.*` line whose function has no container service (or, for `nlb.*`, no
 * load balancer), a bad stream, and a `kinesis.*` line whose stream (`resource`) is not in streams.
 */
export function validateBillInput(input: BillInput): void {
  const p = `bill ${input.product}`;
  if (typeof input.product !== "string" || input.product === "") throw new Error("bill: product name required");
  if (!(Number.isFinite(input.events) && input.events > 0)) throw new Error(`${p}: events must be a positive number, got ${input.events}`);
  checkRate(input.rates.average, "average");
  if (input.rates.peak !== undefined) {
    checkRate(input.rates.peak, "peak");
    if (input.rates.peak < input.rates.average) throw new Error(`${p}: peak rate ${input.rates.peak} is below the average ${input.rates.average}`);
  }
  for (const [fn, mb] of Object.entries(input.memoryMB)) {
    if (!(Number.isFinite(mb) && mb > 0)) throw new Error(`${p}: bad memory ${mb} MB for function "${fn}"`);
  }
  const arch = input.architecture;
  for (const a of arch === undefined ? [] : typeof arch === "string" ? [arch] : Object.values(arch)) {
    if (a !== "x86_64" && a !== "arm64") throw new Error(`${p}: unknown architecture ${String(a)}`);
  }
  for (const [table, mode] of Object.entries(input.capacity ?? {})) {
    if (mode.mode === "on-demand") continue;
    if (mode.mode !== "provisioned") throw new Error(`${p}: unknown capacity mode for table ${table}`);
    const u = mode.targetUtilization;
    if (!(Number.isFinite(u) && u > 0 && u <= 1)) throw new Error(`${p}: table ${table}: target utilization must be in (0, 1], got ${u}`);
  }
  for (const [table, cls] of Object.entries(input.tableClass ?? {})) {
    if (cls !== "standard" && cls !== "standard-ia") throw new Error(`${p}: unknown table class for table ${table}: ${String(cls)}`);
  }
  for (const [fn, service] of Object.entries(input.containers ?? {})) checkContainerService(input, fn, service);
  for (const [name, stream] of Object.entries(input.streams ?? {})) checkKinesisStream(input, name, stream);
  for (const [what, lines] of [["usage", input.usage], ["fixed monthly usage", input.fixedMonthly ?? []]] as const) {
    for (const l of lines) {
      if (!Object.hasOwn(USAGE_UNITS, l.unit)) throw new Error(`${p}: ${what}: unknown unit ${String(l.unit)}`);
      if (typeof l.fn !== "string" || l.fn === "") throw new Error(`${p}: ${what}: ${l.unit} line without a function`);
      if (!Number.isFinite(l.quantity) || l.quantity < 0) throw new Error(`${p}: ${what}: ${l.unit} of ${l.fn}: bad quantity ${l.quantity}`);
      if (l.unit === "lambda.ms" && !Object.hasOwn(input.memoryMB, l.fn)) {
        throw new Error(`${p}: ${what}: no memory size for function "${l.fn}" (needed to turn its lambda.ms into GB-seconds)`);
      }
      if (isKinesisUnit(l.unit)) checkKinesisLine(input, what, l);
      if (isContainerUnit(l.unit)) {
        const service = Object.hasOwn(input.containers ?? {}, l.fn) ? input.containers![l.fn] : undefined;
        if (service === undefined) {
          throw new Error(`${p}: ${what}: ${l.unit} of function "${l.fn}", which has no container service in containers (needed to size its tasks and load balancer)`);
        }
        if (l.unit !== "fargate.vcpuMs" && service.loadBalancer === false) {
          throw new Error(`${p}: ${what}: ${l.unit} of function "${l.fn}", whose container service has no load balancer (loadBalancer: false)`);
        }
      }
    }
  }
  if (input.budgetUsd !== undefined && !(Number.isFinite(input.budgetUsd) && input.budgetUsd > 0)) {
    throw new Error(`${p}: budget must be a positive number of USD, got ${input.budgetUsd}`);
  }
  if (input.budgetExcludes !== undefined) {
    if (input.budgetUsd === undefined) throw new Error(`${p}: budgetExcludes needs a budget (budgetUsd)`);
    if (new Set(input.budgetExcludes).size !== input.budgetExcludes.length) {
      throw new Error(`${p}: budgetExcludes lists a service twice: ${input.budgetExcludes.join(", ")}`);
    }
  }
}

function checkContainerService(input: BillInput, fn: string, c: ContainerService): void {
  const p = `bill ${input.product}: container service "${fn}"`;
  if (typeof c !== "object" || c === null) throw new Error(`${p}: expected an object, got ${String(c)}`);
  if (!(Number.isFinite(c.vcpu) && c.vcpu > 0)) throw new Error(`${p}: vcpu must be a positive number, got ${c.vcpu}`);
  if (!(Number.isFinite(c.memoryGb) && c.memoryGb > 0)) throw new Error(`${p}: memoryGb must be a positive number, got ${c.memoryGb}`);
  if (c.architecture !== "arm64" && c.architecture !== "x86_64") throw new Error(`${p}: unknown architecture ${String(c.architecture)}`);
  const u = c.targetUtilization;
  if (!(Number.isFinite(u) && u > 0 && u <= 1)) throw new Error(`${p}: target utilization must be in (0, 1], got ${u}`);
  if (!(Number.isInteger(c.minTasks) && c.minTasks >= 1)) throw new Error(`${p}: minTasks must be an integer >= 1, got ${c.minTasks}`);
  if (!(Number.isFinite(c.maxConnectionsPerTask) && c.maxConnectionsPerTask > 0)) {
    throw new Error(`${p}: maxConnectionsPerTask must be a positive number, got ${c.maxConnectionsPerTask}`);
  }
  const open = c.activeConnections;
  if (typeof open !== "object" || open === null) throw new Error(`${p}: activeConnections must be { average, peak? }, got ${String(open)}`);
  if (!(Number.isFinite(open.average) && open.average >= 0)) throw new Error(`${p}: activeConnections.average must be a number >= 0, got ${open.average}`);
  if (open.peak !== undefined) {
    if (!(Number.isFinite(open.peak) && open.peak >= open.average)) {
      throw new Error(`${p}: activeConnections.peak must be a number >= the average ${open.average}, got ${open.peak}`);
    }
    if (input.rates.peak === undefined) throw new Error(`${p}: activeConnections.peak is given but rates.peak is not (connections are counted at the product's rates)`);
  }
  if (c.loadBalancer !== undefined && typeof c.loadBalancer !== "boolean") throw new Error(`${p}: loadBalancer must be true or false, got ${String(c.loadBalancer)}`);
  if (c.capacity !== undefined) checkCapacity(p, c.capacity);
}

function checkCapacity(p: string, c: ContainerCapacity): void {
  if (typeof c !== "object" || c === null) throw new Error(`${p}: capacity must be { onDemandBase, onDemandWeight, spotWeight }, got ${String(c)}`);
  for (const k of ["onDemandBase", "onDemandWeight", "spotWeight"] as const) {
    if (!(Number.isInteger(c[k]) && c[k] >= 0)) throw new Error(`${p}: capacity.${k} must be an integer >= 0, got ${String(c[k])}`);
  }
  if (c.onDemandWeight + c.spotWeight === 0) throw new Error(`${p}: capacity needs a weight above 0 (onDemandWeight or spotWeight)`);
}

function checkRate(rate: number, name: string): void {
  if (!(Number.isFinite(rate) && rate > 0)) throw new Error(`bill: ${name} rate must be a positive number of events/s, got ${rate}`);
}

function isDynamo(unit: BillLine["unit"]): boolean {
  return unit === "dynamodb.writeUnits" || unit === "dynamodb.readUnits";
}



function pushTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** USD per key, most expensive first (ties by key). */
function groupUsd<K extends string>(lines: readonly BillLine[], key: (l: BillLine) => K): Array<[K, number]> {
  const totals = new Map<K, number>();
  for (const l of lines) totals.set(key(l), (totals.get(key(l)) ?? 0) + l.usd);
  return [...totals].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}
