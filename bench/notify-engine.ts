import { Session } from "node:inspector/promises";
import { PerformanceObserver } from "node:perf_hooks";
import { benchWorkload, runBenchWorkload, type BenchWorkload } from "../packages/core/src/notify/engine/bench-workload.js";

/**
 * Part (1) of `bench notify`: the decision engine alone, in this process, on one core (decide
 * and wake are plain JS on one event loop; nothing runs in parallel). Two workloads:
 * - mixed: benchWorkload's realistic mix (mentions, digested comments, transactional with
 *   fallbacks, marketing, critical, 2% redeliveries) over `users` users, with the wakes it causes;
 * - simple: the same number of single events that go out at once: one social mention per
 *   user, no redelivery, so no digest, no cap, no wake.
 * Each is run once to warm up, then `runs` times; the best run (by calls per CPU-second) is
 * reported with all runs' rates. Calls = decide + wake calls, each awaited as the service does
 * (runBenchWorkload's loop: an await per call is part of the measure). Then one more run of each
 * under V8's sampling heap profiler (every allocation sampled, also the ones GC freed) gives
 * bytes allocated per call and the top allocating functions.
 */
export interface EngineFigures {
  singleCore: string;
  params: { users: number; events: number; seed: number; runs: number };
  mixed: WorkloadFigures;
  simple: WorkloadFigures;
  /** simple / mixed, per CPU-second and per wall second (best runs). */
  simpleOverMixed: { perCpuSecond: number; perWallSecond: number };
  /** Judged on calls (one decided event or wake), the stricter reading of "decisions". */
  goals: { atLeast100kDecisionsPerCpuSecondMixed: boolean; atLeast100kDecisionsPerCpuSecondSimple: boolean };
}

interface WorkloadFigures {
  decideCalls: number;
  wakeCalls: number;
  decisions: number;
  deliveries: number;
  /** Best run. Calls: decide + wake (each decides one event, or the work due for one user). */
  callsPerCpuSecond: number;
  /** Decision records (one per event and channel, duplicates and deferrals included) per CPU-second, best run. */
  decisionRecordsPerCpuSecond: number;
  callsPerWallSecond: number;
  /** Wall time / CPU time of the best run (> 1: the process waited for the CPU, the machine is shared). */
  wallOverCpu: number;
  gcMs: number;
  gcCount: number;
  runs: Array<{ callsPerCpuSecond: number; callsPerWallSecond: number }>;
  allocation?: AllocationProfile;
}

interface AllocationProfile {
  /** Sampled estimate (V8 sampling heap profiler, one sample per ~32 KB). */
  bytesPerCall: number;
  top: Array<{ fn: string; share: number }>;
}

export async function engineFigures(opts: { users: number; events: number; seed: number; runs: number; log: (m: string) => void }): Promise<EngineFigures> {
  const mixed = benchWorkload({ users: opts.users, events: opts.events, seed: opts.seed });
  const simple = simpleWorkload(opts.events, opts.seed);
  const m = await measure("mixed", mixed, opts.runs, opts.log);
  const s = await measure("simple", simple, opts.runs, opts.log);
  return {
    singleCore: "decide/wake are synchronous-ish JS on one event loop: one core, no parallelism; the figures are per core",
    params: { users: opts.users, events: opts.events, seed: opts.seed, runs: opts.runs },
    mixed: m,
    simple: s,
    simpleOverMixed: { perCpuSecond: round(s.callsPerCpuSecond / m.callsPerCpuSecond), perWallSecond: round(s.callsPerWallSecond / m.callsPerWallSecond) },
    goals: { atLeast100kDecisionsPerCpuSecondMixed: m.callsPerCpuSecond >= 100_000, atLeast100kDecisionsPerCpuSecondSimple: s.callsPerCpuSecond >= 100_000 },
  };
}

/** One mention per user (user-<k> gets event k), so every event is sent at once on a fresh state. */
function simpleWorkload(events: number, seed: number): BenchWorkload {
  const w = benchWorkload({ users: 1, events, seed });
  const seen = new Set<string>();
  const intents = w.intents.filter((i) => !seen.has(i.eventId) && seen.add(i.eventId));
  const users = intents.map((_, k) => `user-${k}`);
  return { ...w, users, intents: intents.map((i, k) => ({ ...i, userId: users[k], class: "social", topic: "mentions" })) };
}

async function measure(name: string, w: BenchWorkload, runs: number, log: (m: string) => void): Promise<WorkloadFigures> {
  await runBenchWorkload(w); // warm-up
  const all: Array<{ callsPerCpuSecond: number; callsPerWallSecond: number; wallOverCpu: number; gcMs: number; gcCount: number }> = [];
  let out!: Awaited<ReturnType<typeof runBenchWorkload>>;
  for (let k = 0; k < runs; k++) {
    const gc = gcWatch();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    out = await runBenchWorkload(w);
    const wallS = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const cpuS = (cpu.user + cpu.system) / 1e6;
    const calls = out.decideCalls + out.wakeCalls;
    const g = await gc.stop();
    all.push({ callsPerCpuSecond: Math.round(calls / cpuS), callsPerWallSecond: Math.round(calls / wallS), wallOverCpu: round(wallS / cpuS), ...g });
    log(`engine ${name} run ${k + 1}/${runs}: ${calls} calls, ${all[k].callsPerCpuSecond}/cpu-s, ${all[k].callsPerWallSecond}/wall-s, gc ${g.gcMs} ms`);
  }
  const best = all.reduce((a, b) => (b.callsPerCpuSecond > a.callsPerCpuSecond ? b : a));
  let allocation: AllocationProfile | undefined;
  try {
    allocation = await allocationProfile(w, out.decideCalls + out.wakeCalls);
  } catch (err) {
    log(`engine ${name}: no allocation profile (${(err as Error).message})`);
  }
  return {
    ...out,
    callsPerCpuSecond: best.callsPerCpuSecond,
    decisionRecordsPerCpuSecond: Math.round((best.callsPerCpuSecond * out.decisions) / (out.decideCalls + out.wakeCalls)),
    callsPerWallSecond: best.callsPerWallSecond,
    wallOverCpu: best.wallOverCpu,
    gcMs: best.gcMs,
    gcCount: best.gcCount,
    runs: all.map(({ callsPerCpuSecond, callsPerWallSecond }) => ({ callsPerCpuSecond, callsPerWallSecond })),
    ...(allocation ? { allocation } : {}),
  };
}

/** GC pauses between now and stop() (their entries arrive asynchronously: stop waits a tick). */
function gcWatch(): { stop(): Promise<{ gcMs: number; gcCount: number }> } {
  let ms = 0;
  let count = 0;
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      ms += e.duration;
      count++;
    }
  });
  obs.observe({ entryTypes: ["gc"] });
  return {
    async stop() {
      await new Promise((r) => setTimeout(r, 0));
      obs.disconnect();
      return { gcMs: Math.round(ms), gcCount: count };
    },
  };
}

interface ProfileNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: ProfileNode[];
}

async function allocationProfile(w: BenchWorkload, calls: number): Promise<AllocationProfile> {
  const session = new Session();
  session.connect();
  try {
    await session.post("HeapProfiler.startSampling", {
      samplingInterval: 32 * 1024,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    } as never);
    await runBenchWorkload(w);
    const { profile } = (await session.post("HeapProfiler.stopSampling")) as unknown as { profile: { head: ProfileNode } };
    const byFn = new Map<string, number>();
    let total = 0;
    const walk = (n: ProfileNode) => {
      if (n.selfSize > 0) {
        const f = n.callFrame;
        const file = f.url.replace(/^.*\/(packages|node_modules)\//, "$1/");
        const key = `${f.functionName || "(anonymous)"}${file ? ` ${file}` : " (builtin)"}`;
        byFn.set(key, (byFn.get(key) ?? 0) + n.selfSize);
        total += n.selfSize;
      }
      n.children.forEach(walk);
    };
    walk(profile.head);
    const top = [...byFn].sort((a, b) => b[1] - a[1]).slice(0, 8).map(([fn, bytes]) => ({ fn, share: round(bytes / total) }));
    return { bytesPerCall: Math.round(total / calls), top };
  } finally {
    session.disconnect();
  }
}

const round = (n: number) => Math.round(n * 1000) / 1000;
