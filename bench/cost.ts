import { cpus } from "node:os";
import { Worker } from "node:worker_threads";
import { SignJWT } from "jose";
import { DescribeTableCommand } from "@aws-sdk/client-dynamodb";
import type { DocRef } from "../packages/core/src/doc-ref.js";
import { renderMarkdownReport, toJson, type ProductCost, type UsageLine } from "../packages/core/src/cost/index.js";
import { dynamoClient } from "../packages/functions/src/adapters/dynamo/client.js";
import { traceFile } from "../packages/core/test/traces.js";
import { processUsage } from "../packages/functions/src/adapters/billing/usage-context.js";
import { fakeClock } from "../packages/functions/src/clock.js";
import { DynamoLogStore, LOG_COMPACTION_TIMERS } from "../packages/functions/src/adapters/dynamo/log-store.js";
import { DynamoTimerStore } from "../packages/functions/src/adapters/dynamo/timer-store.js";
import { s3Client } from "../packages/functions/src/adapters/s3/client.js";
import { S3ObjectStore } from "../packages/functions/src/adapters/s3/object-store.js";
import { COMPACT_AFTER_MS } from "../packages/core/src/log/compaction-schedule.js";
import { startStack } from "../packages/local/src/stack.js";
import { ENV, schedules, tables as manifestTables, type TableSpec } from "../infra/manifest.js";
import { DEFAULT_METRICS_FLUSH_MS } from "../packages/core/src/metrics/recorder.js";
import type { CostLoadTask } from "./cost-load.js";
import { PRODUCTS, productUsers } from "./cost-products.js";
import { priceProduct, STORAGE_HORIZON_DAYS, TABLE_RETENTION_DAYS, type MeasuredRun } from "./cost-price.js";
import { growthRetentionDays, scanItems, type TableItems } from "./cost-ttl-growth.js";
import { calibrate } from "./ingest.js";

/**
 * `npm run bench -- cost`: what each product Weft serves would cost on AWS per month.
 *
 * For each product of cost-products.ts: its users and documents are set up (not metered), the
 * scheduled functions' idle usage is measured (locally they poll every few hundred ms; on AWS
 * they loop once a minute: priced as fixed monthly usage, not per event), then its workload runs
 * for `--seconds` through the real handlers on the local stack, in process, from a worker thread,
 * and every billable unit is counted where it is spent (packages/functions/src/adapters/billing).
 * The usage per product event is priced at the product's average and peak rates (cost-price.ts).
 *
 * Each workload first runs `--warmup` seconds unmeasured (editing sessions, notices and users'
 * notification state already open, as in steady state), then `--seconds` measured.
 *
 * Flags: --products document,collab-notifications,notifications --seconds 30 --warmup 15
 *        --sendInterval 0 (the editors' SDK sendIntervalMs, ms) --json
 *        --transport rooms (documents through the room tier, docs/rooms.md) | http (changes POSTed,
 *        live delivery through the API Gateway WebSocket API and the broadcaster function)
 *        --roomTasks 6 (room tasks in the stack: DEFAULT_ROOM_TASKS; a document's members are
 *        spread over them, so changes are forwarded to the document's owner and delivered
 *        across tasks, as on AWS behind the load balancer: docs/rooms.md "Ownership")
 *        --stage production (tables billed as deployed on that stage: provisioned where the
 *        manifest says so on production, on-demand on any other stage)
 *        --logWriter off | shadow | on (the log writer's shadow of the log from the committed stream,
 *        docs/durable-order.md: its streamLog writes and invocations join the bill when on)
 * Without --json: the report as Markdown on stdout; with it, one JSON line. Progress on stderr.
 */
/**
 * Room tasks the bench runs by default: as many as a document of the products has members (5
 * and 6), so each member's socket is on a task of its own, as behind a load balancer over the
 * hundreds of tasks the document product needs (a document's clients share a task by chance
 * only). One task (before 2026-12-07) left every change on its document's task and every
 * delivery local: the document product measured ~$20K a month below its cost on several tasks
 * without ownership (docs/cost.md, cut 34).
 */
const DEFAULT_ROOM_TASKS = 6;

export async function main(args: Record<string, string>): Promise<void> {
  const log = (m: string) => process.stderr.write(`[bench cost] ${m}\n`);
  const seconds = Number(args.seconds ?? 30);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new Error(`--seconds: expected a positive number, got ${args.seconds}`);
  const sendIntervalMs = Number(args.sendInterval ?? 0);
  if (!Number.isFinite(sendIntervalMs) || sendIntervalMs < 0) throw new Error(`--sendInterval: expected ms >= 0, got ${args.sendInterval}`);
  const stage = args.stage ?? "production";
  const transport = args.transport ?? "rooms";
  if (transport !== "rooms" && transport !== "http") throw new Error(`--transport: expected rooms or http, got ${args.transport}`);
  const roomTasks = Number(args.roomTasks ?? DEFAULT_ROOM_TASKS);
  if (!Number.isInteger(roomTasks) || roomTasks < 1) throw new Error(`--roomTasks: expected a whole number >= 1, got ${args.roomTasks}`);
  const warmup = Number(args.warmup ?? 15);
  if (!Number.isFinite(warmup) || warmup < 0) throw new Error(`--warmup: expected a number of seconds >= 0, got ${args.warmup}`);
  // The log writer's shadow (docs/durable-order.md) is not in the deployed design's bill: off unless asked for.
  const logWriter = args.logWriter ?? "off";
  if (logWriter !== "off" && logWriter !== "shadow" && logWriter !== "on") throw new Error(`--logWriter: expected off, shadow or on, got ${args.logWriter}`);
  const wanted = args.products ? args.products.split(",") : PRODUCTS.map((p) => p.id);
  for (const id of wanted) if (!PRODUCTS.some((p) => p.id === id)) throw new Error(`--products: unknown product "${id}" (${PRODUCTS.map((p) => p.id).join(", ")})`);
  const trace = traceFile("automerge-paper");
  if (!trace.present) throw new Error("bench cost types the automerge-paper trace: ../shared/traces/automerge-paper.json.gz is missing");
  const keystrokes = trace.load().txns.flatMap((t) => t.patches.map(([, del, ins]) => [del, ins] as [number, string]));

  log("starting the local stack");
  // Handlers' log lines are counted (CloudWatch Logs ingestion) but kept off stdout.
  // Metrics flushed on the deployed interval, not the local stack's every-invocation default.
  // All functions share one recorder here (one process) while each AWS container has its own,
  // so the bench's counter writes are a lower bound of AWS's: (containers / interval) per tenant.
  // The handlers' clock is the stack's fake clock, moved by `pump` at real speed, or faster
  // while a product with a `clockSpeed` runs (cost-products.ts).
  const stack = await startStack({ port: 0, data: "memory", quiet: true, handlerLogs: "count-only", roomTasks, env: { [ENV.metricsFlushMs]: String(DEFAULT_METRICS_FLUSH_MS), WEFT_FAKE_CLOCK: "1", WEFT_METER_CONTAINER_CPU: transport === "rooms" ? "1" : "0", [ENV.logWriter]: logWriter } });
  const pump = clockPump();
  const secret = new TextEncoder().encode(process.env.WEFT_JWT_SECRET ?? "weft-local-dev-secret");
  const costs: ProductCost[] = [];
  const runs: Record<string, unknown> = {};
  const dynamo = dynamoClient(stack.dynamoEndpoint);
  // Tables with a TTL: item by item, how long what the run wrote stays (cost-ttl-growth.ts).
  const ttlTables = Object.entries(manifestTables as Record<string, TableSpec>).flatMap(([name, spec]) => (spec.ttl ? [{ name, physical: stack.tables[name as keyof typeof stack.tables], ttl: spec.ttl }] : []));
  const s3 = s3Client(stack.s3.endpoint);
  const bucketStores = Object.fromEntries(Object.entries(stack.buckets).map(([name, bucket]) => [name, new S3ObjectStore({ client: s3, bucket })]));
  const logCompaction = {
    timers: new DynamoTimerStore({ client: dynamo, table: stack.tables.state, ...LOG_COMPACTION_TIMERS }),
    log: new DynamoLogStore({ client: dynamo, table: stack.tables.log, segmentObjects: bucketStores.segments }),
  };
  /** Bytes stored in each manifest bucket (by its logical name). */
  const bucketBytes = async () => {
    const out: Record<string, number> = {};
    for (const [name, store] of Object.entries(bucketStores)) {
      out[name] = 0;
      for await (const o of store.list("")) out[name] += o.size;
    }
    return out;
  };
  const ttlItems = async () => new Map(await Promise.all(ttlTables.map(async (t) => [t.name, await scanItems(dynamo, t.physical, t.ttl)] as const)));
  const tableBytes = async () =>
    Object.fromEntries(
      await Promise.all(
        Object.values(stack.tables).map(async (t) => [t, (await dynamo.send(new DescribeTableCommand({ TableName: t }))).Table?.TableSizeBytes ?? 0] as const),
      ),
    );
  try {
    for (const product of PRODUCTS.filter((p) => wanted.includes(p.id))) {
      if (product.notYet || !product.load || !product.setup) {
        costs.push(priceProduct(product, undefined));
        continue;
      }
      const tenant = `cost-${product.id}-${Date.now().toString(36)}`;
      const mint = (sub: string, role?: string) =>
        new SignJWT({ sub, tid: tenant, ...(role ? { role } : {}) }).setProtectedHeader({ alg: "HS256" }).setIssuedAt().setExpirationTime("30d").sign(secret);
      log(`${product.id}: setting up`);
      await product.setup(setupContext(stack.url, tenant, mint));
      const tokens = Object.fromEntries(await Promise.all(productUsers(product.id).map(async (u) => [u, await mint(u)] as const)));
      await quiet();
      const idle = await idleUsage(5_000);
      log(`${product.id}: ${warmup} s of warm-up, then ${seconds} s of load`);
      let bytesBefore: Record<string, number> = {};
      let bucketBefore: Record<string, number> = {};
      let itemsBefore = new Map<string, TableItems>();
      let started = Date.now();
      let compacted = new Map<string, { doc: DocRef; through: number }>();
      const task = product.load({ url: stack.url, tokens, serviceToken: await mint("bench-backend", "service"), keystrokes, seconds, warmupSeconds: warmup, sendIntervalMs, ...(transport === "rooms" ? { roomsUrl: stack.roomsUrl, roomsUrls: stack.roomsUrls } : {}), runId: Date.now().toString(36) });
      pump.speed(product.clockSpeed ?? 1);
      const { result: loadResult, worker } = await runLoad(
        task,
        async () => {
          // What the setup and the warm-up appended is compacted now, unmeasured: the run's
          // compaction (below) then bills what the measured seconds appended, not more.
          compacted = await compactPending(logCompaction);
          // The bench's own scans (metered, as any call in this process) before the reset.
          bytesBefore = await tableBytes();
          bucketBefore = await bucketBytes();
          itemsBefore = await ttlItems();
          processUsage.reset();
          started = Date.now();
        },
        () => pump.speed(1),
      );
      const load = loadResult as { events: Record<string, number> } & Record<string, unknown>;
      pump.speed(1);
      await quiet();
      const elapsedMs = Date.now() - started;
      const measured = withoutIdle(processUsage.snapshot(), idle, elapsedMs);
      const itemsAfter = await ttlItems();
      const bytesAfter = await tableBytes();
      const endedAt = pump.now();
      // The load's sockets close only now, measured: their disconnects are once per session
      // (docs/cost.md "How it measures"), not the load's to bill per event.
      await worker.terminate();
      // The log compactor's run over what the load appended, a day later as on AWS (the clock
      // jumps; the other functions' work in that day is not this run's): its usage joins the
      // run's, and the log table's growth is measured after it (segments kept, batch items 7 days).
      const compaction = await runCompaction(pump, logCompaction, idle, compacted, product.logOpsPerCompaction);
      const usage = [...measured, ...compaction];
      itemsAfter.set("log", await scanItems(dynamo, stack.tables.log, "expiresAt"));
      bytesAfter[stack.tables.log] = (await tableBytes())[stack.tables.log];
      const tableGrowth = Object.fromEntries(Object.keys(bytesAfter).map((t) => [t, Math.max(0, bytesAfter[t] - (bytesBefore[t] ?? 0))]));
      const bucketAfter = await bucketBytes();
      const bucketGrowth = Object.fromEntries(Object.keys(bucketAfter).map((b) => [b, Math.max(0, bucketAfter[b] - (bucketBefore[b] ?? 0))]));
      const retentionDays = Object.fromEntries(
        ttlTables.flatMap((t) => {
          const days = growthRetentionDays(itemsBefore.get(t.name) ?? new Map(), itemsAfter.get(t.name)!, endedAt, TABLE_RETENTION_DAYS[t.name] ?? "forever", STORAGE_HORIZON_DAYS);
          return days === undefined ? [] : [[t.name, Math.round(days * 10) / 10]];
        }),
      );
      const events = Object.values(load.events).reduce((s, n) => s + n, 0);
      // The materializer's lag (commit -> the consumers' feed: reads go through the log and do not
      // wait for it) of every batch of the product's tenant (warm-up included), from the admin metrics.
      const metrics = await fetch(`${stack.url}/v1/admin/metrics`, { headers: { authorization: `Bearer ${await mint("bench-admin", "admin")}` } });
      const materializerLagMs = metrics.ok ? ((await metrics.json()) as { materializerLagMs?: unknown }).materializerLagMs : undefined;
      const run: MeasuredRun = { events, eventsByKind: load.events, usage, idle, elapsedMs, tableGrowth, bucketGrowth, retentionDays, load };
      costs.push(priceProduct(product, run, stage));
      runs[product.id] = { events, eventsByKind: load.events, elapsedMs, tableGrowth, bucketGrowth, retentionDays, load: summarizeLoad(load), materializerLagMs, usage };
      log(`${product.id}: ${events} events in ${Math.round(elapsedMs / 1000)} s`);
    }
  } finally {
    pump.stop();
    const calibration = await calibrate(stack.dynamoEndpoint, stack.tables.state);
    dynamo.destroy();
    s3.destroy();
    await stack.stop();
    if (args.json !== undefined) {
      console.log(JSON.stringify({ bench: "cost", machine: { cores: cpus().length, node: process.version }, calibration, seconds, warmup, sendIntervalMs, transport, roomTasks, stage, ...toJson(costs), runs }));
    } else {
      console.log(`# What each product would cost on AWS\n\n\`npm run bench -- cost\`, ${seconds} s of each workload after ${warmup} s of warm-up, editors' sendIntervalMs ${sendIntervalMs}, documents through ${transport === "rooms" ? `the room tier (docs/rooms.md; ${roomTasks} task${roomTasks === 1 ? "" : "s"})` : "HTTP and the API Gateway WebSocket API"}, tables billed as on stage ${stage}, calibration ${calibration.dynamoLocalPutsPerSec} DynamoDB Local puts/s.\n`);
      console.log(renderMarkdownReport(costs));
      console.log(renderLoads(runs));
    }
  }
}

type LogCompaction = { timers: DynamoTimerStore; log: DynamoLogStore };

/**
 * Compacts every document with a compaction timer pending, leaving the timers (the bench's own,
 * before measuring); returns how far each one's log is compacted now.
 */
async function compactPending(c: LogCompaction): Promise<Map<string, { doc: DocRef; through: number }>> {
  const done = new Map<string, { doc: DocRef; through: number }>();
  for (const { doc } of await c.timers.due(Number.MAX_SAFE_INTEGER, 100_000)) {
    const key = `${doc.tenant}/${doc.docId}`;
    if (done.has(key)) continue;
    done.set(key, { doc, through: (await c.log.compact(doc)).through });
  }
  return done;
}

/**
 * The log compactor's usage that comes once per compaction, whatever its size: its invocation
 * and schedule, the segment's S3 PUT, and its writes to the log table (the segment item, the
 * tail's TTL taken off and the previous tail's given back). Its reads of the batch items and
 * its Lambda time grow with the ops compacted and are billed as measured.
 */
const PER_COMPACTION_UNITS = new Set<string>(["s3.putRequests", "dynamodb.writeUnits", "lambda.invocations", "scheduler.invocations"]);

/**
 * Moves the clock past every pending compaction timer (a day and an hour), waits until the
 * scheduled log compactor has run them all and the pipeline is quiet, and returns the log
 * compactor's usage in that time, less its idle polling.
 *
 * The load appends ~30 s of typing per document, where on AWS a compaction takes a day's or
 * 10,000 ops (core log/compaction-schedule.ts): with the product's `logOpsPerCompaction`, the
 * usage that comes once per compaction is scaled by (ops per compaction here) / (that).
 */
async function runCompaction(
  pump: ReturnType<typeof clockPump>,
  c: LogCompaction,
  idle: UsageLine[],
  compacted: ReadonlyMap<string, { doc: DocRef; through: number }>,
  opsPerCompactionAtScale: number | undefined,
): Promise<UsageLine[]> {
  let ops = 0;
  let compactions = 0;
  for (const { doc, through } of compacted.values()) {
    const appended = (await c.log.head(doc)).seq - through;
    ops += appended;
    if (appended > 0) compactions++;
  }
  processUsage.reset();
  const started = Date.now();
  pump.jump(COMPACT_AFTER_MS + 3_600_000);
  const deadline = Date.now() + 300_000;
  while ((await c.timers.due(pump.now(), 1)).length > 0) {
    if (Date.now() > deadline) throw new Error("bench cost: the log compactor did not run its due timers within 300 s");
    await new Promise((r) => setTimeout(r, 250));
  }
  await quiet();
  const compactor = withoutIdle(processUsage.snapshot().filter((l) => l.fn === "logCompactor"), idle, Date.now() - started);
  if (!opsPerCompactionAtScale || compactions === 0) return compactor;
  const scale = Math.min(1, ops / compactions / opsPerCompactionAtScale);
  return compactor.map((l) => (PER_COMPACTION_UNITS.has(l.unit) ? { ...l, quantity: l.quantity * scale } : l));
}

/** The idle usage of the scheduled functions per ms, measured with nothing else running. */
async function idleUsage(ms: number): Promise<UsageLine[]> {
  processUsage.reset();
  await new Promise((r) => setTimeout(r, ms));
  const scheduled = new Set(Object.values(schedules).map((s) => s.function as string));
  return processUsage
    .snapshot()
    .filter((l) => scheduled.has(l.fn))
    .map((l) => ({ ...l, quantity: l.quantity / ms }));
}

/** `usage` less the scheduled functions' idle usage over `elapsedMs` (never below zero). */
function withoutIdle(usage: UsageLine[], idlePerMs: UsageLine[], elapsedMs: number): UsageLine[] {
  return usage
    .map((l) => {
      const idle = idlePerMs.find((i) => i.unit === l.unit && i.fn === l.fn && i.resource === l.resource);
      return idle ? { ...l, quantity: Math.max(0, l.quantity - idle.quantity * elapsedMs) } : l;
    })
    .filter((l) => l.quantity > 0);
}

/**
 * Waits until the pipeline has settled: no DynamoDB write by any function for 3 s in a row
 * (idle scheduled functions only read), at most 120 s.
 */
async function quiet(): Promise<void> {
  const deadline = Date.now() + 120_000;
  let last = -1;
  let stableSince = Date.now();
  while (Date.now() < deadline) {
    const writes = processUsage.total("dynamodb.writeUnits");
    if (writes !== last) {
      last = writes;
      stableSince = Date.now();
    } else if (Date.now() - stableSince >= 3_000) return;
    await new Promise((r) => setTimeout(r, 250));
  }
}

function setupContext(url: string, tenant: string, mint: (sub: string, role?: string) => Promise<string>) {
  const counters = new Map<string, number>();
  const request = async (method: string, path: string, token: string, body?: unknown) => {
    const r = await fetch(`${url}${path}`, { method, headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await r.text();
    if (r.status >= 300) throw new Error(`setup ${method} ${path}: ${r.status} ${text.slice(0, 300)}`);
    return text ? (JSON.parse(text) as unknown) : undefined;
  };
  return {
    url,
    tenant,
    token: mint,
    request,
    async post(userId: string, docId: string, ops: Array<Record<string, unknown>>) {
      const clientId = `setup_${userId}`.replace(/[^A-Za-z0-9_-]/g, "_");
      const start = counters.get(`${clientId}/${docId}`) ?? 0;
      counters.set(`${clientId}/${docId}`, start + ops.length);
      const body = { clientId, base: 0, ops: ops.map((op, i) => ({ ...op, id: `${clientId}-${docId}-${start + i + 1}`, seq: start + i + 1 })) };
      await request("POST", `/v1/docs/${docId}/ops`, await mint(userId), body);
    },
  };
}

/**
 * Moves the stack's fake clock every 50 ms by the real time passed times `speed` (never back),
 * so at speed 1 the handlers see real time, and faster a simulated day passes in seconds.
 */
function clockPump(): { speed(s: number): void; jump(ms: number): void; now(): number; stop(): void } {
  const clock = fakeClock();
  let speed = 1;
  let last = Date.now();
  const tick = () => {
    const now = Date.now();
    clock.advance(Math.round((now - last) * speed));
    last = now;
  };
  const timer = setInterval(tick, 50);
  return {
    speed(s: number) {
      tick();
      speed = s;
    },
    jump(ms: number) {
      tick();
      clock.advance(ms);
    },
    now: () => clock.now(),
    stop: () => clearInterval(timer),
  };
}

/**
 * Runs the load in a worker; `onMeasuring` when its warm-up ends, `onSendingDone` after its last
 * event; resolves with its result and the worker, which keeps the load's sockets open until the
 * caller terminates it.
 */
function runLoad(task: CostLoadTask, onMeasuring: () => Promise<void>, onSendingDone: () => void): Promise<{ result: unknown; worker: Worker }> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL("./worker-bootstrap.mjs", import.meta.url), {
      workerData: { ...task, __module: new URL("./cost-load.ts", import.meta.url).href },
    });
    // A load that failed leaves its worker (and sockets) behind: it must not keep the bench alive.
    worker.unref();
    let measuring: Promise<void> = Promise.resolve();
    worker.on("message", (m: { measuring?: true; sendingDone?: true; result?: unknown }) => {
      if (m.measuring) measuring = onMeasuring();
      else if (m.sendingDone) onSendingDone();
      else measuring.then(() => resolve({ result: m.result, worker }), reject);
    });
    worker.once("error", reject);
  });
}

/** The load's figures without its raw samples: counts, and latency percentiles. */
function summarizeLoad(load: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(load)) out[k] = Array.isArray(v) && typeof v[0] === "number" ? pct(v as number[]) : v;
  return out;
}

function pct(samples: number[]): { count: number; p50: number | null; p95: number | null; p99: number | null } {
  const s = [...samples].sort((a, b) => a - b);
  const at = (p: number) => (s.length ? s[Math.ceil(p * s.length) - 1] : null);
  return { count: s.length, p50: at(0.5), p95: at(0.95), p99: at(0.99) };
}

function renderLoads(runs: Record<string, unknown>): string {
  const lines = ["## The workloads as measured", ""];
  for (const [id, r] of Object.entries(runs) as Array<[string, { events: number; eventsByKind: Record<string, number>; elapsedMs: number; load: Record<string, unknown> }]>) {
    lines.push(`- **${id}**: ${r.events} events in ${Math.round(r.elapsedMs / 1000)} s (${Object.entries(r.eventsByKind).map(([k, n]) => `${k} ${n}`).join(", ")}); ${JSON.stringify(r.load)}`);
  }
  return lines.join("\n");
}

