import { cpus } from "node:os";
import { Worker } from "node:worker_threads";
import { SignJWT } from "jose";
import { rules } from "../infra/manifest.js";
import { startStack } from "../packages/local/src/stack.js";
import { calibrate } from "./ingest.js";
import { countDynamoCalls } from "./notify-dynamo-calls.js";
import type { LiveLoadParams, LiveLoadResult } from "./live-load.js";

/**
 * `npm run bench -- live`: live delivery through the whole local pipeline (HTTP API ->
 * inbox -> sequencer -> log -> broadcaster -> @connections -> WebSocket). D documents, each
 * with S subscribers on real WebSockets and W writers posting paced changes of B ops of
 * ~opBytes of prose, at a total target rate. Measured per (op, subscriber): accept (POST
 * response) -> WebSocket receipt p50/p95/p99, also from POST sent and from the commit
 * (the entry's serverTs); what the subscribers receive per op (frames, bytes, ops per
 * message); and, from the stack's metrics, accept -> commit and the materializer's lag (commit ->
 * the consumers' feed; a state read includes a commit at once: reads go through the log).
 * A short unreported warm-up at the same rate runs first, each phase in its own tenant; a
 * calibration of DynamoDB Local's put rate runs last (the host's speed varies).
 *
 * Flags: --docs 8 --subscribers 2 --writers 1 --batch 10 --opBytes 10 --rate 1000 --seconds 20
 * The default op is 10 characters: real editing inserts 1.0-1.65 characters per op on average
 * (the four traces in shared/traces), so 10 is already generous; `--opBytes 100` is a
 * bulk-insert stress (every document grows 12.5 KB/s), which the search consumer's index
 * writes feel most.
 * Diagnostic: --withoutRules search,notify starts the stack without those event bus rules (their
 * consumers share DynamoDB Local and the CPU with the live path), to tell their cost apart; the
 * figures then are not the whole stack's, and the output says which rules were left out.
 */
export async function main(args: Record<string, string>): Promise<void> {
  const D = Number(args.docs ?? 8);
  const S = Number(args.subscribers ?? 2);
  const W = Number(args.writers ?? 1);
  const B = Number(args.batch ?? 10);
  const opChars = Number(args.opBytes ?? 10);
  const rate = Number(args.rate ?? 1000);
  const seconds = Number(args.seconds ?? 20);
  const log = (m: string) => process.stderr.write(`[bench live] ${m}\n`);
  const withoutRules = (args.withoutRules ?? "").split(",").filter(Boolean);
  for (const name of withoutRules) {
    if (!(name in rules)) throw new Error(`--withoutRules: no bus rule "${name}" (rules: ${Object.keys(rules).join(", ")})`);
    // The stack reads the manifest's rules when it starts: this process only, never the file.
    delete (rules as Record<string, unknown>)[name];
  }

  const stack = await startStack({ port: 0, data: "memory", quiet: true, env: { WEFT_STRUCTURED_LOGS: "off" } });
  const secret = new TextEncoder().encode(process.env.WEFT_JWT_SECRET ?? "weft-local-dev-secret");
  const mint = (tid: string, role?: string) =>
    new SignJWT({ sub: "bench", tid, ...(role ? { role } : {}) }).setProtectedHeader({ alg: "HS256" }).sign(secret);
  const metricsOf = async (tid: string) =>
    (await fetch(`${stack.url}/v1/admin/metrics`, { headers: { authorization: `Bearer ${await mint(tid, "admin")}` } })).json() as Promise<any>;

  const phase = async (name: string, phaseSeconds: number) => {
    const tid = `live-${name}-${Date.now().toString(36)}`;
    const params: LiveLoadParams = {
      url: stack.url,
      token: await mint(tid),
      docs: Array.from({ length: D }, (_, i) => `doc-${i}`),
      subscribersPerDoc: S,
      writersPerDoc: W,
      batch: B,
      opChars,
      durationMs: phaseSeconds * 1000,
      rate,
      runId: name,
      drainMs: 30_000,
    };
    log(`${name}: ${D} docs x ${S} subscribers, ${W} writers x ${B} ops/change, ${rate} ops/s, ${phaseSeconds}s`);
    const load = await runLoad(params);
    // The materializer may trail the broadcaster: wait until every document's state is at its log head.
    const auth = { authorization: `Bearer ${params.token}` };
    for (const doc of params.docs) {
      const head = ((await (await fetch(`${stack.url}/v1/docs/${doc}/ops?limit=1`, { headers: auth })).json()) as { version: number }).version;
      for (const until = Date.now() + 30_000; Date.now() < until; await new Promise((r) => setTimeout(r, 100))) {
        const state = await fetch(`${stack.url}/v1/docs/${doc}`, { headers: auth });
        if (state.ok && ((await state.json()) as { version: number }).version >= head) break;
        if (!state.ok) await state.text();
      }
    }
    const m = await metricsOf(tid);
    log(`${name}: accepted ${load.acceptedOps}, committed ${m.committed}, delivered ${load.deliveries}/${load.expectedDeliveries}`);
    return { load, m };
  };

  await phase("warmup", Math.min(5, seconds));
  const calls = countDynamoCalls(stack.tables);
  const { load, m } = await phase("measured", seconds);
  const dynamo = calls.stop();
  const calibration = await calibrate(stack.dynamoEndpoint, stack.tables.state);
  await stack.stop();

  const accept = pct(load.acceptToReceipt);
  const result = {
    bench: "live",
    machine: { cores: cpus().length, node: process.version },
    params: { docs: D, subscribersPerDoc: S, writersPerDoc: W, opsPerChange: B, opChars, targetOpsPerSec: rate, seconds, withoutRules },
    calibration,
    acceptedOpsPerSec: Math.round(load.acceptedOps / (load.elapsedMs / 1000)),
    committedOps: m.committed,
    acceptToReceiptMs: accept,
    perSubscriberP95Ms: { min: Math.min(...load.perSubscriberP95), max: Math.max(...load.perSubscriberP95) },
    postSentToReceiptMs: pct(load.postToReceipt),
    commitToReceiptMs: pct(load.commitToReceipt),
    acceptToCommitMs: m.sequencerLagMs,
    materializerLagMs: m.materializerLagMs,
    delivery: {
      expected: load.expectedDeliveries,
      delivered: load.deliveries,
      missing: load.expectedDeliveries - load.deliveries,
      duplicates: load.duplicates,
      opsMessages: load.opsMessages,
      opsPerMessage: round(load.deliveries / load.opsMessages),
      messagesPerOpPerSubscriber: round(load.opsMessages / load.deliveries),
      framesPerOpPerSubscriber: round(load.frames / load.deliveries),
      bytesPerOpPerSubscriber: Math.round(load.bytes / load.deliveries),
      framesPerCommittedOp: round(load.frames / load.acceptedOps),
      bytesPerCommittedOp: Math.round(load.bytes / load.acceptedOps),
      maxMessageBytes: load.maxMessageBytes,
    },
    dynamoRequests: {
      perCommittedOp: round(dynamo.total / Math.max(1, m.committed)),
      byTable: byTable(dynamo.byCall, m.committed),
      ...(args.calls ? { byCall: dynamo.byCall } : {}),
    },
    errors: load.errors,
    goals: { p95AcceptToReceiptAtMost300ms: (accept.p95 ?? Infinity) <= 300 },
  };
  console.log(JSON.stringify(result));
}

function runLoad(params: LiveLoadParams): Promise<LiveLoadResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL("./worker-bootstrap.mjs", import.meta.url), {
      workerData: { ...params, __module: new URL("./live-load.ts", import.meta.url).href },
    });
    worker.once("message", resolve);
    worker.once("error", reject);
  });
}

/** Exact percentiles of the samples (ms). */
function pct(samples: number[]): { count: number; p50: number | null; p95: number | null; p99: number | null; max: number | null } {
  const s = [...samples].sort((a, b) => a - b);
  const at = (p: number) => (s.length ? s[Math.ceil(p * s.length) - 1] : null);
  return { count: s.length, p50: at(0.5), p95: at(0.95), p99: at(0.99), max: s.length ? s[s.length - 1] : null };
}

/** Requests per committed op by table (first table named in the call), busiest first. */
function byTable(byCall: Record<string, number>, ops: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [call, n] of Object.entries(byCall)) {
    // "<Operation> <table>[:<kind>],..." or, in a transaction, "<Operation> <Kind>:<table>[:<kind>],...".
    const first = (call.split(" ")[1] ?? "").split(",")[0] ?? "";
    const table = (/^[A-Z]/.test(first) ? first.slice(first.indexOf(":") + 1) : first).split(":")[0] ?? "";
    out[table] = (out[table] ?? 0) + n;
  }
  return Object.fromEntries(Object.entries(out).sort((a, b) => b[1] - a[1]).map(([t, n]) => [t, round(n / Math.max(1, ops))]));
}

const round = (n: number) => Math.round(n * 1000) / 1000;
