import { createHash } from "node:crypto";
import { unlinkSync } from "node:fs";
import { connect, createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * At most one DynamoDB Local per data directory, across processes: whoever starts one on a
 * directory first holds that directory's lock until it stops it or ends.
 *
 * The lock is a listening local socket named after the directory, so the kernel frees it when
 * its holder ends in any way, SIGKILL included: a dead holder never blocks the next start. On
 * Linux it is an abstract socket (no file at all); on Windows a named pipe; elsewhere (macOS)
 * a socket file in the temp directory, which a holder killed by SIGKILL leaves behind: it is
 * removed when nobody answers on it (two starts racing to replace the same dead holder's file
 * within milliseconds could both win there; Linux and Windows have no such window).
 *
 * The holder answers each connection with its pid, so a refused start can name it. The socket
 * does not keep the process alive, and Node does not pass it to child processes (so a
 * DynamoDB Local that outlives its stack does not hold the lock).
 */
export interface DataDirLock {
  release(): Promise<void>;
}

/** Thrown (by `lockDataDir`) when a live process holds `dir`'s lock. */
export class DataDirBusyError extends Error {
  constructor(
    readonly dir: string,
    readonly ownerPid: number | undefined,
  ) {
    super(
      `another local stack is using ${dir}${ownerPid ? ` (pid ${ownerPid})` : ""}. ` +
        `Stop it first, or set WEFT_DATA to another directory (or "memory").`,
    );
  }
}

/** The lock's address for `dir` (an absolute, resolved path). */
export function lockAddress(dir: string): string {
  const id = `weft-local-${createHash("sha256").update(dir).digest("hex").slice(0, 32)}`;
  if (process.platform === "linux") return `\0${id}`;
  if (process.platform === "win32") return `\\\\.\\pipe\\${id}`;
  return join(tmpdir(), `${id}.sock`);
}

/** Takes `dir`'s lock, or rejects with DataDirBusyError naming the live holder's pid. */
export async function lockDataDir(dir: string): Promise<DataDirLock> {
  const address = lockAddress(dir);
  const socketFile = process.platform !== "linux" && process.platform !== "win32";
  for (let attempt = 0; ; attempt++) {
    const server = await listen(address);
    if (server) return { release: () => new Promise<void>((resolve) => server.close(() => resolve())) };
    const owner = await askOwner(address);
    if (owner === "nobody" && socketFile && attempt < 3) {
      try {
        unlinkSync(address); // left by a holder that was killed
      } catch {
        // Already replaced or removed by another starter: try again.
      }
      continue;
    }
    throw new DataDirBusyError(dir, typeof owner === "number" ? owner : undefined);
  }
}

function listen(address: string): Promise<Server | undefined> {
  return new Promise((resolve, reject) => {
    const server = createServer((socket) => {
      socket.on("error", () => {});
      socket.end(`${JSON.stringify({ pid: process.pid })}\n`);
    });
    server.once("error", (err: NodeJS.ErrnoException) => (err.code === "EADDRINUSE" ? resolve(undefined) : reject(err)));
    server.listen(address, () => {
      server.unref();
      resolve(server);
    });
  });
}

/** The holder's pid; "nobody" when nothing listens there; undefined when it does not say. */
function askOwner(address: string): Promise<number | "nobody" | undefined> {
  return new Promise((resolve) => {
    let text = "";
    const socket = connect(address);
    const timer = setTimeout(() => socket.destroy(), 2_000);
    socket.on("data", (d) => (text += String(d)));
    socket.on("error", (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve(err.code === "ECONNREFUSED" || err.code === "ENOENT" ? "nobody" : undefined);
    });
    socket.on("close", () => {
      clearTimeout(timer);
      try {
        const pid = (JSON.parse(text) as { pid?: unknown }).pid;
        resolve(typeof pid === "number" ? pid : undefined);
      } catch {
        resolve(undefined);
      }
    });
  });
}
