import { describe, expect, it } from "vitest";
import { billAtRate, billProduct } from "../../src/cost/bill.js";
import type { BillInput, ContainerService } from "../../src/cost/bill-types.js";
import { BYTES_PER_GB, HOURS_PER_MONTH, SECONDS_PER_MONTH } from "../../src/cost/prices.js";
import type { UsageLine } from "../../src/cost/usage.js";

/** The room tier as infra/manifest-rooms.ts runs it: 1 vCPU, 2 GB, arm64, 60% CPU target, at least 2 tasks. */
const rooms: ContainerService = {
  vcpu: 1,
  memoryGb: 2,
  architecture: "arm64",
  targetUtilization: 0.6,
  minTasks: 2,
  maxConnectionsPerTask: 5000,
  activeConnections: { average: 20_000 },
};

/** With events = SECONDS_PER_MONTH and 1 event/s, usage quantities are the month's quantities. */
const monthly = (usage: UsageLine[], service: Partial<ContainerService> = {}, extra: Partial<BillInput> = {}): BillInput => ({
  product: "p",
  usage,
  events: SECONDS_PER_MONTH,
  rates: { average: 1 },
  memoryMB: {},
  containers: { rooms: { ...rooms, ...service } },
  ...extra,
});

/** `vcpu` vCPU-seconds every second of the month, as fargate.vcpuMs. */
const cpu = (vcpu: number): UsageLine => ({ unit: "fargate.vcpuMs", fn: "rooms", quantity: vcpu * 1000 * SECONDS_PER_MONTH });
/** `perSecond` new connections every second of the month. */
const connects = (perSecond: number): UsageLine => ({ unit: "nlb.newConnections", fn: "rooms", quantity: perSecond * SECONDS_PER_MONTH });
/** `gb` GB processed every hour of the month. */
const processed = (gb: number): UsageLine => ({ unit: "nlb.bytes", fn: "rooms", quantity: gb * BYTES_PER_GB * HOURS_PER_MONTH });

// us-east-1: Fargate Linux/ARM $0.03238 per vCPU-hour, $0.00356 per GB-hour; NLB $0.0225 an hour, $0.006 per NLCU-hour.
const usdOf = (b: ReturnType<typeof billAtRate>, label: string) => b.lines.find((l) => l.label === label)!.usd;

describe("billAtRate: container services (Fargate)", () => {
  it("sizes a CPU-bound service for its CPU work at the target utilization", () => {
    // 9 vCPU-s/s at 60% of 1 vCPU: 15 tasks (connections need 4, the minimum is 2)
    const b = billAtRate(monthly([cpu(9)]), 1);
    expect(b.containers).toEqual([
      {
        fn: "rooms", tasks: 15, spotTasks: 0, tasksBoundBy: "cpu", vcpuPerSecond: 9, activeConnections: 20_000,
        loadBalancer: true, newConnectionsPerSecond: 0, gbProcessedPerHour: 0, nlcu: 20_000 / 3000, nlcuBoundBy: "activeConnections",
      },
    ]);
    // 15 x 730.5 = 10,957.5 task-hours: x 1 vCPU x $0.03238 = $354.80385; x 2 GB x $0.00356 = $78.0174
    expect(b.lines.map((l) => [l.label, l.billedQuantity, l.billedUnit])).toEqual([
      ["Fargate vCPU, rooms", 10_957.5, "vCPU-hours (Linux/ARM)"],
      ["Fargate memory, rooms", 21_915, "GB-hours (Linux/ARM)"],
      ["Elastic Load Balancing NLCUs, rooms", (730.5 * 20_000) / 3000, "NLCU-hours"],
      ["Elastic Load Balancing load balancer hours, rooms", 730.5, "Network Load Balancer-hours"],
    ]);
    expect(usdOf(b, "Fargate vCPU, rooms")).toBeCloseTo(354.80385, 9);
    expect(usdOf(b, "Fargate memory, rooms")).toBeCloseTo(78.0174, 9);
    // 20,000 / 3,000 NLCUs x 730.5 h = 4,870 NLCU-hours x $0.006 = $29.22; one NLB 730.5 h x $0.0225 = $16.43625
    expect(usdOf(b, "Elastic Load Balancing NLCUs, rooms")).toBeCloseTo(29.22, 9);
    expect(usdOf(b, "Elastic Load Balancing load balancer hours, rooms")).toBeCloseTo(16.43625, 9);
    expect(b.totalUsd).toBeCloseTo(478.4775, 9);
    expect(b.byService).toEqual([
      { service: "Fargate", usd: expect.closeTo(432.82125, 9) },
      { service: "Elastic Load Balancing", usd: expect.closeTo(45.65625, 9) },
    ]);
    expect(b.byFunction).toEqual([{ fn: "rooms", usd: b.totalUsd }]);
    expect(b.byTable).toEqual([]);
    expect(b.lines.every((l) => l.fn === "rooms" && l.resource === undefined)).toBe(true);
  });

  it("sizes a connection-bound service for its open connections", () => {
    // 120,000 connections at 5,000 a task: 24 tasks (CPU needs ceil(1 / 0.6) = 2)
    const b = billAtRate(monthly([cpu(1)], { activeConnections: { average: 120_000 } }), 1);
    expect(b.containers[0]).toMatchObject({ tasks: 24, tasksBoundBy: "connections", activeConnections: 120_000, nlcu: 40 });
    // 24 x 730.5 = 17,532 task-hours: $567.68616 of vCPU, $124.82784 of memory; 40 NLCUs: 29,220 NLCU-hours = $175.32
    expect(usdOf(b, "Fargate vCPU, rooms")).toBeCloseTo(567.68616, 9);
    expect(usdOf(b, "Fargate memory, rooms")).toBeCloseTo(124.82784, 9);
    expect(usdOf(b, "Elastic Load Balancing NLCUs, rooms")).toBeCloseTo(175.32, 9);
    expect(b.totalUsd).toBeCloseTo(567.68616 + 124.82784 + 175.32 + 16.43625, 9);
  });

  it("runs minTasks when neither the CPU nor the connections need as many, idle included", () => {
    // 0.3 vCPU-s/s needs 1 task at 60%, 1,000 connections 1; the minimum is 3
    const b = billAtRate(monthly([cpu(0.3)], { minTasks: 3, activeConnections: { average: 1000 } }), 1);
    expect(b.containers[0]).toMatchObject({ tasks: 3, tasksBoundBy: "minTasks" });
    expect(usdOf(b, "Fargate vCPU, rooms")).toBeCloseTo(3 * 730.5 * 0.03238, 9);
    expect(usdOf(b, "Fargate memory, rooms")).toBeCloseTo(3 * 730.5 * 2 * 0.00356, 9);
    // No usage and no connections: the minimum and the load balancer's hours still run
    const idle = billAtRate(monthly([], { activeConnections: { average: 0 } }), 1);
    expect(idle.containers[0]).toMatchObject({ tasks: 2, tasksBoundBy: "minTasks", vcpuPerSecond: 0, nlcu: 0 });
    expect(idle.totalUsd).toBeCloseTo(2 * 730.5 * (0.03238 + 2 * 0.00356) + 730.5 * 0.0225, 9);
    expect(idle.lines.every((l) => l.quantity === 0)).toBe(true);
  });

  it("does not round float noise up to an extra task", () => {
    // 0.7 vCPU-s/s at 70% of 1 vCPU: 0.7 / 0.7 is 1 task, however the division rounds
    const b = billAtRate(monthly([cpu(0.7)], { targetUtilization: 0.7, minTasks: 1, activeConnections: { average: 0 } }), 1);
    expect(b.containers[0]).toMatchObject({ tasks: 1, tasksBoundBy: "cpu" });
  });

  it("bills vCPUs and memory per task size, and x86_64 at its own prices", () => {
    const size = { vcpu: 4, memoryGb: 8, minTasks: 1, activeConnections: { average: 0 } };
    const arm = billAtRate(monthly([cpu(6)], size), 1); // 6 / (4 x 0.6): 3 tasks
    expect(arm.containers[0]!.tasks).toBe(3);
    expect(usdOf(arm, "Fargate vCPU, rooms")).toBeCloseTo(3 * 730.5 * 4 * 0.03238, 9);
    expect(usdOf(arm, "Fargate memory, rooms")).toBeCloseTo(3 * 730.5 * 8 * 0.00356, 9);
    const x86 = billAtRate(monthly([cpu(6)], { ...size, architecture: "x86_64" }), 1);
    expect(x86.lines.find((l) => l.item === "vCPU")).toMatchObject({ billedUnit: "vCPU-hours (Linux/x86)", usd: expect.closeTo(3 * 730.5 * 4 * 0.04048, 9) });
    expect(x86.lines.find((l) => l.item === "memory")).toMatchObject({ billedUnit: "GB-hours (Linux/x86)", usd: expect.closeTo(3 * 730.5 * 8 * 0.004445, 9) });
  });

  it("bills no load balancer when loadBalancer is false", () => {
    const b = billAtRate(monthly([cpu(9)], { loadBalancer: false }), 1);
    expect(b.lines.map((l) => l.service)).toEqual(["Fargate", "Fargate"]);
    expect(b.containers[0]).toEqual({
      fn: "rooms", tasks: 15, spotTasks: 0, tasksBoundBy: "cpu", vcpuPerSecond: 9, activeConnections: 20_000,
      loadBalancer: false, newConnectionsPerSecond: 0, gbProcessedPerHour: 0, nlcu: 0,
    });
    expect(b.totalUsd).toBeCloseTo(354.80385 + 78.0174, 9);
  });

  it("sizes each service on its own function's usage", () => {
    const b = billAtRate(
      monthly([cpu(9), { unit: "fargate.vcpuMs", fn: "presence", quantity: 0.5 * 1000 * SECONDS_PER_MONTH }], {}, {
        containers: { rooms, presence: { ...rooms, minTasks: 1, loadBalancer: false, activeConnections: { average: 0 } } },
      }),
      1,
    );
    expect(b.containers.map((c) => [c.fn, c.tasks])).toEqual([["presence", 1], ["rooms", 15]]);
    expect(b.byFunction.map((f) => f.fn)).toEqual(["rooms", "presence"]);
  });

  it("counts a container's fixed monthly usage in the fixed share of its lines", () => {
    // 9 vCPU-s/s, 3 of them fixed: a third of the Fargate lines is fixed; the load balancer lines carry no fixed bytes
    const b = billAtRate(monthly([cpu(6)], {}, { fixedMonthly: [cpu(3)] }), 1);
    expect(b.containers[0]!.vcpuPerSecond).toBeCloseTo(9, 12);
    expect(b.fixedUsd).toBeCloseTo((354.80385 + 78.0174) / 3, 9);
  });
});

describe("billAtRate: regular Fargate and Fargate Spot (ContainerService.capacity)", () => {
  const spot = { capacity: { onDemandBase: 2, onDemandWeight: 1, spotWeight: 3 } };

  it("puts the base on regular Fargate and splits the rest by weight", () => {
    // 15 tasks: 2 base + 13 x 1/4 = 5.25 regular, 13 x 3/4 = 9.75 Spot (a month's average)
    const b = billAtRate(monthly([cpu(9)], spot), 1);
    expect(b.containers[0]).toMatchObject({ tasks: 15, spotTasks: 9.75, tasksBoundBy: "cpu" });
    const fargate = b.lines.filter((l) => l.service === "Fargate").map((l) => [l.label, l.billedQuantity, l.billedUnit]);
    expect(fargate).toEqual([
      ["Fargate vCPU, rooms", 5.25 * 730.5, "vCPU-hours (Linux/ARM)"],
      ["Fargate Spot vCPU, rooms", 9.75 * 730.5, "Fargate Spot vCPU-hours (Linux/ARM)"],
      ["Fargate memory, rooms", 2 * 5.25 * 730.5, "GB-hours (Linux/ARM)"],
      ["Fargate Spot memory, rooms", 2 * 9.75 * 730.5, "Fargate Spot GB-hours (Linux/ARM)"],
    ]);
    // Spot at half the on-demand rate: $0.01619 a vCPU-hour, $0.00178 a GB-hour
    expect(usdOf(b, "Fargate vCPU, rooms")).toBeCloseTo(5.25 * 730.5 * 0.03238, 9);
    expect(usdOf(b, "Fargate Spot vCPU, rooms")).toBeCloseTo(9.75 * 730.5 * 0.01619, 9);
    expect(usdOf(b, "Fargate Spot memory, rooms")).toBeCloseTo(2 * 9.75 * 730.5 * 0.00178, 9);
    // Against all on regular Fargate: the load balancer's lines do not move, the tasks' cost 37% less.
    const regular = billAtRate(monthly([cpu(9)]), 1);
    const fargateUsd = (x: typeof b) => x.lines.filter((l) => l.service === "Fargate").reduce((t, l) => t + l.usd, 0);
    expect(fargateUsd(b) / fargateUsd(regular)).toBeCloseTo((5.25 + 9.75 / 2) / 15, 3);
    expect(b.lines.filter((l) => l.service !== "Fargate")).toEqual(regular.lines.filter((l) => l.service !== "Fargate"));
  });

  it("runs everything on regular Fargate while the tasks fit in the base, and with no Spot weight", () => {
    const idle = billAtRate(monthly([cpu(0.3)], { ...spot, activeConnections: { average: 1000 } }), 1);
    expect(idle.containers[0]).toMatchObject({ tasks: 2, spotTasks: 0 });
    expect(idle.lines.filter((l) => l.label.includes("Spot"))).toEqual([]);
    const noSpot = billAtRate(monthly([cpu(9)], { capacity: { onDemandBase: 0, onDemandWeight: 1, spotWeight: 0 } }), 1);
    expect(noSpot).toEqual(billAtRate(monthly([cpu(9)]), 1));
  });

  it("puts every task beyond the base on Spot with no regular weight, and bills x86_64 Spot at its own prices", () => {
    const b = billAtRate(monthly([cpu(9)], { architecture: "x86_64", capacity: { onDemandBase: 1, onDemandWeight: 0, spotWeight: 1 } }), 1);
    expect(b.containers[0]).toMatchObject({ tasks: 15, spotTasks: 14 });
    expect(usdOf(b, "Fargate vCPU, rooms")).toBeCloseTo(730.5 * 0.04048, 9);
    expect(usdOf(b, "Fargate Spot vCPU, rooms")).toBeCloseTo(14 * 730.5 * 0.02024, 9);
    expect(usdOf(b, "Fargate Spot memory, rooms")).toBeCloseTo(2 * 14 * 730.5 * 0.0022225, 9);
  });
});

describe("billAtRate: the Network Load Balancer's NLCUs (TLS listener)", () => {
  // 3,000 open connections: 1 NLCU on that dimension
  const lb = (usage: UsageLine[], average = 3000) => billAtRate(monthly([cpu(1), ...usage], { activeConnections: { average } }), 1).containers[0]!;

  it.each<[string, UsageLine[], number, number, string]>([
    // new connections: 100/s / 50 = 2; open: 3,000 / 3,000 = 1; bytes: 0.5 GB an hour / 1 = 0.5
    ["new connections", [connects(100), processed(0.5)], 3000, 2, "newConnections"],
    // open: 9,000 / 3,000 = 3; new connections 2; bytes 0.5
    ["open connections", [connects(100), processed(0.5)], 9000, 3, "activeConnections"],
    // bytes: 4 GB an hour = 4; new connections 2; open 1
    ["bytes processed", [connects(100), processed(4)], 3000, 4, "bytes"],
  ])("bills the largest dimension every hour: %s", (_, usage, open, nlcu, boundBy) => {
    const c = lb(usage, open);
    expect(c.newConnectionsPerSecond).toBeCloseTo(100, 9);
    expect(c.nlcu).toBeCloseTo(nlcu, 9);
    expect(c.nlcuBoundBy).toBe(boundBy);
    const b = billAtRate(monthly([cpu(1), ...usage], { activeConnections: { average: open } }), 1);
    expect(usdOf(b, "Elastic Load Balancing NLCUs, rooms")).toBeCloseTo(nlcu * 730.5 * 0.006, 9);
    expect(usdOf(b, "Elastic Load Balancing load balancer hours, rooms")).toBeCloseTo(730.5 * 0.0225, 9);
  });

  it("reports the bytes and new connections it was sized on", () => {
    const c = lb([connects(10), processed(2.5)]);
    expect(c.gbProcessedPerHour).toBeCloseTo(2.5, 12);
    expect(c.newConnectionsPerSecond).toBeCloseTo(10, 12);
  });
});

describe("billProduct: container services at the average and the peak", () => {
  // 1,000 events: 500 vCPU-ms (0.5 ms each); 10,000 connections open at 1,000 events/s, 50,000 at the 3,000/s peak
  const input: BillInput = {
    product: "document",
    usage: [{ unit: "fargate.vcpuMs", fn: "rooms", quantity: 500 }],
    events: 1000,
    rates: { average: 1000, peak: 3000 },
    memoryMB: {},
    containers: { rooms: { ...rooms, targetUtilization: 0.5, minTasks: 1, activeConnections: { average: 10_000, peak: 50_000 } } },
  };

  it("sizes each rate for its own connections and CPU work", () => {
    const p = billProduct(input);
    // average: 0.5 vCPU-s/s -> 1 task, 10,000 connections -> 2 tasks; peak: 1.5 -> 3, 50,000 -> 10
    expect(p.average.containers[0]).toMatchObject({ tasks: 2, tasksBoundBy: "connections", activeConnections: 10_000, nlcu: 10_000 / 3000 });
    expect(p.average.containers[0]!.vcpuPerSecond).toBeCloseTo(0.5, 12);
    expect(p.peak!.containers[0]).toMatchObject({ tasks: 10, tasksBoundBy: "connections", activeConnections: 50_000, nlcu: 50_000 / 3000 });
    expect(p.peak!.containers[0]!.vcpuPerSecond).toBeCloseTo(1.5, 12);
    expect(p.peak!.totalUsd).toBeCloseTo(10 * 730.5 * (0.03238 + 2 * 0.00356) + (50_000 / 3000) * 730.5 * 0.006 + 730.5 * 0.0225, 9);
    expect(p.unitsPerEvent).toEqual({ "fargate.vcpuMs": 0.5 });
  });

  it("scales the average's connections to the peak rate when no peak count is given", () => {
    const rooms1 = input.containers!.rooms!;
    const p = billProduct({ ...input, containers: { rooms: { ...rooms1, activeConnections: { average: 10_000 } } } });
    expect(p.peak!.containers[0]).toMatchObject({ tasks: 6, activeConnections: 30_000, nlcu: 10 });
  });

  it("scales the given counts at other rates", () => {
    expect(billAtRate(input, 2000).containers[0]).toMatchObject({ activeConnections: 20_000, tasks: 4 });
    expect(billAtRate(input, 6000, "peak").containers[0]).toMatchObject({ activeConnections: 100_000, tasks: 20 });
  });
});

describe("products without containers", () => {
  const dynamo: BillInput = {
    product: "document",
    usage: [
      { unit: "dynamodb.writeUnits", fn: "sequencer", resource: "log", quantity: 3000 },
      { unit: "lambda.ms", fn: "ingest", quantity: 20_000 },
    ],
    events: 1000,
    rates: { average: 25_000 },
    memoryMB: { ingest: 1024 },
  };

  it("bill exactly as before: no container lines, no sizing, the same numbers with an empty containers", () => {
    const b = billAtRate(dynamo, 25_000);
    expect(b.containers).toEqual([]);
    expect(b.byService.map((s) => s.service)).toEqual(["DynamoDB", "Lambda"]);
    // 197,235,000,000 WRU x $0.625/M; 0.02 GB-s per event x 65,745M events = 1,314.9M GB-s x $0.0000166667
    expect(b.lines.map((l) => l.usd)).toEqual([expect.closeTo(123_271.875, 6), expect.closeTo(1_314_900_000 * 0.0000166667, 6)]);
    expect(billAtRate({ ...dynamo, containers: {} }, 25_000)).toEqual(b);
  });
});

describe("bad container inputs throw clear errors", () => {
  const base = monthly([cpu(1)], {}, { rates: { average: 1, peak: 2 } });
  const service = (patch: Record<string, unknown>): Partial<BillInput> => ({ containers: { rooms: { ...rooms, ...patch } as ContainerService } });

  it.each<[string, Partial<BillInput>, RegExp]>([
    ["zero vCPUs", service({ vcpu: 0 }), /container service "rooms": vcpu must be a positive number, got 0/],
    ["non-finite vCPUs", service({ vcpu: Number.NaN }), /vcpu must be a positive number, got NaN/],
    ["negative memory", service({ memoryGb: -2 }), /container service "rooms": memoryGb must be a positive number, got -2/],
    ["unknown architecture", service({ architecture: "riscv" }), /container service "rooms": unknown architecture riscv/],
    ["zero utilization", service({ targetUtilization: 0 }), /container service "rooms": target utilization must be in \(0, 1\], got 0/],
    ["utilization above 1", service({ targetUtilization: 1.2 }), /target utilization must be in \(0, 1\], got 1.2/],
    ["no tasks", service({ minTasks: 0 }), /container service "rooms": minTasks must be an integer >= 1, got 0/],
    ["a fraction of a task", service({ minTasks: 1.5 }), /minTasks must be an integer >= 1, got 1.5/],
    ["no connections per task", service({ maxConnectionsPerTask: 0 }), /container service "rooms": maxConnectionsPerTask must be a positive number, got 0/],
    ["unbounded connections per task", service({ maxConnectionsPerTask: Infinity }), /maxConnectionsPerTask must be a positive number, got Infinity/],
    ["no connection counts", service({ activeConnections: undefined }), /container service "rooms": activeConnections must be \{ average, peak\? \}, got undefined/],
    ["negative connections", service({ activeConnections: { average: -1 } }), /activeConnections.average must be a number >= 0, got -1/],
    ["peak connections below the average", service({ activeConnections: { average: 100, peak: 50 } }), /activeConnections.peak must be a number >= the average 100, got 50/],
    ["peak connections without a peak rate", { ...service({ activeConnections: { average: 100, peak: 200 } }), rates: { average: 1 } }, /activeConnections.peak is given but rates.peak is not/],
    ["a load balancer flag that is not a boolean", service({ loadBalancer: "yes" }), /container service "rooms": loadBalancer must be true or false, got yes/],
    ["a capacity that is not an object", service({ capacity: "spot" }), /container service "rooms": capacity must be \{ onDemandBase, onDemandWeight, spotWeight \}, got spot/],
    ["a negative base", service({ capacity: { onDemandBase: -1, onDemandWeight: 1, spotWeight: 3 } }), /capacity.onDemandBase must be an integer >= 0, got -1/],
    ["a fractional weight", service({ capacity: { onDemandBase: 2, onDemandWeight: 0.5, spotWeight: 3 } }), /capacity.onDemandWeight must be an integer >= 0, got 0.5/],
    ["a missing Spot weight", service({ capacity: { onDemandBase: 2, onDemandWeight: 1 } }), /capacity.spotWeight must be an integer >= 0, got undefined/],
    ["both weights 0", service({ capacity: { onDemandBase: 2, onDemandWeight: 0, spotWeight: 0 } }), /container service "rooms": capacity needs a weight above 0/],
    ["CPU of a function without a container service", { containers: undefined }, /usage: fargate.vcpuMs of function "rooms", which has no container service in containers/],
    ["load balancer bytes of another function", { usage: [{ unit: "nlb.bytes", fn: "edge", quantity: 1 }] }, /usage: nlb.bytes of function "edge", which has no container service/],
    ["fixed new connections without a container service", { containers: {}, usage: [], fixedMonthly: [connects(1)] }, /fixed monthly usage: nlb.newConnections of function "rooms", which has no container service/],
    ["load balancer usage without a load balancer", { ...service({ loadBalancer: false }), usage: [processed(1)] }, /usage: nlb.bytes of function "rooms", whose container service has no load balancer \(loadBalancer: false\)/],
  ])("%s", (_, patch, message) => {
    expect(() => billProduct({ ...base, ...patch })).toThrow(message);
  });
});
