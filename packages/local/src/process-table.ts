import { execFileSync } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";

/**
 * What the process table says about other processes, for finding and stopping a DynamoDB
 * Local that a killed stack left running. Linux reads /proc: the exact argv and the start
 * time (clock ticks since boot, field 22 of /proc/<pid>/stat). Other POSIX systems (macOS)
 * ask `ps`: argv comes back joined by spaces (a path with spaces matches less exactly) and the
 * start time is `lstart` (to the second). Windows has neither: every lookup answers "unknown"
 * (undefined / []), and leftover detection is off there.
 *
 * A process is identified by pid AND start time: a pid alone may have been reused by an
 * unrelated process since it was recorded. Zombies count as gone (they hold no files or
 * ports, and a reaper-less container may keep them forever).
 */
export interface ProcessInfo {
  pid: number;
  /** Opaque; equal for the same process, different for a later one with the same pid. */
  startTime: string;
  /** The command line with `sep` before, between and after the arguments. */
  args: string;
  sep: "\0" | " ";
}

const LINUX = process.platform === "linux";
const SUPPORTED = process.platform !== "win32";

/** The process `pid` now: undefined when gone, a zombie, or unknown (Windows). */
export function processInfo(pid: number): ProcessInfo | undefined {
  return listProcesses(pid)[0];
}

function listProcesses(only?: number): ProcessInfo[] {
  if (!SUPPORTED) return [];
  if (!LINUX) return listWithPs(only);
  const pids = only !== undefined ? [only] : readdirSync("/proc").filter((n) => /^\d+$/.test(n)).map(Number);
  const out: ProcessInfo[] = [];
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" "); // fields 3.. (comm may hold spaces)
      if (fields[0] === "Z" || fields[0] === "X") continue;
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8");
      if (cmdline) out.push({ pid, startTime: fields[19], args: `\0${cmdline}`, sep: "\0" });
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
  return out;
}

function listWithPs(only?: number): ProcessInfo[] {
  let text: string;
  try {
    const select = only !== undefined ? ["-p", String(only)] : ["-A"];
    text = execFileSync("ps", [...select, "-ww", "-o", "pid=", "-o", "stat=", "-o", "lstart=", "-o", "command="], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    });
  } catch {
    return []; // `ps -p` exits 1 when the pid is gone
  }
  const out: ProcessInfo[] = [];
  for (const line of text.split("\n")) {
    // pid, stat, lstart (e.g. "Mon Jan  1 00:00:00 2024"), then the command line
    const m = /^\s*(\d+)\s+(\S+)\s+(\S+\s+\S+\s+\d+\s+[\d:]+\s+\d+)\s+(.*)$/.exec(line);
    if (m && !m[2].startsWith("Z")) out.push({ pid: Number(m[1]), startTime: m[3], args: ` ${m[4]} `, sep: " " });
  }
  return out;
}

/** Whether `p` runs DynamoDB Local (any version) with `-dbPath` exactly `dir`. */
export function runsDynamoLocalOn(p: ProcessInfo, dir: string): boolean {
  return p.args.includes(`DynamoDBLocal.jar${p.sep}`) && p.args.includes(`${p.sep}-dbPath${p.sep}${dir}${p.sep}`);
}

/** Every live DynamoDB Local process with `-dbPath` exactly `dir`. */
export function dynamoLocalsOn(dir: string): ProcessInfo[] {
  return listProcesses().filter((p) => runsDynamoLocalOn(p, dir));
}

/** The command line for logs. */
export function commandLine(p: ProcessInfo): string {
  return p.args.split(p.sep).filter(Boolean).join(" ");
}

/** Whether the very process `p` (same pid, same start time) is still alive. */
export function stillRunning(p: ProcessInfo): boolean {
  return processInfo(p.pid)?.startTime === p.startTime;
}

/**
 * Stops `p` (SIGTERM, then SIGKILL after `graceMs`) and resolves true once it is gone, false
 * if it outlived SIGKILL by 5 s. Never signals a different process that reused the pid.
 */
export async function stopProcess(p: ProcessInfo, graceMs = 5_000): Promise<boolean> {
  for (const [signal, waitMs] of [["SIGTERM", graceMs], ["SIGKILL", 5_000]] as const) {
    if (!stillRunning(p)) return true;
    try {
      process.kill(p.pid, signal);
    } catch {
      return !stillRunning(p);
    }
    for (const deadline = Date.now() + waitMs; Date.now() < deadline && stillRunning(p); ) {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return !stillRunning(p);
}
