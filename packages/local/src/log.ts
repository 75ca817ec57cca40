/**
 * Structured logging for the local stack: one JSON object per line. `info` goes to stdout
 * (silenced by `quiet`); `warn` and `error` always go to stderr, so stdout stays clean for
 * the ready line and info logs that tooling may parse.
 */
export interface Logger {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

export function createLogger(opts: { quiet?: boolean } = {}): Logger {
  const write = (stream: NodeJS.WriteStream, level: string, msg: string, fields?: Record<string, unknown>) =>
    stream.write(`${JSON.stringify({ time: new Date().toISOString(), level, msg, ...serializable(fields) })}\n`);
  return {
    info: (msg, fields) => {
      if (!opts.quiet) write(process.stdout, "info", msg, fields);
    },
    warn: (msg, fields) => write(process.stderr, "warn", msg, fields),
    error: (msg, fields) => write(process.stderr, "error", msg, fields),
  };
}

/** Errors do not survive JSON.stringify (their fields are not enumerable): spell them out. */
function serializable(fields: Record<string, unknown> | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields ?? {})) {
    out[k] = v instanceof Error ? { name: v.name, message: v.message, stack: v.stack } : v;
  }
  return out;
}
