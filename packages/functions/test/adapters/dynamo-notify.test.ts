import { randomUUID } from "node:crypto";
import { CreateTableCommand, DescribeTableCommand, UpdateTimeToLiveCommand } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, expect } from "vitest";
import {
  runDecisionLogStoreConformance,
  runDeviceStoreConformance,
  runNotificationFeedStoreConformance,
  runNotifyProfileStoreConformance,
  runNotifyUserStateStoreConformance,
} from "@weft/core/testing";
import { CapacityAccumulator } from "../../src/adapters/dynamo/capacity.js";
import { DynamoDecisionLogStore } from "../../src/adapters/dynamo/notify-decision-log-store.js";
import { DynamoDeviceStore } from "../../src/adapters/dynamo/notify-device-store.js";
import { DynamoNotificationFeedStore } from "../../src/adapters/dynamo/notify-feed-store.js";
import { DynamoNotifyProfileStore } from "../../src/adapters/dynamo/notify-profile-store.js";
import { DynamoNotifyUserStateStore } from "../../src/adapters/dynamo/notify-user-state-store.js";
import { client } from "./dynamo-harness.js";

// The `notify` table as the manifest should declare it (pk/sk strings, TTL `expiresAt`), made
// here under a unique name until the manifest has it; then this becomes freshTables().notify.
let table: string;
const meter = new CapacityAccumulator();
const opts = () => ({ client, table, meter });

beforeAll(async () => {
  table = `notify-${randomUUID().slice(0, 8)}`;
  await client.send(
    new CreateTableCommand({
      TableName: table,
      BillingMode: "PAY_PER_REQUEST",
      AttributeDefinitions: [
        { AttributeName: "pk", AttributeType: "S" },
        { AttributeName: "sk", AttributeType: "S" },
      ],
      KeySchema: [
        { AttributeName: "pk", KeyType: "HASH" },
        { AttributeName: "sk", KeyType: "RANGE" },
      ],
    }),
  );
  await client.send(new UpdateTimeToLiveCommand({ TableName: table, TimeToLiveSpecification: { AttributeName: "expiresAt", Enabled: true } }));
  while ((await client.send(new DescribeTableCommand({ TableName: table }))).Table?.TableStatus !== "ACTIVE") await new Promise((r) => setTimeout(r, 50));
});

runNotifyUserStateStoreConformance("dynamo", async ({ now }) => new DynamoNotifyUserStateStore({ ...opts(), now }));
runNotificationFeedStoreConformance("dynamo", async () => new DynamoNotificationFeedStore(opts()));
runDecisionLogStoreConformance("dynamo", async ({ now, retentionMs }) => new DynamoDecisionLogStore({ ...opts(), now, retentionMs }));
runDeviceStoreConformance("dynamo", async () => new DynamoDeviceStore(opts()));
runNotifyProfileStoreConformance("dynamo", async () => new DynamoNotifyProfileStore(opts()));

afterAll(() => {
  const units = meter.snapshot().byTable[table];
  expect(units?.read).toBeGreaterThan(0);
  expect(units?.write).toBeGreaterThan(0);
});
