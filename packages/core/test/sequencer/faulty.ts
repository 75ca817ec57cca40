/**
 * Fault injection for sequencer tests: wraps port adapters so that any write may fail
 * before it happens or after it happened (a crash between the write and the reply), driven
 * by a seeded PRNG so every run replays exactly.
 */
export interface FaultPlan {
  seed: number;
  /** Probability that one call fails (half of failures happen after the real write). */
  rate: number;
}

const WRITES = new Set(["append", "save", "putRejections", "put", "add", "remove", "wake"]);

export class InjectedCrash extends Error {}

export function faulty<T extends object>(ports: T, plan: FaultPlan): T {
  let a = plan.seed >>> 0;
  const rand = () => {
    a = (Math.imul(a ^ (a >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    return a / 4294967296;
  };
  const wrap = <P extends object>(port: P): P =>
    new Proxy(port, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver);
        if (typeof value !== "function" || !WRITES.has(String(prop))) return value;
        return async (...args: unknown[]) => {
          const roll = rand();
          if (roll < plan.rate / 2) throw new InjectedCrash(`injected failure before ${String(prop)}`);
          const result = await value.apply(target, args);
          if (roll < plan.rate) throw new InjectedCrash(`injected crash after ${String(prop)}`);
          return result;
        };
      },
    });
  return Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, wrap(v as object)])) as T;
}
