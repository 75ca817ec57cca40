import { runInForeground } from "./foreground.js";

/**
 * `npm start`: the local stack in the foreground.
 *   WEFT_PORT  HTTP port on 127.0.0.1 (default 8787; 0 = any free port)
 *   WEFT_DATA  "memory" for throw-away data, or a directory to keep data in (default .weft/dynamodb)
 * Prints one line containing "ready" and the URL on stdout once requests are served (other
 * stdout lines are JSON logs; errors go to stderr). Startup failures (no Java 17+, busy port,
 * a data directory another live stack uses) exit 1 with a message on stderr.
 *
 * It leaves no process behind however it ends, and never runs two DynamoDB Locals on one
 * data directory:
 * - SIGINT (Ctrl-C), SIGTERM and SIGHUP (a closed terminal) stop everything, DynamoDB Local's
 *   Java process included, and exit 0; a second signal exits 1 at once, killing Java.
 * - An uncaught exception or unhandled rejection prints "weft: crashed (...)" and the error on
 *   stderr and exits 1; the exit path kills Java's process group synchronously.
 * - SIGKILL (of Node alone or of its process group): a watchdog process stops Java within
 *   seconds; should it be killed too, the next start on the same directory finds the leftover
 *   (by its ownership record <dir>/dynamodb-local.pid, and by scanning the process table for
 *   DynamoDB Local with that -dbPath) and stops it, logging a warning, before starting its own.
 * - Two starts on one directory: the second exits 1 with "another local stack is using <dir>
 *   (pid N)" while the first is alive (a per-directory lock the kernel frees when its holder dies).
 * Leftover detection needs /proc (Linux) or `ps` (macOS); on Windows only the signal and
 * crash paths and the lock apply. Details: foreground.ts, dynamo-local.ts.
 */
await runInForeground();
