import { cpus } from "node:os";
import { Worker } from "node:worker_threads";
import { PutItemCommand } from "@aws-sdk/client-dynamodb";
import { SignJWT } from "jose";
import { dynamoClient } from "../packages/functions/src/adapters/dynamo/client.js";
import { startStack } from "../packages/local/src/stack.js";
import { wiring } from "../packages/functions/src/wiring.js";
import type { LoadParams, LoadResult } from "./ingest-load.js";

/**
 * `npm run bench -- ingest`: K documents x W writers sending changes of B ops of ~1 KiB of
 * real prose, against the local stack (DynamoDB Local, stream poller, HTTP gateway). Two
 * phases, each in its own tenant so their counters stay apart:
 *  1. throughput: writers as fast as they go for --seconds; accepted and committed ops/s;
 *  2. latency: a paced --rate ops/s (default 1,000); accept -> commit lag p50/p95/p99 from
 *     the sequencer's own histogram.
 * Write/read units come from ReturnConsumedCapacity on every DynamoDB call the stack made.
 * A short unreported warm-up runs first; a calibration of DynamoDB Local's raw put rate runs
 * last, so runs on a shared host (whose speed varies) can be compared.
 */
export async function main(args: Record<string, string>): Promise<void> {
  const K = Number(args.docs ?? 16);
  const W = Number(args.writers ?? 1);
  const B = Number(args.batch ?? 50);
  const seconds = Number(args.seconds ?? 20);
  const rate = Number(args.rate ?? 1000);
  const opChars = Number(args.opBytes ?? 1000);
  const log = (m: string) => process.stderr.write(`[bench ingest] ${m}\n`);

  const stack = await startStack({ port: 0, data: "memory", quiet: true, env: { WEFT_STRUCTURED_LOGS: "off" } });
  const { meter } = wiring();
  const secret = new TextEncoder().encode(process.env.WEFT_JWT_SECRET ?? "weft-local-dev-secret");
  const mint = (tid: string, role?: string) =>
    new SignJWT({ sub: "bench", tid, ...(role ? { role } : {}) }).setProtectedHeader({ alg: "HS256" }).sign(secret);
  const metricsOf = async (tid: string) =>
    (await fetch(`${stack.url}/v1/admin/metrics`, { headers: { authorization: `Bearer ${await mint(tid, "admin")}` } })).json() as Promise<any>;

  const phase = async (name: string, phaseRate: number, phaseSeconds = seconds) => {
    const tid = `bench-${name}-${Date.now().toString(36)}`;
    const params: LoadParams = {
      url: stack.url,
      token: await mint(tid),
      docs: Array.from({ length: K }, (_, i) => `doc-${i}`),
      writersPerDoc: W,
      batch: B,
      opChars,
      durationMs: phaseSeconds * 1000,
      rate: phaseRate,
      runId: name,
    };
    meter.reset();
    log(`${name}: ${K} docs x ${W} writers x ${B} ops/change, ${phaseSeconds}s, rate ${phaseRate || "max"}`);
    const load = await runLoad(params);
    const atLoadEnd = await metricsOf(tid);
    const drainStart = Date.now();
    let m = atLoadEnd;
    // Drained when every op the API accepted is committed or rejected.
    while (m.committed + sum(m.rejected) < load.acceptedOps && Date.now() - drainStart < 120_000) {
      await new Promise((r) => setTimeout(r, 100));
      m = await metricsOf(tid);
    }
    const drainMs = Date.now() - drainStart;
    const cap = meter.snapshot();
    log(`${name}: accepted ${load.acceptedOps}, committed ${m.committed}, drained in ${drainMs} ms`);
    return { load, atLoadEnd, final: m, drainMs, cap };
  };

  // JIT warm-up of Node and of DynamoDB Local's JVM; not reported.
  await phase("warmup", 0, Math.min(5, seconds));
  const tput = await phase("throughput", 0);
  const lat = await phase("latency", rate);
  const calibration = await calibrate(stack.dynamoEndpoint, stack.tables.state);
  log(`calibration: DynamoDB Local takes ${calibration.dynamoLocalPutsPerSec} PutItem/s of 4 KB at concurrency 16`);
  await stack.stop();

  const perOp = (cap: ReturnType<typeof meter.snapshot>, ops: number) => ({
    writeUnits: round(cap.total.write / ops),
    readUnits: round(cap.total.read / ops),
    byTable: Object.fromEntries(
      Object.entries(cap.byTable).map(([t, v]) => [t, { write: round(v.write / ops), read: round(v.read / ops) }]),
    ),
  });
  const seconds_ = tput.load.elapsedMs / 1000;
  const result = {
    bench: "ingest",
    machine: { cores: cpus().length, node: process.version },
    params: { docs: K, writersPerDoc: W, opsPerChange: B, opChars, seconds, latencyRate: rate },
    calibration,
    throughput: {
      acceptedOpsPerSec: Math.round(tput.load.acceptedOps / seconds_),
      committedOpsPerSec: Math.round(tput.atLoadEnd.committed / seconds_),
      committedOpsPerSecIncludingDrain: Math.round(tput.final.committed / (seconds_ + tput.drainMs / 1000)),
      drainMsAfterLoad: tput.drainMs,
      lagMs: tput.final.sequencerLagMs,
      errors: tput.load.errors,
    },
    latencyAtRate: {
      targetOpsPerSec: rate,
      acceptedOpsPerSec: Math.round(lat.load.acceptedOps / (lat.load.elapsedMs / 1000)),
      lagMs: lat.final.sequencerLagMs,
      errors: lat.load.errors,
    },
    capacityPerCommittedOp: perOp(tput.cap, tput.final.committed),
    httpRequestsPerOp: {
      ingest: round(tput.load.postRequests / tput.load.acceptedOps),
      headTracking: round(tput.load.trackerRequests / tput.load.acceptedOps),
    },
    goals: {
      committedOpsPerSecAtLeast5000: tput.atLoadEnd.committed / seconds_ >= 5000,
      p95LagAtRateAtMost250ms: (lat.final.sequencerLagMs.p95 ?? Infinity) <= 250,
      writeUnitsPerOpAtMost1_5: tput.cap.total.write / tput.final.committed <= 1.5,
    },
  };
  console.log(JSON.stringify(result));
}

/**
 * How fast this host runs DynamoDB Local right now (raw 4 KB PutItems, 16 in flight, 3 s).
 * Shared 2-core hosts vary several-fold over time; this figure, measured in the same run,
 * is what makes results from different runs comparable.
 */
export async function calibrate(endpoint: string, table: string): Promise<{ dynamoLocalPutsPerSec: number }> {
  const client = dynamoClient(endpoint);
  const blob = new Uint8Array(4096).fill(7);
  let n = 0;
  const end = Date.now() + 3000;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (Date.now() < end) {
        const i = n++;
        await client.send(
          new PutItemCommand({ TableName: table, Item: { pk: { S: `calibration#${i % 16}` }, sk: { S: String(i) }, b: { B: blob } } }),
        );
      }
    }),
  );
  client.destroy();
  return { dynamoLocalPutsPerSec: Math.round(n / 3) };
}

function runLoad(params: LoadParams): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL("./worker-bootstrap.mjs", import.meta.url), {
      workerData: { ...params, __module: new URL("./ingest-load.ts", import.meta.url).href },
    });
    worker.once("message", resolve);
    worker.once("error", reject);
  });
}

const sum = (o: Record<string, number> | undefined) => Object.values(o ?? {}).reduce((a, b) => a + b, 0);
const round = (n: number) => Math.round(n * 1000) / 1000;
