import { PutItemCommand, type AttributeValue } from "@aws-sdk/client-dynamodb";
import type { DynamoDBRecord, DynamoDBStreamEvent } from "aws-lambda";
import { afterAll, afterEach, inject } from "vitest";
import { dynamoClient } from "@weft/functions/adapters/dynamo/client";
import { localFunction, type LambdaHandler } from "../src/lambda.js";
import { StreamPoller, type StreamPollerOptions, type StreamSettings } from "../src/stream-poller.js";
import { createStreamTable, memoryLogger, uniqueName, waitFor } from "./helpers.js";

/**
 * Poller tests' shared setup: their own tables in the run's DynamoDB Local, writes, pollers
 * with a test handler (stopped after each test), and reading back sequence numbers.
 */
export const endpoint = inject("dynamoEndpoint");
export const client = dynamoClient(endpoint);
const pollers: StreamPoller[] = [];

afterEach(async () => {
  await Promise.all(pollers.splice(0).map((p) => p.stop()));
});
afterAll(() => client.destroy());

export const baseSettings: StreamSettings = {
  startingPosition: "TRIM_HORIZON",
  batchSize: 100,
  maximumBatchingWindowInSeconds: 0,
  maximumRetryAttempts: 2,
  maximumRecordAgeInSeconds: -1,
  bisectBatchOnFunctionError: false,
  reportBatchItemFailures: false,
  parallelizationFactor: 1,
};

/** A new stream-enabled (NEW_AND_OLD_IMAGES) table; returns its name. */
export async function table(label: string): Promise<string> {
  const name = uniqueName(label);
  await createStreamTable(client, name);
  return name;
}

/** Puts item (pk, sk); numbers and booleans in `extra` become N and BOOL attributes. */
export async function put(tableName: string, pk: string, sk: string, extra: Record<string, number | boolean | AttributeValue> = {}): Promise<void> {
  const Item: Record<string, AttributeValue> = { pk: { S: pk }, sk: { S: sk } };
  for (const [k, v] of Object.entries(extra)) Item[k] = typeof v === "number" ? { N: String(v) } : typeof v === "boolean" ? { BOOL: v } : v;
  await client.send(new PutItemCommand({ TableName: tableName, Item }));
}

/** Starts a poller of `tableName` calling `handler` as function "consumer". */
export async function startPoller(
  tableName: string,
  settings: Partial<StreamSettings>,
  handler: LambdaHandler,
  extra: Partial<StreamPollerOptions> = {},
): Promise<StreamPoller> {
  const poller = new StreamPoller({
    endpoint,
    tableName,
    settings: { ...baseSettings, ...settings },
    fn: localFunction("consumer", handler),
    log: memoryLogger(),
    ...extra,
  });
  pollers.push(poller);
  await poller.start();
  return poller;
}

export const seqOf = (r: DynamoDBRecord) => r.dynamodb!.SequenceNumber!;
export const skOf = (r: DynamoDBRecord) => r.dynamodb!.Keys!.sk.S!;
export const isPoison = (r: DynamoDBRecord) => r.dynamodb!.NewImage?.poison?.BOOL === true;
export const pad = (i: number) => `s${String(i).padStart(2, "0")}`;

/** The stream sequence number of item (p, sk), read with a throwaway TRIM_HORIZON poller. */
export async function sequenceOf(tableName: string, sk: string): Promise<string> {
  const found = new Map<string, string>();
  const p = new StreamPoller({
    endpoint,
    tableName,
    settings: baseSettings,
    fn: localFunction("probe", async (e: DynamoDBStreamEvent) => e.Records.forEach((r) => found.set(skOf(r), seqOf(r)))),
    log: memoryLogger(),
  });
  await p.start();
  await waitFor(`the sequence number of ${sk}`, () => found.has(sk));
  await p.stop();
  return found.get(sk)!;
}
