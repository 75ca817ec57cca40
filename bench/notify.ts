import { cpus, loadavg } from "node:os";
import { SignJWT } from "jose";
import { startStack } from "../packages/local/src/stack.js";
import { calibrate } from "./ingest.js";
import { engineFigures } from "./notify-engine.js";
import { fanoutFigures } from "./notify-fanout.js";
import { liveFigures } from "./notify-live.js";

/**
 * `npm run bench -- notify`: the notification engine's figures (docs: issue 4, "Benchmarks").
 * 1. engine: decide + wake calls per CPU-second and per wall second, in process, one core, for
 *    the realistic mix and for single events sent at once (bench/notify-engine.ts).
 * 2. live: event -> in-app WebSocket receipt on the local stack, in process: U users on real
 *    WebSockets, one-recipient `POST /v1/notify` events paced at R/s for S s; POST sent ->
 *    receipt p50/p95/p99/max, the 202's latency, missing and duplicate receipts, and what one
 *    event costs (bench/notify-live.ts).
 * 3. fanout: one event to N recipients (bench/notify-fanout.ts), POST -> every chunk decided,
 *    on a stack without the fan-out spread window. The default N is small enough to finish in a
 *    few minutes on a 2-core machine; the 100,000-recipient time is then extrapolated from the
 *    measured rate and labelled so (`--fanout 100000` measures it).
 *
 * Flags: --only engine,live,fanout --events 100000 --engineUsers 1000 --seed 1 --runs 3
 *        --users 100 --rate 50 --seconds 20 --fanout 10000 --fanoutTimeout 3600 (seconds; cut short, the rate so far is reported)
 * One JSON line on stdout; progress on stderr.
 */
export async function main(args: Record<string, string>): Promise<void> {
  const log = (m: string) => process.stderr.write(`[bench notify] ${m}\n`);
  const only = new Set((args.only ?? "engine,live,fanout").split(","));
  for (const part of only) if (!["engine", "live", "fanout"].includes(part)) throw new Error(`--only: unknown part "${part}" (engine, live, fanout)`);
  const num = (name: string, dflt: number) => {
    const v = args[name] === undefined ? dflt : Number(args[name]);
    if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name}: expected a positive number, got ${args[name]}`);
    return v;
  };
  const users = num("users", 100);
  const rate = num("rate", 50);
  const seconds = num("seconds", 20);
  const fanoutN = num("fanout", 10_000);
  const result: Record<string, unknown> = { bench: "notify", machine: { cores: cpus().length, node: process.version, loadAvg1mAtStart: round(loadavg()[0]) } };

  // The engine first, before DynamoDB Local (a JVM) starts competing for the cores.
  if (only.has("engine")) {
    result.engine = await engineFigures({ users: num("engineUsers", 1000), events: num("events", 100_000), seed: num("seed", 1), runs: num("runs", 3), log });
  }

  if (only.has("live") || only.has("fanout")) {
    const env: Record<string, string> = { WEFT_STRUCTURED_LOGS: "off", WEFT_NOTIFY_FANOUT_SPREAD_MS: "0" };
    if (fanoutN > 100_000) env.WEFT_NOTIFY_MAX_RECIPIENTS = String(fanoutN);
    log("starting the local stack");
    const stack = await startStack({ port: 0, data: "memory", quiet: true, env });
    // The host's speed, measured as the other benches do, beside the stack's figures.
    result.calibration = await calibrate(stack.dynamoEndpoint, stack.tables.state);
    const secret = new TextEncoder().encode(process.env.WEFT_JWT_SECRET ?? "weft-local-dev-secret");
    const mint = (tid: string, sub: string, role?: string) =>
      new SignJWT({ sub, tid, ...(role ? { role } : {}) }).setProtectedHeader({ alg: "HS256" }).setIssuedAt().setExpirationTime("2h").sign(secret);
    try {
      if (only.has("live")) result.live = await liveFigures({ url: stack.url, tables: stack.tables, users, rate, seconds, mint, log });
      if (only.has("fanout")) {
        // The live phase's $disconnects settle first.
        await new Promise((r) => setTimeout(r, 2000));
        const tenant = `notify-fanout-${Date.now().toString(36)}`;
        log(`fanout: one event to ${fanoutN} recipients`);
        const f = await fanoutFigures({ url: stack.url, tables: stack.tables, tenant, n: fanoutN, timeoutMs: num("fanoutTimeout", 3600) * 1000, mint, log });
        result.fanout = { ...f, spreadMs: 0, ...(f.extrapolated100kSeconds !== undefined ? { extrapolated: extrapolationNote(f) } : {}) };
        const live = result.live as Awaited<ReturnType<typeof liveFigures>> | undefined;
        if (live) {
          const side = (fanout: number, single: number) => ({ fanout, single, ratio: round(fanout / single) });
          result.perRecipientFanoutVsSingleEvent = {
            note: "what one recipient costs in a fan-out chunk vs one live one-recipient event (POST, route, decision, WebSocket post)",
            processCpuMs: side(f.nodeCpuMsPerRecipient, live.cost.processCpuMs),
            dynamoRequests: side(f.dynamoRequestsPerRecipient, live.cost.dynamoRequests),
            dynamoWriteUnits: side(f.dynamoUnitsPerRecipient.write, live.cost.dynamoUnits.write),
            dynamoReadUnits: side(f.dynamoUnitsPerRecipient.read, live.cost.dynamoUnits.read),
          };
        }
      }
    } finally {
      await stack.stop();
    }
  }
  console.log(JSON.stringify(result));
}

function extrapolationNote(f: Awaited<ReturnType<typeof fanoutFigures>>): string {
  if (f.timedOutWithChunksLeft === undefined) return `extrapolated100kSeconds = 100000 / perSecond, measured on a fan-out to ${f.recipients} recipients (not a 100,000 run)`;
  return `timed out with ${f.timedOutWithChunksLeft} chunks left: perSecond counts the recipients of the chunks decided within ${f.seconds} s; extrapolated100kSeconds = 100000 / perSecond`;
}

const round = (n: number) => Math.round(n * 1000) / 1000;
