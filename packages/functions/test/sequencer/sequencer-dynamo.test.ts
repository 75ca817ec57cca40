import { describe, expect, inject, test } from "vitest";
import { dynamoClient } from "../../src/adapters/dynamo/client.js";
import { ensureTables, tableNames } from "../../src/adapters/dynamo/create-tables.js";
import { DynamoLogStore } from "../../src/adapters/dynamo/log-store.js";
import { DynamoQuarantineStore } from "../../src/adapters/dynamo/quarantine-store.js";
import { DynamoSequencerStateStore } from "../../src/adapters/dynamo/sequencer-state-store.js";
import { DynamoTimerStore } from "../../src/adapters/dynamo/timer-store.js";
import { ClientCachingHeads, DEFAULT_SEQUENCER_CONFIG } from "@weft/core";
import { arrivals, checkInvariants, makeChanges, simulate } from "../../../core/test/sequencer/simulation.js";

/**
 * The sequencer's exactly-once and ordering guarantees on the real storage: the same seeded
 * simulation as the core property test (random arrival order, duplicated stream delivery,
 * gaps, crashes before and after every write), on DynamoDB Local through the DynamoDB
 * adapters. A crashed run must end with exactly the log of a clean run.
 */
describe("sequencer on DynamoDB Local", () => {
  test("random arrivals, duplicates, gaps and crashes: every invariant holds", async () => {
    const client = dynamoClient(inject("dynamoEndpoint"));
    const names = tableNames(`seq${Date.now().toString(36)}`);
    // Without TTL, as in the adapter tests' harness: the fixtures' times are long past.
    await ensureTables(client, names, { ttl: false });
    // Two processes on the same tables: a room task's (client states kept while the checkpoint
    // item's saves stand) and the function's (one Query for the checkpoint and the tail).
    const ports = () => {
      const state = new DynamoSequencerStateStore({ client, table: names.state, checkpointTable: names.log });
      return {
        log: new DynamoLogStore({ client, table: names.log }),
        state,
        heads: [new ClientCachingHeads(state), state],
        timers: new DynamoTimerStore({ client, table: names.state }),
        quarantine: new DynamoQuarantineStore({ client, table: names.quarantine }),
      };
    };
    const cases: Array<[number, boolean, number]> = [];
    for (const seed of [7, 1234, 99991, 31337]) for (const dropSome of [false, true]) cases.push([seed, dropSome, 2000]);
    // Batches of two entries: runs commit several log batches, crashes fall between them.
    for (const seed of [424242, 8675309, 5150]) cases.push([seed, true, 2]);
    for (const [seed, dropSome, maxBatchEntries] of cases) {
      const config = { ...DEFAULT_SEQUENCER_CONFIG, maxBatchEntries };
      const doc = (run: string) => ({ tenant: `t${seed}`, docId: `d-${dropSome}-${maxBatchEntries}-${run}` });
      const clean = await simulate(seed, arrivals(seed, makeChanges(seed, doc("clean")), dropSome), undefined, ports(), config);
      const order = arrivals(seed, makeChanges(seed, doc("crash")), dropSome);
      checkInvariants(order, clean);
      const crashed = await simulate(seed, order, { seed, rate: 0.2 }, ports(), config);
      checkInvariants(order, crashed);
      const strip = (log: typeof clean.log) => log.map(({ seq, id, clientSeq, type }) => ({ seq, id, clientSeq, type }));
      expect(strip(crashed.log)).toEqual(strip(clean.log));
      expect(crashed.rejected).toEqual(clean.rejected);
    }
    client.destroy();
  }, 120_000);
});
