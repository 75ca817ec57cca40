import { afterAll, beforeAll, expect } from "vitest";
import {
  runInboxStoreConformance,
  runLogStoreConformance,
  runMetricsStoreConformance,
  runQuarantineStoreConformance,
  runSequencerStateStoreConformance,
  runTimerStoreConformance,
} from "@weft/core/testing";
import { CapacityAccumulator } from "../../src/adapters/dynamo/capacity.js";
import type { TableNames } from "../../src/adapters/dynamo/create-tables.js";
import { DynamoInboxStore } from "../../src/adapters/dynamo/inbox-store.js";
import { DynamoLogStore } from "../../src/adapters/dynamo/log-store.js";
import { DynamoMetricsStore } from "../../src/adapters/dynamo/metrics-store.js";
import { DynamoQuarantineStore } from "../../src/adapters/dynamo/quarantine-store.js";
import { DynamoSequencerStateStore } from "../../src/adapters/dynamo/sequencer-state-store.js";
import { DynamoTimerStore } from "../../src/adapters/dynamo/timer-store.js";
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
runInboxStoreConformance("dynamo", async () => new DynamoInboxStore(opts("inbox")));
runSequencerStateStoreConformance("dynamo", async () => new DynamoSequencerStateStore(opts("state")));
runTimerStoreConformance("dynamo", async () => new DynamoTimerStore({ client, table: (await freshTables()).state, meter }));
runQuarantineStoreConformance("dynamo", async () => new DynamoQuarantineStore(opts("quarantine")));
runMetricsStoreConformance("dynamo", async () => new DynamoMetricsStore(opts("state")));

afterAll(() => {
  // Every adapter reported what it consumed.
  const { byTable } = meter.snapshot();
  for (const table of Object.values(tables)) {
    expect(byTable[table]?.write).toBeGreaterThan(0);
    expect(byTable[table]?.read).toBeGreaterThan(0);
  }
});
