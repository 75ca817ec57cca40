import { join, resolve } from "node:path";
import { createLogger } from "./log.js";
import { REPO_ROOT, startStack, type Stack } from "./stack.js";

/** How long a signal's graceful stop may take before the process exits 1 anyway. */
const STOP_TIMEOUT_MS = 15_000;

function fail(message: string): never {
  try {
    process.stderr.write(`weft: ${message}\n`);
  } catch {
    // No terminal left to tell.
  }
  process.exit(1);
}

/**
 * `npm start` (main.ts): reads WEFT_PORT and WEFT_DATA, starts the local stack, prints the
 * ready line, and owns the process's ending from then on (contract: main.ts's doc comment).
 * Exits 1 on a startup failure instead of resolving. Resolves with the running stack, for
 * test entry scripts that drive the same startup.
 *
 * Every ending this process can observe stops DynamoDB Local: SIGINT, SIGTERM and SIGHUP stop
 * the stack gracefully; an uncaught exception or unhandled rejection is reported on stderr and
 * exits 1 at once, and the exit path kills DynamoDB Local's process group (dynamo-local.ts).
 * SIGKILL is covered there too (a watchdog, and the next start's leftover check).
 */
export async function runInForeground(): Promise<Stack> {
  const port = Number(process.env.WEFT_PORT ?? 8787);
  if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`WEFT_PORT must be a port number (0-65535), got "${process.env.WEFT_PORT}"`);
  const dataEnv = process.env.WEFT_DATA;
  const data =
    dataEnv === "memory" ? ("memory" as const) : { dir: resolve(dataEnv || join(REPO_ROOT, ".weft", "dynamodb")) };

  // Installed before starting: a crash during startup must not leave DynamoDB Local either.
  process.on("uncaughtException", (err) => crash("uncaught exception", err));
  process.on("unhandledRejection", (reason) => crash("unhandled promise rejection", reason));

  let stack: Stack;
  try {
    stack = await startStack({ port, data });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    fail(e.code === "EADDRINUSE" ? `${e.message}. Stop what uses it, or set WEFT_PORT (0 picks a free port).` : e.message);
  }
  process.stdout.write(`weft local stack ready at ${stack.url}\n`);

  const log = createLogger();
  let stopping = false;
  const shutdown = async (signal: NodeJS.Signals) => {
    // A second signal means "now": exit at once (DynamoDB Local is killed on exit).
    if (stopping) fail("stopped without waiting for in-flight work");
    stopping = true;
    // A closed terminal makes every later write fail (EIO): that must not turn the stop into a crash.
    if (signal === "SIGHUP") for (const s of [process.stdout, process.stderr]) s.on("error", () => {});
    log.info("stopping", { signal });
    setTimeout(() => fail(`did not stop within ${STOP_TIMEOUT_MS / 1000} s`), STOP_TIMEOUT_MS).unref();
    try {
      await stack.stop();
    } catch (err) {
      fail(`stop failed: ${(err as Error).message}`);
    }
    process.exit(0);
  };
  process.on("SIGINT", shutdown);
  process.on("SIGTERM", shutdown);
  process.on("SIGHUP", shutdown);
  return stack;
}

/**
 * After an uncaught error nothing about the process can be trusted, so no graceful stop: say
 * what happened and exit 1; the synchronous exit handler kills DynamoDB Local.
 */
function crash(what: string, err: unknown): never {
  const detail = err instanceof Error ? (err.stack ?? err.message) : String(err);
  fail(`crashed (${what}), stopping DynamoDB Local and exiting:\n${detail}`);
}
