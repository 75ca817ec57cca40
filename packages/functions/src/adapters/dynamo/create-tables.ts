import {
  CreateTableCommand,
  DescribeTableCommand,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
  type DynamoDBClient,
} from "@aws-sdk/client-dynamodb";
import { tables, type TableSpec } from "../../../../../infra/manifest.js";

export type TableName = keyof typeof tables;
export type TableNames = Record<TableName, string>;

/** Physical table names for a stack: `<prefix>-<logical name>`. */
export function tableNames(prefix: string): TableNames {
  const out = {} as TableNames;
  for (const name of Object.keys(tables) as TableName[]) out[name] = `${prefix}-${name}`;
  return out;
}

/**
 * Creates every manifest table that does not exist yet (on-demand billing, streams and TTL
 * as the manifest says) and waits until each is ACTIVE. Safe to call on every start.
 * Used by the local stack and by tests against DynamoDB Local; on AWS, SST creates tables.
 */
export async function ensureTables(client: DynamoDBClient, names: TableNames, opts: { ttl?: boolean } = {}): Promise<void> {
  for (const [logical, spec] of Object.entries(tables) as Array<[TableName, TableSpec]>) {
    const TableName = names[logical];
    try {
      await client.send(
        new CreateTableCommand({
          TableName,
          BillingMode: "PAY_PER_REQUEST",
          AttributeDefinitions: [
            { AttributeName: spec.partitionKey, AttributeType: "S" },
            { AttributeName: spec.sortKey, AttributeType: "S" },
          ],
          KeySchema: [
            { AttributeName: spec.partitionKey, KeyType: "HASH" },
            { AttributeName: spec.sortKey, KeyType: "RANGE" },
          ],
          StreamSpecification: spec.stream
            ? { StreamEnabled: true, StreamViewType: spec.stream === "new-image" ? "NEW_IMAGE" : "NEW_AND_OLD_IMAGES" }
            : undefined,
        }),
      );
      if (spec.ttl && opts.ttl !== false) {
        await client.send(
          new UpdateTimeToLiveCommand({ TableName, TimeToLiveSpecification: { AttributeName: spec.ttl, Enabled: true } }),
        );
      }
    } catch (err) {
      if (!(err instanceof ResourceInUseException)) throw err;
    }
    for (;;) {
      const d = await client.send(new DescribeTableCommand({ TableName }));
      if (d.Table?.TableStatus === "ACTIVE") break;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}
