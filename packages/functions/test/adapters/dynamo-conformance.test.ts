import { afterAll, beforeAll, expect } from "vitest";
import {
  runAuditStoreConformance,
  runSearchIndexStoreConformance,
  runConnectionStoreConformance,
  runDocStateStoreConformance,
  runDeadLetterStoreConformance,
  runDocWatchersStoreConformance,
  runFanoutJobStoreConformance,
  runInboxStoreConformance,
  runLogStoreConformance,
  runMetricsStoreConformance,
  runQuarantineStoreConformance,
  runSequencerHeadsConformance,
  runSequencerStateStoreConformance,
  runTimerStoreConformance,
  runDocLeaseStoreConformance,
} from "@weft/core/testing";
import { DynamoAuditStore } from "../../src/adapters/dynamo/audit-store.js";
import { CapacityAccumulator } from "../../src/adapters/dynamo/capacity.js";
import { DynamoSearchIndexStore } from "../../src/adapters/dynamo/search-index-store.js";
import { DynamoConnectionStore } from "../../src/adapters/dynamo/connection-store.js";
import type { TableNames } from "../../src/adapters/dynamo/create-tables.js";
import { DynamoDocStateStore } from "../../src/adapters/dynamo/doc-state-store.js";
import { DynamoDeadLetterStore } from "../../src/adapters/dynamo/dead-letter-store.js";
import { DynamoDocWatchersStore } from "../../src/adapters/dynamo/doc-watchers-store.js";
import { DynamoFanoutJobStore } from "../../src/adapters/dynamo/notify-fanout-store.js";
import { DynamoInboxStore } from "../../src/adapters/dynamo/inbox-store.js";
import { DynamoLogStore } from "../../src/adapters/dynamo/log-store.js";
import { DynamoMetricsStore, METRICS_SHARDS } from "../../src/adapters/dynamo/metrics-store.js";
import { DynamoQuarantineStore } from "../../src/adapters/dynamo/quarantine-store.js";
import { DynamoSequencerStateStore } from "../../src/adapters/dynamo/sequencer-state-store.js";
import { DynamoTimerStore } from "../../src/adapters/dynamo/timer-store.js";
import { DynamoDocLeaseStore } from "../../src/adapters/dynamo/doc-lease-store.js";
import { client, freshTables } from "./dynamo-harness.js";

// One set of tables for the file (the suites use unique documents and tenants); timers get
// fresh tables per test because `due` spans the whole table.
let tables: TableNames;
const meter = new CapacityAccumulator();
const opts = (table: keyof TableNames) => ({ client, table: tables[table], meter });

beforeAll(async () => {
  tables = await freshTables();
});

runLogStoreConformance("dynamo", async () => new DynamoLogStore(opts("log")));
// The log writer's shadow (handlers/log-writer.ts): the same adapter on its own table, items expiring.
runLogStoreConformance("dynamo streamLog", async () => new DynamoLogStore({ ...opts("streamLog"), expireAfterMs: 3 * 86_400_000 }));
runInboxStoreConformance("dynamo", async () => new DynamoInboxStore(opts("inbox")));
runSequencerStateStoreConformance("dynamo", async () => new DynamoSequencerStateStore({ ...opts("state"), checkpointTable: tables.log }));
runSequencerHeadsConformance("dynamo", async () => {
  const state = new DynamoSequencerStateStore({ ...opts("state"), checkpointTable: tables.log });
  return { state, heads: state, log: new DynamoLogStore(opts("log")) };
});
runTimerStoreConformance("dynamo", async () => new DynamoTimerStore({ client, table: (await freshTables()).state, meter }));
runDocLeaseStoreConformance("dynamo", async () => new DynamoDocLeaseStore(opts("state")));
runQuarantineStoreConformance("dynamo", async () => new DynamoQuarantineStore(opts("quarantine")));
// Round robin over the shards, so consecutive adds of a test land on different items.
runMetricsStoreConformance("dynamo", async () => {
  let next = 0;
  return new DynamoMetricsStore({ ...opts("state"), pickShard: () => next++ % METRICS_SHARDS });
});
runAuditStoreConformance("dynamo", async () => new DynamoAuditStore(opts("audit")));
runSearchIndexStoreConformance("dynamo", async () => new DynamoSearchIndexStore(opts("search")));
runDocStateStoreConformance("dynamo", async () => new DynamoDocStateStore(opts("docs")));
runDeadLetterStoreConformance("dynamo", async () => new DynamoDeadLetterStore(opts("deadLetters")));
runConnectionStoreConformance("dynamo", async () => new DynamoConnectionStore(opts("connections")));
runDocWatchersStoreConformance("dynamo", async () => new DynamoDocWatchersStore(opts("notify")));
runFanoutJobStoreConformance("dynamo", async () => new DynamoFanoutJobStore(opts("notify")));

afterAll(() => {
  // Every adapter reported what it consumed.
  const { byTable } = meter.snapshot();
  for (const table of Object.values(tables)) {
    expect(byTable[table]?.write).toBeGreaterThan(0);
    expect(byTable[table]?.read).toBeGreaterThan(0);
  }
});
