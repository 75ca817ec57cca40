import { ManualClock, systemClock, type Clock } from "@weft/core";

const FAKE_CLOCK_KEY = Symbol.for("weft.fakeClock");

/**
 * The process's clock: the system clock, or, when WEFT_FAKE_CLOCK=1 on the local stack
 * (WEFT_STAGE=local), one shared manual clock that starts at WEFT_FAKE_CLOCK_START (else the
 * real time) and then moves only when told (POST /v1/dev/clock), so every window, quiet hour, retry and fallback can be
 * driven by tests. Infra never sets WEFT_FAKE_CLOCK, and it is refused outside the local
 * stage, so it can never be on in AWS.
 */
export function clockFromEnv(env: NodeJS.ProcessEnv = process.env): Clock {
  if (env.WEFT_FAKE_CLOCK !== "1") return systemClock;
  if (env.WEFT_STAGE !== "local") throw new Error("WEFT_FAKE_CLOCK=1 is only allowed on the local stack (WEFT_STAGE=local)");
  return fakeClock();
}

/**
 * The one fake clock of this process (shared through globalThis by every module instance). It
 * starts at WEFT_FAKE_CLOCK_START (an ISO date or epoch ms) when set, else at the real time.
 */
export function fakeClock(env: NodeJS.ProcessEnv = process.env): ManualClock {
  const g = globalThis as { [FAKE_CLOCK_KEY]?: ManualClock };
  return (g[FAKE_CLOCK_KEY] ??= new ManualClock(startOf(env.WEFT_FAKE_CLOCK_START)));
}

function startOf(raw: string | undefined): number {
  if (raw === undefined || raw === "") return Date.now();
  const t = /^\d+$/.test(raw) ? Number(raw) : Date.parse(raw);
  if (!Number.isSafeInteger(t) || t < 0) throw new Error(`WEFT_FAKE_CLOCK_START must be an ISO date or epoch ms, got "${raw}"`);
  return t;
}
