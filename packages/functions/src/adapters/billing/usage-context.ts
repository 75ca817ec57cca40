import { AsyncLocalStorage, createHook, type AsyncHook } from "node:async_hooks";
import { performance } from "node:perf_hooks";
import { NO_FUNCTION, UsageMeter, type UsageUnit } from "@weft/core/cost/usage";

/*
 * Where billable usage is attributed. One process-wide UsageMeter (`processUsage`) receives
 * every unit counted in this process: by the AWS SDK middleware (sdk-metering.ts), by the
 * local outbox adapter, and by the local stack (invocations, gateway requests, schedules).
 * Each unit goes to the Lambda function that spent it: the function whose invocation is
 * running in the current async context (`runAsFunction`, which the local stack wraps around
 * every handler call), or on real Lambda the function of the container
 * (AWS_LAMBDA_FUNCTION_NAME), or NO_FUNCTION (a test, a load generator, the stack itself).
 */

/** Every billable unit counted in this process. A benchmark reads (and resets) it. */
export const processUsage = new UsageMeter();

/** On Lambda one container runs one function: its name, read once. */
const CONTAINER_FUNCTION = process.env.AWS_LAMBDA_FUNCTION_NAME;

/**
 * One running invocation of a function, and what it spent waiting on AWS: the local stack
 * bills its duration with AWS's latencies in place of local ones (`billedMs`). Calls are
 * reported through `awaitAws` (the SDK middleware and the outbox adapter do it).
 */
export class Invocation {
  /** AWS calls made (finished or not). */
  calls = 0;
  /** Sum of each call's local wall time (calls in parallel both count). */
  callMs = 0;
  /** Local wall time during which at least one call was in flight. */
  busyMs = 0;
  /** Sum of the calls' modelled AWS latencies. */
  modelledMs = 0;
  private inFlight = 0;
  private busySince = 0;

  constructor(readonly fn: string) {}

  /** Marks a call's start; pass the returned time to `callEnded`. */
  callStarted(now = performance.now()): number {
    this.calls++;
    if (this.inFlight++ === 0) this.busySince = now;
    return now;
  }

  callEnded(startedAt: number, modelledMs: number, now = performance.now()): void {
    this.callMs += now - startedAt;
    this.modelledMs += modelledMs;
    if (--this.inFlight === 0) this.busyMs += now - this.busySince;
  }

  /**
   * The duration AWS would bill for an invocation that took `wallMs` here: the wall time with
   * the time spent awaiting AWS replaced by the modelled latencies, rounded up to 1 ms, at
   * least 1 ms: ceil(max(1, wall - busy + modelled x busy / callMs)). For calls made one
   * after another busy = callMs, so that is wall - awaited + calls x latency; calls made in
   * parallel overlap, and the factor busy / callMs (1 / the measured concurrency) overlaps
   * their modelled latencies the same way (n parallel calls cost one latency, not n).
   */
  billedMs(wallMs: number): number {
    const modelledBusy = this.callMs > 0 ? (this.modelledMs * this.busyMs) / this.callMs : 0;
    return Math.ceil(Math.max(1, wallMs - this.busyMs + modelledBusy));
  }
}

const current = new AsyncLocalStorage<Invocation>();

/**
 * Runs `fn` as an invocation of function `name`: usage counted in it (and in everything it
 * starts, awaited or not) is attributed to `name`. Returns what `fn` returns; the
 * Invocation it gets carries the AWS call timings for `billedMs`.
 */
export function runAsFunction<T>(name: string, fn: (invocation: Invocation) => T): T {
  const invocation = new Invocation(name);
  if (!cpuMetered.has(name) || cpu.fn) return current.run(invocation, () => fn(invocation));
  // A container tier's work: its synchronous start is CPU time too (the hook sees only continuations).
  const started = performance.now();
  try {
    return current.run(invocation, () => fn(invocation));
  } finally {
    meterUsage("fargate.vcpuMs", performance.now() - started, { fn: name });
  }
}

/** The container tiers whose CPU time is metered, and the hook that measures it. */
const cpuMetered = new Set<string>();
const cpu = { hook: undefined as AsyncHook | undefined, since: 0, fn: "" };

/**
 * Meters the CPU time of work run as `fn` (runAsFunction) as "fargate.vcpuMs": a container is
 * billed for the CPU it keeps busy, not per invocation. Every synchronous slice of that work is
 * timed: its start in runAsFunction, and each continuation (a resolved await, a timer, a socket
 * callback it caused) by an async hook around the resources created in its async context.
 * Time spent awaiting anything (DynamoDB, another document's run) is not counted. Costs some
 * overhead in the whole process while enabled: the cost bench enables it, nothing else.
 * Returns the function that stops it.
 */
export function meterCpuOf(fn: string): () => void {
  cpuMetered.add(fn);
  cpu.hook ??= createHook({
    // A slice is timed from `before` to the next `after` (or `before`) of the tier's resources:
    // robust to callbacks nested in others, at worst leaving the rest of an outer one uncounted.
    before() {
      const name = current.getStore()?.fn;
      if (cpu.fn) meterUsage("fargate.vcpuMs", performance.now() - cpu.since, { fn: cpu.fn });
      cpu.fn = name !== undefined && cpuMetered.has(name) ? name : "";
      cpu.since = performance.now();
    },
    after() {
      if (!cpu.fn) return;
      meterUsage("fargate.vcpuMs", performance.now() - cpu.since, { fn: cpu.fn });
      cpu.fn = "";
    },
  }).enable();
  return () => {
    cpuMetered.delete(fn);
    if (cpuMetered.size === 0) {
      cpu.hook?.disable();
      cpu.hook = undefined;
      cpu.fn = "";
    }
  };
}

/** The invocation running in this async context, if any. */
export function currentInvocation(): Invocation | undefined {
  return current.getStore();
}

/** The function usage is attributed to here: the running invocation's, else Lambda's container's, else NO_FUNCTION. */
export function currentFunction(): string {
  return current.getStore()?.fn ?? CONTAINER_FUNCTION ?? NO_FUNCTION;
}

let failures = 0;

/** Metering errors swallowed so far (each a metering bug; the first is also warned about). */
export function meteringFailures(): number {
  return failures;
}

/**
 * Runs a metering step; never throws into the caller (a handler must not fail because its
 * usage could not be counted). A failure is counted (`meteringFailures`) and the first one
 * is warned about on stderr, so a bug cannot hide.
 */
export function safely(step: () => void): void {
  try {
    step();
  } catch (err) {
    if (failures++ === 0) process.emitWarning(`usage metering failed (further failures are only counted): ${(err as Error)?.stack ?? String(err)}`);
  }
}

/**
 * Adds `quantity` of `unit` to processUsage, attributed to `opts.fn` (default: the current
 * function) and `opts.resource` (e.g. the physical table). Never throws.
 */
export function meterUsage(unit: UsageUnit, quantity: number, opts: { fn?: string; resource?: string } = {}): void {
  safely(() => processUsage.add(unit, quantity, opts.fn ?? currentFunction(), opts.resource));
}

/**
 * Awaits `call`, an AWS call (or the local stand-in for one), reporting its wall time to the
 * running invocation together with `modelledMs`, the latency the call is assumed to have on
 * AWS (see MODELLED_LATENCY_MS in sdk-metering.ts). Outside an invocation it just awaits.
 */
export async function awaitAws<T>(modelledMs: number, call: () => Promise<T>): Promise<T> {
  const invocation = current.getStore();
  if (!invocation) return call();
  const started = invocation.callStarted();
  try {
    return await call();
  } finally {
    invocation.callEnded(started, modelledMs);
  }
}
