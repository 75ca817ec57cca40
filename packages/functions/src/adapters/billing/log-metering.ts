import { currentInvocation, meterUsage, safely } from "./usage-context.js";

/*
 * CloudWatch Logs ingestion of handlers run in-process (the local stack): Lambda ships
 * whatever a function writes to stdout and stderr to CloudWatch Logs, billed per byte
 * ingested. Written bytes are counted, not the ~100 bytes of JSON envelope (timestamp, level,
 * request id) Lambda's runtime wraps each console.* line in on AWS in the JSON log format
 * (infra/manifest.ts LAMBDA_LOGGING; lines written straight to stdout, like the metrics' EMF
 * lines, are not wrapped): a small undercount per console line, and such lines are rare.
 */

export interface LogMeteringOptions {
  /**
   * false: bytes handlers write are counted but not written (a benchmark whose stdout is
   * its result, with structured logs on so their bytes count). Default true.
   */
  passThrough?: boolean;
}

type Write = NodeJS.WriteStream["write"];

let installed: { options: Required<LogMeteringOptions>; uninstall: () => void } | undefined;

/**
 * Wraps process.stdout.write and process.stderr.write so that every chunk written inside a
 * function invocation (usage-context `runAsFunction`) adds its bytes to "logs.bytes" under
 * that function. Writes outside any invocation (the local stack's own log, a test, a
 * benchmark) pass untouched and count nothing. console.* goes through these writes.
 * Installing again only changes the options; the returned function uninstalls (restores the
 * original writes). Counting never makes a write fail.
 */
export function installLogMetering(options: LogMeteringOptions = {}): () => void {
  const resolved = { passThrough: options.passThrough ?? true };
  if (installed) {
    installed.options = resolved;
    return installed.uninstall;
  }
  const state = { options: resolved, uninstall: () => undefined as void };
  const streams = [process.stdout, process.stderr] as const;
  const originals = streams.map((s) => s.write);
  const wrappers = streams.map((stream, k) => {
    const original = originals[k] as (...args: unknown[]) => boolean;
    const wrapper = function (this: NodeJS.WriteStream, chunk: unknown, encoding?: unknown, callback?: unknown) {
      const invocation = installed === state ? currentInvocation() : undefined;
      if (invocation) {
        safely(() => meterUsage("logs.bytes", chunkBytes(chunk, encoding), { fn: invocation.fn }));
        if (!state.options.passThrough) {
          const done = typeof encoding === "function" ? encoding : callback;
          if (typeof done === "function") queueMicrotask(() => (done as (err?: Error | null) => void)(null));
          return true;
        }
      }
      return original.apply(this, [chunk, encoding, callback].slice(0, arguments.length));
    } as Write;
    stream.write = wrapper;
    return wrapper;
  });
  state.uninstall = () => {
    if (installed !== state) return;
    installed = undefined;
    // Restored only where nobody wrapped the write since (else the wrapper stays, inert: it counts only while installed).
    streams.forEach((stream, k) => {
      if (stream.write === wrappers[k]) stream.write = originals[k];
    });
  };
  installed = state;
  return state.uninstall;
}

function chunkBytes(chunk: unknown, encoding: unknown): number {
  if (typeof chunk === "string") return Buffer.byteLength(chunk, typeof encoding === "string" ? (encoding as BufferEncoding) : "utf8");
  if (ArrayBuffer.isView(chunk)) return chunk.byteLength;
  return 0;
}
