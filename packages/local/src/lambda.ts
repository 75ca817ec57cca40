import { randomBytes, randomUUID } from "node:crypto";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { performance } from "node:perf_hooks";
import type { Context } from "aws-lambda";
import { meterUsage, runAsFunction, type Invocation } from "@weft/functions/adapters/billing/usage-context";
import { LAMBDA_LOGGING, type FunctionSpec, type LambdaLogging } from "../../../infra/manifest.js";

/*
 * How the local stack runs Lambda functions: in this process, one invocation per call, with
 * a Lambda-like context.
 */

/**
 * A Lambda handler. Only async (promise- or value-returning) handlers are supported, as in
 * current Node.js Lambda runtimes; callback-style handlers are not. The event is `any`
 * because it depends on the trigger; each caller builds the exact AWS shape.
 */
export type LambdaHandler = (event: any, context: Context) => unknown;

export interface LocalFunction {
  readonly name: string;
  readonly memoryMB: number;
  readonly timeoutSeconds: number;
  /** Resolves the handler (importing its module on first use); rejects if it is missing. */
  load(): Promise<LambdaHandler>;
}

/** The account DynamoDB Local puts in its ARNs; the local stack uses it for every ARN. */
export const LOCAL_ACCOUNT = "000000000000";

export function functionArn(name: string, region: string): string {
  return `arn:aws:lambda:${region}:${LOCAL_ACCOUNT}:function:${name}`;
}

/** A function backed by a handler already in hand (tests, tools). */
export function localFunction(
  name: string,
  handler: LambdaHandler,
  opts: { memoryMB?: number; timeoutSeconds?: number } = {},
): LocalFunction {
  return { name, memoryMB: opts.memoryMB ?? 1024, timeoutSeconds: opts.timeoutSeconds ?? 60, load: async () => handler };
}

/**
 * A manifest function: `spec.handler` is `<file without extension>.<export>` relative to
 * `repoRoot` (SST's syntax), so "packages/functions/src/handlers/http.handler" is export
 * `handler` of packages/functions/src/handlers/http.ts. The module is imported on the first
 * `load()`; a failed import is not remembered, so a handler file that appears later (or is
 * fixed) is picked up by the next invocation.
 */
export function manifestFunction(repoRoot: string, name: string, spec: FunctionSpec): LocalFunction {
  const dot = spec.handler.lastIndexOf(".");
  const file = `${spec.handler.slice(0, dot)}.ts`;
  const exportName = spec.handler.slice(dot + 1);
  const url = pathToFileURL(join(repoRoot, file)).href;
  let loaded: Promise<LambdaHandler> | undefined;
  const load = async (): Promise<LambdaHandler> => {
    const mod: Record<string, unknown> = await import(url);
    const handler = mod[exportName];
    if (typeof handler !== "function") throw new Error(`${file} has no exported function "${exportName}"`);
    return handler as LambdaHandler;
  };
  return {
    name,
    memoryMB: spec.memoryMB,
    timeoutSeconds: spec.timeoutSeconds,
    load: () => {
      loaded ??= load().catch((err) => {
        loaded = undefined;
        throw err;
      });
      return loaded;
    },
  };
}

export type InvokeOutcome =
  | { ok: true; result: unknown; requestId: string }
  | { ok: false; error: Error; requestId: string };

/** Raw local timings of one function's invocations (a sanity check beside the modelled "lambda.ms"). */
export interface LocalDuration {
  invocations: number;
  /** Sum of the handlers' local wall time (from the call, after the module is loaded, to the JSON result). */
  wallMs: number;
  /** Sum of the billed milliseconds added to "lambda.ms". */
  billedMs: number;
  /** AWS calls the invocations made, and the local wall time during which at least one was in flight. */
  awsCalls: number;
  awsBusyMs: number;
}

/** Per function name, since the process started or the last `clear()` (a benchmark clears it with the usage meter). */
export const localDurations = new Map<string, LocalDuration>();

/**
 * CloudWatch Logs bytes Lambda itself writes per invocation (system logs), as the manifest's
 * LAMBDA_LOGGING sets them: at system log level INFO, the START (~70 B), END (~50 B) and
 * REPORT (~150 B) lines in the text format, or the platform.start and platform.report events
 * (~120 and ~330 B) in JSON; at WARN, nothing for an invocation that succeeds, and a
 * platform.report (~330 B) for one that fails. Counted under "logs.bytes" with what the handler
 * writes (billing/log-metering.ts).
 */
export function platformLogBytes(logging: Pick<LambdaLogging, "format" | "systemLogLevel">, ok: boolean): number {
  if (logging.systemLogLevel === "WARN") return ok ? 0 : 330;
  return logging.format === "json" ? 450 : 270;
}


/**
 * Invokes `fn` once. Like Lambda, the result goes through JSON (so `undefined` becomes null
 * and a result that cannot be serialized is a function error), and a thrown error or a
 * failed module import is reported as `ok: false`, never thrown. Timeouts are not enforced
 * (the handler cannot be frozen in-process); `getRemainingTimeInMillis` reports the budget.
 *
 * Usage: the handler runs as function `fn.name` (usage-context `runAsFunction`), so what it
 * spends is attributed to it, and each invocation, failed or not, adds to the usage meter
 * "lambda.invocations" 1, "lambda.ms" its billed duration and "logs.bytes" what Lambda's own
 * log lines would take (platformLogBytes at the manifest's LAMBDA_LOGGING). The billed
 * duration is modelled (`Invocation.billedMs`): the local wall time is inflated by DynamoDB
 * Local and by the other invocations sharing this process,
 * so the time spent awaiting AWS calls is replaced by their modelled AWS latencies. Module
 * loading is not billed (Lambda's init phase is not modelled). Raw timings go to `localDurations`.
 */
export async function invoke(fn: LocalFunction, event: unknown, region: string): Promise<InvokeOutcome> {
  const context = lambdaContext(fn, region);
  const requestId = context.awsRequestId;
  return runAsFunction(fn.name, async (invocation): Promise<InvokeOutcome> => {
    let started: number | undefined;
    let ok = false;
    try {
      const handler = await fn.load();
      started = performance.now();
      const json = JSON.stringify(await handler(event, context));
      ok = true;
      return { ok: true, result: json === undefined ? null : JSON.parse(json), requestId };
    } catch (err) {
      return { ok: false, error: err instanceof Error ? err : new Error(String(err)), requestId };
    } finally {
      meterInvocation(fn.name, invocation, started === undefined ? 0 : performance.now() - started, ok);
    }
  });
}

function meterInvocation(name: string, invocation: Invocation, wallMs: number, ok: boolean): void {
  const billedMs = invocation.billedMs(wallMs);
  meterUsage("lambda.invocations", 1, { fn: name });
  meterUsage("lambda.ms", billedMs, { fn: name });
  meterUsage("logs.bytes", platformLogBytes(LAMBDA_LOGGING, ok), { fn: name });
  const d = localDurations.get(name) ?? { invocations: 0, wallMs: 0, billedMs: 0, awsCalls: 0, awsBusyMs: 0 };
  d.invocations++;
  d.wallMs += wallMs;
  d.billedMs += billedMs;
  d.awsCalls += invocation.calls;
  d.awsBusyMs += invocation.busyMs;
  localDurations.set(name, d);
}

function lambdaContext(fn: LocalFunction, region: string): Context {
  const deadline = Date.now() + fn.timeoutSeconds * 1000;
  const day = new Date().toISOString().slice(0, 10).replaceAll("-", "/");
  const unsupported = () => {
    throw new Error("context.done/fail/succeed are not supported: return a value or a promise");
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: fn.name,
    functionVersion: "$LATEST",
    invokedFunctionArn: functionArn(fn.name, region),
    memoryLimitInMB: String(fn.memoryMB),
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${fn.name}`,
    logStreamName: `${day}/[$LATEST]${randomBytes(16).toString("hex")}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: unsupported,
    fail: unsupported,
    succeed: unsupported,
  };
}
