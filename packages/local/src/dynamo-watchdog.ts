import { spawn } from "node:child_process";
import type { Socket } from "node:net";

/**
 * Stops DynamoDB Local when the Node process that started it dies in a way Node cannot
 * observe (SIGKILL of the process or of its process group, the OOM killer). DynamoDB Local
 * runs in a process group of its own (see dynamo-local.ts), so nothing else would stop it.
 *
 * The watchdog is a `/bin/sh` in a session of its own (so the signals that kill the stack's
 * group do not reach it) whose stdin is a pipe from this process that nobody writes: the
 * kernel closes it when this process ends, in any way, and `read` returns. The shell then
 * sends SIGTERM to Java's group (DynamoDB Local flushes and exits) and SIGKILL 5 s later if it
 * is still there. `disarm` kills the watchdog (SIGKILL, synchronous) before Java is stopped
 * deliberately, so it never signals a group that has ended (and whose id could be reused).
 *
 * Not on Windows (no process groups there); if the shell cannot start, there is just no
 * watchdog, and the next start on the same data directory stops the leftover (dynamo-leftovers.ts).
 */
export interface Watchdog {
  disarm(): void;
}

/** `$0` names the watchdog in `ps`; `$1` is the process group to stop. */
const SCRIPT = [
  "while read -r _; do :; done",
  'kill -s TERM -- "-$1" 2>/dev/null || exit 0',
  "i=0",
  'while [ "$i" -lt 50 ] && kill -0 -- "-$1" 2>/dev/null; do sleep 0.1; i=$((i + 1)); done',
  'kill -s KILL -- "-$1" 2>/dev/null',
].join("\n");

export const WATCHDOG_NAME = "weft-dynamodb-watchdog";

export function startWatchdog(pgid: number): Watchdog {
  if (process.platform === "win32") return { disarm() {} };
  const child = spawn("/bin/sh", ["-c", SCRIPT, WATCHDOG_NAME, String(pgid)], {
    detached: true,
    stdio: ["pipe", "ignore", "ignore"],
  });
  child.on("error", () => {});
  child.stdin?.on("error", () => {});
  // Neither the watchdog nor its pipe keeps this process alive.
  child.unref();
  (child.stdin as unknown as Socket | null)?.unref?.();
  return {
    disarm() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    },
  };
}
