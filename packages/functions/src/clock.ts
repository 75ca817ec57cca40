import { ManualClock, systemClock, type Clock } from "@weft/core";

const FAKE_CLOCK_KEY = Symbol.for("weft.fakeClock");

/**
 * The process's clock: the system clock, or, when WEFT_FAKE_CLOCK=1 on the local stack
 * (WEFT_STAGE=local), one shared manual clock that starts at the real time and then moves only
 * when told (POST /v1/dev/clock), so every window, quiet hour, retry and fallback can be
 * driven by tests. Infra never sets WEFT_FAKE_CLOCK, and it is refused outside the local
 * stage, so it can never be on in AWS.
 */
export function clockFromEnv(env: NodeJS.ProcessEnv = process.env): Clock {
  if (env.WEFT_FAKE_CLOCK !== "1") return systemClock;
  if (env.WEFT_STAGE !== "local") throw new Error("WEFT_FAKE_CLOCK=1 is only allowed on the local stack (WEFT_STAGE=local)");
  return fakeClock();
}

/** The one fake clock of this process (shared through globalThis by every module instance). */
export function fakeClock(): ManualClock {
  const g = globalThis as { [FAKE_CLOCK_KEY]?: ManualClock };
  return (g[FAKE_CLOCK_KEY] ??= new ManualClock(Date.now()));
}
