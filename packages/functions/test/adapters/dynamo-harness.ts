import { randomUUID } from "node:crypto";
import { inject } from "vitest";
import { dynamoClient } from "../../src/adapters/dynamo/client.js";
import { ensureTables, tableNames, type TableNames } from "../../src/adapters/dynamo/create-tables.js";

/** The run's DynamoDB Local (started by the global setup) and a client for it. */
export const client = dynamoClient(inject("dynamoEndpoint"));

/** Creates a fresh, uniquely prefixed set of the manifest's tables. */
export async function freshTables(): Promise<TableNames> {
  const names = tableNames(`t${randomUUID().slice(0, 8)}`);
  await ensureTables(client, names);
  return names;
}
