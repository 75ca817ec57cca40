import { join, resolve } from "node:path";
import { createLogger } from "./log.js";
import { REPO_ROOT, startStack, type Stack } from "./stack.js";

/**
 * `npm start`: the local stack in the foreground.
 *   WEFT_PORT  HTTP port on 127.0.0.1 (default 8787; 0 = any free port)
 *   WEFT_DATA  "memory" for throw-away data, or a directory to keep data in (default .weft/dynamodb)
 * Prints one line containing "ready" and the URL on stdout once requests are served (other
 * stdout lines are JSON logs; errors go to stderr). SIGINT/SIGTERM stop everything, DynamoDB
 * Local's Java process included, and exit 0 (a second signal exits 1 at once). Startup
 * failures (no Java 17+, busy port) exit 1.
 */
const STOP_TIMEOUT_MS = 15_000;

function fail(message: string): never {
  process.stderr.write(`weft: ${message}\n`);
  process.exit(1);
}

const port = Number(process.env.WEFT_PORT ?? 8787);
if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`WEFT_PORT must be a port number (0-65535), got "${process.env.WEFT_PORT}"`);
const dataEnv = process.env.WEFT_DATA;
const data =
  dataEnv === "memory" ? ("memory" as const) : { dir: resolve(dataEnv || join(REPO_ROOT, ".weft", "dynamodb")) };

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
  // A second Ctrl-C means "now": exit at once (DynamoDB Local is killed on exit).
  if (stopping) fail("stopped without waiting for in-flight work");
  stopping = true;
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
