import { Worker } from "node:worker_threads";
import { countDynamoCalls } from "./notify-dynamo-calls.js";
import type { NotifyLiveParams, NotifyLiveResult } from "./notify-live-load.js";

/**
 * Part (2) of `bench notify`: event -> in-app WebSocket receipt on the local stack running in
 * this process. U users on real WebSockets and one-recipient `POST /v1/notify` events paced
 * at R/s for S s, driven from a worker thread (bench/notify-live-load.ts) after an unreported
 * 3 s warm-up in another tenant. Besides the latencies, what one event costs the stack: this
 * process's CPU (stack and load thread together), DynamoDB requests by operation and units.
 */
export async function liveFigures(opts: {
  url: string;
  tables: Record<string, string>;
  users: number;
  rate: number;
  seconds: number;
  mint: (tid: string, sub: string, role?: string) => Promise<string>;
  log: (m: string) => void;
}) {
  const { users, rate, seconds, log } = opts;
  const { wiring } = await import("../packages/functions/src/wiring.js");
  const phase = async (name: string, phaseSeconds: number) => {
    const tid = `notify-live-${name}-${Date.now().toString(36)}`;
    const params: NotifyLiveParams = {
      url: opts.url,
      adminToken: await opts.mint(tid, "bench-admin", "admin"),
      users: await Promise.all(Array.from({ length: users }, async (_, i) => ({ userId: `lu${i}`, token: await opts.mint(tid, `lu${i}`) }))),
      rate,
      durationMs: phaseSeconds * 1000,
      runId: name,
      drainMs: 30_000,
    };
    log(`live ${name}: ${users} users on WebSockets, ${rate} events/s for ${phaseSeconds} s`);
    let calls!: ReturnType<typeof countDynamoCalls>;
    let units0!: { read: number; write: number };
    let cpu0!: NodeJS.CpuUsage;
    let units1!: { read: number; write: number };
    let cpu!: NodeJS.CpuUsage;
    let dynamo!: ReturnType<ReturnType<typeof countDynamoCalls>["stop"]>;
    const load = await runLoad(params, {
      start: () => {
        calls = countDynamoCalls(opts.tables);
        units0 = wiring().meter.snapshot().total;
        cpu0 = process.cpuUsage();
      },
      end: () => {
        cpu = process.cpuUsage(cpu0);
        units1 = wiring().meter.snapshot().total;
        dynamo = calls.stop();
      },
    });
    log(`live ${name}: sent ${load.sent}, accepted ${load.accepted}, received ${load.received}, duplicates ${load.duplicates}`);
    const per = (x: number) => round(x / Math.max(1, load.accepted));
    const cost = {
      note:
        "per accepted event, from the first POST to the end of the drain (sockets already open); includes the stack's background work meanwhile (schedules polling their timers every 250 ms, stream pollers)",
      processCpuMs: per((cpu.user + cpu.system) / 1000),
      dynamoRequests: per(dynamo.total),
      dynamoRequestsByCall: Object.fromEntries(Object.entries(dynamo.byCall).map(([k, n]) => [k, per(n)])),
      dynamoUnits: { read: per(units1.read - units0.read), write: per(units1.write - units0.write) },
    };
    return { load, cost };
  };
  await phase("warmup", Math.min(3, seconds));
  const { load, cost } = await phase("measured", seconds);
  const receipt = pct(load.postToReceiptMs);
  return {
    params: { users, targetEventsPerSec: rate, seconds, recipientsPerEvent: 1, class: "transactional", topic: "tasks" },
    sentEventsPerSec: round(load.sent / (load.elapsedMs / 1000)),
    postSentToReceiptMs: receipt,
    acceptMs: pct(load.acceptMs),
    acceptToReceiptMs: pct(load.acceptToReceiptMs),
    receivedBeforeAccept: load.receivedBeforeAccept,
    delivery: { sent: load.sent, accepted: load.accepted, received: load.received, missing: load.accepted - load.received, duplicates: load.duplicates, misrouted: load.misrouted },
    refused: load.refused,
    ...(load.refusedSamples.length ? { refusedSamples: load.refusedSamples } : {}),
    framesByType: load.frames,
    maxInFlight: load.maxInFlight,
    drainedMs: load.drainedMs,
    cost,
    goals: { p95PostToReceiptAtMost500ms: (receipt.p95 ?? Infinity) <= 500 },
  };
}

/** Runs the load worker; `start` runs once its sockets are open, `end` once its events are drained. */
function runLoad(params: NotifyLiveParams, meter: { start(): void; end(): void }): Promise<NotifyLiveResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL("./worker-bootstrap.mjs", import.meta.url), {
      workerData: { ...params, __module: new URL("./notify-live-load.ts", import.meta.url).href },
    });
    let result: NotifyLiveResult | undefined;
    worker.on("message", (m: "ready" | "closed" | NotifyLiveResult) => {
      if (m === "ready") {
        meter.start();
        worker.postMessage("go");
      } else if (m === "closed") {
        resolve(result!);
        void worker.terminate();
      } else {
        meter.end();
        result = m;
        worker.postMessage("close");
      }
    });
    worker.once("error", reject);
  });
}

/** Exact percentiles of the samples, rounded to 0.1 ms. */
function pct(samples: number[]): { count: number; p50: number | null; p95: number | null; p99: number | null; max: number | null } {
  const s = [...samples].sort((a, b) => a - b);
  const at = (p: number) => (s.length ? Math.round(s[Math.ceil(p * s.length) - 1] * 10) / 10 : null);
  return { count: s.length, p50: at(0.5), p95: at(0.95), p99: at(0.99), max: at(1) };
}

const round = (n: number) => Math.round(n * 1000) / 1000;
