import { randomUUID } from "node:crypto";
import { inject } from "vitest";
import { dynamoClient } from "../../src/adapters/dynamo/client.js";
import { ensureTables, tableNames, type TableNames } from "../../src/adapters/dynamo/create-tables.js";

/** The run's DynamoDB Local (started by the global setup) and a client for it. */
export const client = dynamoClient(inject("dynamoEndpoint"));

/**
 * Creates a fresh, uniquely prefixed set of the manifest's tables, without DynamoDB's TTL
 * (as the local stack does on a test clock): DynamoDB Local reclaims items whose TTL is in the
 * real past in the background, and the fixtures' times (1_760_000_000_000, fixed dates) are long
 * past, so an item a test just wrote could vanish before it is read back. Expiry is judged by
 * the stores' own reads (they filter on `expiresAt`), which the tests exercise.
 */
export async function freshTables(): Promise<TableNames> {
  const names = tableNames(`t${randomUUID().slice(0, 8)}`);
  await ensureTables(client, names, { ttl: false });
  return names;
}
