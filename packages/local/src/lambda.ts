import { randomBytes, randomUUID } from "node:crypto";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { Context } from "aws-lambda";
import type { FunctionSpec } from "../../../infra/manifest.js";

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

/**
 * Invokes `fn` once. Like Lambda, the result goes through JSON (so `undefined` becomes null
 * and a result that cannot be serialized is a function error), and a thrown error or a
 * failed module import is reported as `ok: false`, never thrown. Timeouts are not enforced
 * (the handler cannot be frozen in-process); `getRemainingTimeInMillis` reports the budget.
 */
export async function invoke(fn: LocalFunction, event: unknown, region: string): Promise<InvokeOutcome> {
  const context = lambdaContext(fn, region);
  const requestId = context.awsRequestId;
  try {
    const handler = await fn.load();
    const json = JSON.stringify(await handler(event, context));
    return { ok: true, result: json === undefined ? null : JSON.parse(json), requestId };
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err : new Error(String(err)), requestId };
  }
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
