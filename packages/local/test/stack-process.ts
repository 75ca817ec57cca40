import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";

/**
 * The local stack as a real child process, for tests of how it ends (process-hygiene.test.ts).
 * Every stack runs `detached`: in a process group (and session) of its own, as a shell runs a
 * foreground job, so a test can signal that group as a terminal would.
 */
export const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

export interface StackRun {
  child: ChildProcess;
  pid: number;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const runs: StackRun[] = [];

/**
 * `node --import tsx <entry> ...args` from the repository root (as `npm start` runs main.ts),
 * with only the given environment plus HOME and PATH.
 */
export function runStack(env: Record<string, string>, entry = "packages/local/src/main.ts", args: string[] = []): StackRun {
  const child = spawn(process.execPath, ["--import", "tsx", entry, ...args], {
    cwd: ROOT,
    detached: true,
    env: { HOME: process.env.HOME ?? "/tmp", PATH: process.env.PATH ?? "", ...env },
  });
  let out = "";
  let err = "";
  child.stdout!.on("data", (d) => (out += String(d)));
  child.stderr!.on("data", (d) => (err += String(d)));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  const run = { child, pid: child.pid!, stdout: () => out, stderr: () => err, exited };
  runs.push(run);
  return run;
}

/** Resolves with the stack's URL once it printed its ready line; rejects if it exits first. */
export async function readyUrl(run: StackRun, timeoutMs = 60_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const m = /^weft local stack ready at (http:\/\/127\.0\.0\.1:\d+)$/m.exec(run.stdout());
    if (m) return m[1];
    if (run.child.exitCode !== null || run.child.signalCode !== null || Date.now() > deadline) {
      throw new Error(`no ready line:\n${run.stdout()}\n${run.stderr()}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Every process's argv, from /proc (these tests need Linux). */
function processes(): Array<{ pid: number; argv: string[] }> {
  const out: Array<{ pid: number; argv: string[] }> = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cmdline = readFileSync(`/proc/${name}/cmdline`, "utf8");
      if (cmdline) out.push({ pid: Number(name), argv: cmdline.split("\0") });
    } catch {
      // Gone meanwhile.
    }
  }
  return out;
}

/** Pids of DynamoDB Local processes whose argv holds `arg` (a -dbPath directory). */
export function dynamoLocalsWith(...args: string[]): number[] {
  return processes()
    .filter((p) => p.argv.some((a) => a.includes("DynamoDBLocal")) && args.every((a) => p.argv.includes(a)))
    .map((p) => p.pid);
}

/** Pids of the watchdog processes guarding the process group `pgid`. */
export function watchdogsOf(pgid: number): number[] {
  return processes()
    .filter((p) => p.argv.includes("weft-dynamodb-watchdog") && p.argv.includes(String(pgid)))
    .map((p) => p.pid);
}

/** Polls `check` every 100 ms until it is true; false after `timeoutMs`. */
export async function eventually(check: () => boolean, timeoutMs = 10_000): Promise<boolean> {
  for (const deadline = Date.now() + timeoutMs; !check(); await new Promise((r) => setTimeout(r, 100))) {
    if (Date.now() > deadline) return false;
  }
  return true;
}

/** Sends `signal` to `pid`, ignoring "no such process". */
export function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // Already gone.
  }
}

/** SIGKILLs every stack group this module started and the DynamoDB Locals (and watchdogs) on `dirs`. */
export function killEverything(dirs: string[]): void {
  for (const run of runs.splice(0)) signal(-run.pid, "SIGKILL");
  for (const dir of dirs) {
    for (const pid of dynamoLocalsWith(dir)) {
      for (const w of watchdogsOf(pid)) signal(w, "SIGKILL");
      signal(pid, "SIGKILL");
    }
  }
}

/** A client of the document API as alice of acme (the local stack's development secret). */
export async function docsClient(url: string) {
  const { SignJWT } = await import("jose");
  const token = await new SignJWT({ sub: "alice", tid: "acme" })
    .setProtectedHeader({ alg: "HS256" })
    .setExpirationTime("1h")
    .sign(new TextEncoder().encode("weft-local-dev-secret"));
  const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
  const readLog = async (doc: string) => (await (await fetch(`${url}/v1/docs/${doc}/ops`, { headers })).json()) as any;
  return {
    readLog,
    /** Posts one insert creating `doc` and waits until it is sequenced (owner entry seq 1, the op seq 2). */
    async write(doc: string, text: string): Promise<void> {
      const body = JSON.stringify({ clientId: "c1", base: 0, ops: [{ id: `${doc}-1`, seq: 1, type: "insert", pos: 0, text }] });
      const res = await fetch(`${url}/v1/docs/${doc}/ops`, { method: "POST", headers, body });
      if (res.status !== 202) throw new Error(`POST ops: ${res.status} ${await res.text()}`);
      for (let i = 0; i < 200 && (await readLog(doc)).version < 2; i++) await new Promise((r) => setTimeout(r, 100));
      if ((await readLog(doc)).version < 2) throw new Error(`${doc} was not sequenced`);
    },
  };
}
