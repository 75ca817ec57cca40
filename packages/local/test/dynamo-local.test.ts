import { ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { expect, inject, test } from "vitest";
import { dynamoClient } from "@weft/functions/adapters/dynamo/client";

test("DynamoDB Local from the global setup answers the real API", async () => {
  const client = dynamoClient(inject("dynamoEndpoint"));
  const out = await client.send(new ListTablesCommand({}));
  expect(Array.isArray(out.TableNames)).toBe(true);
  client.destroy();
});
