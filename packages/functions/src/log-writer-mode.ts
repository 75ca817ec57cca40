import { ENV } from "../../../infra/manifest.js";

/**
 * Where the committed stream stands in the durable order (ENV.logWriter; docs/durable-order.md):
 * - `off` (the default; infra sets nothing): the log is written run by run; the log writer
 *   reads nothing;
 * - `shadow`: as `off`, and the log writer writes the streamLog table from the stream beside
 *   the log (compared in tests; the local stack's default);
 * - `on` (step 3, being built: not yet safe where leases move or documents are read while
 *   edited, see durable-order.md): the room tier commits a held document's runs by putting them
 *   on the stream (the ack rule), and the log writer writes the log itself.
 * Anything else is refused, not read as `off`.
 */
export type LogWriterMode = "off" | "shadow" | "on";

export function logWriterModeFromEnv(env: NodeJS.ProcessEnv = process.env): LogWriterMode {
  const value = env[ENV.logWriter] ?? "off";
  if (value !== "off" && value !== "shadow" && value !== "on") throw new Error(`${ENV.logWriter} must be "off", "shadow" or "on", not ${JSON.stringify(value)}`);
  return value;
}
