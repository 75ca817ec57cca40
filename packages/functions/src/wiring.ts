import {
  DEFAULT_SEQUENCER_CONFIG,
  MetricsRecorder,
  Sequencer,
  jsonLineSink,
  systemClock,
  type Clock,
  type InboxStore,
  type LogStore,
  type MetricsStore,
  type QuarantineStore,
  type SequencerStateStore,
  type TimerStore,
} from "@weft/core";
import { tableEnvVar } from "../../../infra/manifest.js";
import { CapacityAccumulator } from "./adapters/dynamo/capacity.js";
import { dynamoClient } from "./adapters/dynamo/client.js";
import { DynamoInboxStore } from "./adapters/dynamo/inbox-store.js";
import { DynamoLogStore } from "./adapters/dynamo/log-store.js";
import { DynamoMetricsStore } from "./adapters/dynamo/metrics-store.js";
import { DynamoQuarantineStore } from "./adapters/dynamo/quarantine-store.js";
import { DynamoSequencerStateStore } from "./adapters/dynamo/sequencer-state-store.js";
import { DynamoTimerStore } from "./adapters/dynamo/timer-store.js";

export interface Wiring {
  inbox: InboxStore;
  log: LogStore;
  state: SequencerStateStore;
  timers: TimerStore;
  quarantine: QuarantineStore;
  metricsStore: MetricsStore;
  metrics: MetricsRecorder;
  clock: Clock;
  sequencer: Sequencer;
  /** Consumed DynamoDB capacity of every call this process made (read by the benchmark). */
  meter: CapacityAccumulator;
}

let current: Wiring | undefined;

function table(name: string, env: NodeJS.ProcessEnv): string {
  const value = env[tableEnvVar(name)];
  if (!value) throw new Error(`${tableEnvVar(name)} is not set: this function is not wired to the ${name} table`);
  return value;
}

/** Defines `key` on `target` as a getter that builds the value on first use and keeps it. */
function lazy<T extends object, K extends keyof T>(target: T, key: K, build: () => T[K]): void {
  let value: T[K] | undefined;
  Object.defineProperty(target, key, { enumerable: true, get: () => (value ??= build()) });
}

/**
 * The adapters one process (a Lambda container, or the local stack) uses, built from the
 * environment: table names from WEFT_TABLE_*, DynamoDB Local via WEFT_DYNAMO_ENDPOINT, the hold
 * window from WEFT_HOLD_WINDOW_MS. Each adapter is built on first use, so a function needs only
 * the tables it touches (the manifest lists them; infra grants exactly those).
 */
export function wiring(env: NodeJS.ProcessEnv = process.env): Wiring {
  if (current) return current;
  const client = dynamoClient(env.WEFT_DYNAMO_ENDPOINT);
  const meter = new CapacityAccumulator();
  const opts = (name: string) => ({ client, table: table(name, env), meter });
  const w = { clock: systemClock, meter } as Wiring;
  lazy(w, "inbox", () => new DynamoInboxStore(opts("inbox")));
  lazy(w, "log", () => new DynamoLogStore(opts("log")));
  lazy(w, "state", () => new DynamoSequencerStateStore(opts("state")));
  lazy(w, "timers", () => new DynamoTimerStore(opts("state")));
  lazy(w, "quarantine", () => new DynamoQuarantineStore(opts("quarantine")));
  lazy(w, "metricsStore", () => new DynamoMetricsStore(opts("state")));
  lazy(w, "metrics", () => new MetricsRecorder(w.metricsStore, jsonLineSink, () => w.clock.now()));
  lazy(
    w,
    "sequencer",
    () =>
      new Sequencer({
        inbox: w.inbox,
        log: w.log,
        state: w.state,
        timers: w.timers,
        quarantine: w.quarantine,
        clock: w.clock,
        metrics: w.metrics,
        logSink: jsonLineSink,
        config: {
          ...DEFAULT_SEQUENCER_CONFIG,
          holdWindowMs: Number(env.WEFT_HOLD_WINDOW_MS ?? DEFAULT_SEQUENCER_CONFIG.holdWindowMs),
        },
      }),
  );
  current = w;
  return w;
}
