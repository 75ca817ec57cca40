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
  if (!value) throw new Error(`${tableEnvVar(name)} is not set`);
  return value;
}

/**
 * The adapters one process (a Lambda container, or the local stack) uses, built once from
 * the environment: table names from WEFT_TABLE_*, DynamoDB Local via WEFT_DYNAMO_ENDPOINT,
 * the hold window from WEFT_HOLD_WINDOW_MS.
 */
export function wiring(env: NodeJS.ProcessEnv = process.env): Wiring {
  if (current) return current;
  const client = dynamoClient(env.WEFT_DYNAMO_ENDPOINT);
  const meter = new CapacityAccumulator();
  const opts = (name: string) => ({ client, table: table(name, env), meter });
  const clock = systemClock;
  const inbox = new DynamoInboxStore(opts("inbox"));
  const log = new DynamoLogStore(opts("log"));
  const state = new DynamoSequencerStateStore(opts("state"));
  const timers = new DynamoTimerStore(opts("state"));
  const quarantine = new DynamoQuarantineStore(opts("quarantine"));
  const metricsStore = new DynamoMetricsStore(opts("state"));
  const metrics = new MetricsRecorder(metricsStore, jsonLineSink, () => clock.now());
  const holdWindowMs = Number(env.WEFT_HOLD_WINDOW_MS ?? DEFAULT_SEQUENCER_CONFIG.holdWindowMs);
  const sequencer = new Sequencer({
    inbox,
    log,
    state,
    timers,
    quarantine,
    clock,
    metrics,
    logSink: jsonLineSink,
    config: { ...DEFAULT_SEQUENCER_CONFIG, holdWindowMs },
  });
  current = { inbox, log, state, timers, quarantine, metricsStore, metrics, clock, sequencer, meter };
  return current;
}
