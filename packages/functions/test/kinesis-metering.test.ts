import { CreateStreamCommand, GetRecordsCommand, GetShardIteratorCommand, ListShardsCommand, PutRecordCommand, PutRecordsCommand, type KinesisClient } from "@aws-sdk/client-kinesis";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startKinesisLocal, type KinesisLocal } from "@weft/local/kinesis-local/kinesis-server";
import { KINESIS_PUT_UNIT_BYTES, MODELLED_LATENCY_MS, kinesisRecordBytes, kinesisStreamName } from "../src/adapters/billing/sdk-metering.js";
import { processUsage, runAsFunction } from "../src/adapters/billing/usage-context.js";
import { kinesisClient } from "../src/adapters/kinesis/client.js";

/*
 * The metering of Kinesis puts through the real SDK client (kinesisClient, so over HTTP/1.1)
 * against the local Kinesis endpoint (packages/local kinesis-local), whose failNextRecords
 * hook refuses the first records of the next PutRecords as AWS does under throttling.
 */

let kinesis: KinesisLocal;
let client: KinesisClient;
beforeAll(async () => {
  kinesis = await startKinesisLocal();
  const setup = kinesisClient(kinesis.endpoint);
  for (const name of ["committed", "committed-arn"]) await setup.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
  setup.destroy();
});
afterAll(() => kinesis.stop());
beforeEach(() => {
  processUsage.reset();
  client = kinesisClient(kinesis.endpoint);
});
afterEach(() => client.destroy());

const bytes = (n: number) => new Uint8Array(n).fill(97);

describe("Kinesis metering", () => {
  it("counts each accepted PutRecords record's Data + PartitionKey in 25 KB units on its stream; a refused record is not billed", async () => {
    kinesis.failNextRecords(1);
    const result = await runAsFunction("rooms", () =>
      client.send(
        new PutRecordsCommand({
          StreamName: "committed",
          Records: [
            { Data: bytes(100), PartitionKey: "task-1" }, // refused (failNextRecords): nothing
            { Data: bytes(30 * 1024), PartitionKey: "task-1" }, // 30,726 bytes: 2 units
            { Data: bytes(25 * 1024 - 5), PartitionKey: "task-1" }, // 25,595 + 6 = 25,601 bytes: the key makes it 2 units
            { Data: bytes(2), PartitionKey: "é" }, // 2 + 2 bytes (UTF-8): 1 unit
          ],
        }),
      ),
    );
    expect(result.FailedRecordCount).toBe(1);
    expect(result.Records?.map((r) => r.ErrorCode)).toEqual(["ProvisionedThroughputExceededException", undefined, undefined, undefined]);
    expect(processUsage.snapshot()).toEqual([
      { unit: "kinesis.bytes", fn: "rooms", resource: "committed", quantity: 30 * 1024 + 6 + 25 * 1024 + 1 + 4 },
      { unit: "kinesis.putUnits", fn: "rooms", resource: "committed", quantity: 2 + 2 + 1 },
      { unit: "kinesis.records", fn: "rooms", resource: "committed", quantity: 3 },
    ]);
  });

  it("counts a PutRecord on the stream its StreamARN names, and a record of exactly 25 KB as 1 unit", async () => {
    const arn = "arn:aws:kinesis:us-east-1:000000000000:stream/committed-arn";
    await runAsFunction("sweeper", async () => {
      await client.send(new PutRecordCommand({ StreamARN: arn, Data: bytes(60 * 1024), PartitionKey: "k" })); // 61,441 bytes: 3 units
      await client.send(new PutRecordCommand({ StreamName: "committed", Data: bytes(25 * 1024 - 2), PartitionKey: "pk" })); // 25,600: 1 unit
    });
    expect(processUsage.snapshot()).toEqual([
      { unit: "kinesis.bytes", fn: "sweeper", resource: "committed", quantity: 25 * 1024 },
      { unit: "kinesis.bytes", fn: "sweeper", resource: "committed-arn", quantity: 60 * 1024 + 1 },
      { unit: "kinesis.putUnits", fn: "sweeper", resource: "committed", quantity: 1 },
      { unit: "kinesis.putUnits", fn: "sweeper", resource: "committed-arn", quantity: 3 },
      { unit: "kinesis.records", fn: "sweeper", resource: "committed", quantity: 1 },
      { unit: "kinesis.records", fn: "sweeper", resource: "committed-arn", quantity: 1 },
    ]);
  });

  it("bills nothing for a failed call, a read or a call that puts nothing, and models each call at the Kinesis latency", async () => {
    const inv = await runAsFunction("rooms", async (inv) => {
      await expect(client.send(new PutRecordsCommand({ StreamName: "missing", Records: [{ Data: bytes(10), PartitionKey: "k" }] }))).rejects.toMatchObject({
        name: "ResourceNotFoundException",
      });
      await expect(client.send(new PutRecordCommand({ StreamName: "missing", Data: bytes(10), PartitionKey: "k" }))).rejects.toMatchObject({
        name: "ResourceNotFoundException",
      });
      const shards = await client.send(new ListShardsCommand({ StreamName: "committed" }));
      const { ShardIterator } = await client.send(new GetShardIteratorCommand({ StreamName: "committed", ShardId: shards.Shards![0]!.ShardId!, ShardIteratorType: "TRIM_HORIZON" }));
      await client.send(new GetRecordsCommand({ ShardIterator }));
      // Every record refused: nothing.
      kinesis.failNextRecords(2);
      const refused = await client.send(new PutRecordsCommand({ StreamName: "committed", Records: [{ Data: bytes(10), PartitionKey: "k" }, { Data: bytes(10), PartitionKey: "k" }] }));
      expect(refused.FailedRecordCount).toBe(2);
      return inv;
    });
    expect(processUsage.snapshot()).toEqual([]);
    expect(inv.calls).toBe(6);
    expect(inv.modelledMs).toBe(6 * MODELLED_LATENCY_MS.kinesis);
    expect(MODELLED_LATENCY_MS.kinesis).toBe(20);
  });

  it("sizes records and names streams as Kinesis does", () => {
    expect(KINESIS_PUT_UNIT_BYTES).toBe(25_600);
    expect(kinesisRecordBytes({ Data: bytes(10), PartitionKey: "ab€" })).toBe(10 + 5);
    expect(kinesisRecordBytes({ Data: undefined, PartitionKey: "k" })).toBe(1);
    expect(kinesisStreamName({ StreamName: "s", StreamARN: "arn:aws:kinesis:us-east-1:1:stream/t" })).toBe("s");
    expect(kinesisStreamName({ StreamARN: "arn:aws:kinesis:eu-west-1:123456789012:stream/my.stream-1" })).toBe("my.stream-1");
  });
});
