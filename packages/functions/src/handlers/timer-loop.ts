const TICK_MS = 250;

/**
 * Runs `tick` once, and then every 250 ms until `loopSeconds` have passed. A scheduled
 * function on AWS is started once a minute (the finest EventBridge schedule) and keeps
 * ticking until the next start, so due timers fire within a tick; the local stack calls
 * it every few hundred ms with no loop.
 */
export async function tickFor(loopSeconds: number, tick: () => Promise<void>): Promise<void> {
  const until = Date.now() + loopSeconds * 1000;
  do {
    await tick();
    if (loopSeconds > 0) await new Promise((r) => setTimeout(r, TICK_MS));
  } while (Date.now() < until);
}
