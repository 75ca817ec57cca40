/**
 * A duration setting in ms (>= 0) from the environment, `fallback` when unset or empty.
 * Anything else is refused with the setting's name, never read as NaN (which would turn a
 * delay off or schedule a timer at NaN).
 */
export function msFromEnv(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const ms = Number(raw);
  if (!Number.isFinite(ms) || ms < 0) throw new Error(`${name} must be a number of milliseconds >= 0, not "${raw}"`);
  return ms;
}
