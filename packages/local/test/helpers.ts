import { randomBytes } from "node:crypto";
import { CreateTableCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { Logger } from "../src/log.js";

/** A unique table name for this test run. */
export function uniqueName(label: string): string {
  return `test-${label}-${randomBytes(4).toString("hex")}`;
}

/** Creates a pk/sk table with a stream (DynamoDB Local makes it ACTIVE at once). */
export async function createStreamTable(
  client: DynamoDBClient,
  name: string,
  view: "NEW_IMAGE" | "NEW_AND_OLD_IMAGES" = "NEW_AND_OLD_IMAGES",
): Promise<void> {
  await client.send(
    new CreateTableCommand({
      TableName: name,
      BillingMode: "PAY_PER_REQUEST",
      AttributeDefinitions: [
        { AttributeName: "pk", AttributeType: "S" },
        { AttributeName: "sk", AttributeType: "S" },
      ],
      KeySchema: [
        { AttributeName: "pk", KeyType: "HASH" },
        { AttributeName: "sk", KeyType: "RANGE" },
      ],
      StreamSpecification: { StreamEnabled: true, StreamViewType: view },
    }),
  );
}

/** Polls `check` until it returns true; fails with `what` after `timeoutMs`. */
export async function waitFor(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A logger that keeps entries for assertions instead of printing them. */
export function memoryLogger(): Logger & { entries: Array<{ level: string; msg: string; fields?: Record<string, unknown> }> } {
  const entries: Array<{ level: string; msg: string; fields?: Record<string, unknown> }> = [];
  return {
    entries,
    info: (msg, fields) => entries.push({ level: "info", msg, fields }),
    warn: (msg, fields) => entries.push({ level: "warn", msg, fields }),
    error: (msg, fields) => entries.push({ level: "error", msg, fields }),
  };
}
