import { DescribeTableCommand } from "@aws-sdk/client-dynamodb";
import { expect, inject, test } from "vitest";
import { dynamoClient } from "@weft/functions/adapters/dynamo/client";
import { linkedTable } from "@weft/functions/linked";
import { tables as manifestTables, type TableName } from "../../../infra/manifest.js";
import { startStack } from "../src/stack.js";

test("startStack on a given DynamoDB: prefixed manifest tables, handler environment, HTTP API, one stack per process", async () => {
  const dynamoEndpoint = inject("dynamoEndpoint");
  const stack = await startStack({ port: 0, data: "memory", dynamoEndpoint, quiet: true, env: { WEFT_EXTRA: "x" } });
  const client = dynamoClient(dynamoEndpoint);
  try {
    expect(stack.dynamoEndpoint).toBe(dynamoEndpoint);
    expect(Object.keys(stack.tables).sort()).toEqual(Object.keys(manifestTables).sort());
    const [prefix] = stack.tables.inbox.split("-inbox");
    expect(prefix).toMatch(/^weft-local-[0-9a-f]{8}$/);
    for (const [logical, physical] of Object.entries(stack.tables)) {
      expect(physical).toBe(`${prefix}-${logical}`);
      expect(linkedTable(logical as TableName)).toBe(physical);
      const d = await client.send(new DescribeTableCommand({ TableName: physical }));
      expect(d.Table?.TableStatus).toBe("ACTIVE");
    }
    expect(process.env).toMatchObject({ WEFT_DYNAMO_ENDPOINT: dynamoEndpoint, AWS_REGION: "us-east-1", WEFT_STAGE: "local", WEFT_EXTRA: "x" });
    expect(process.env.WEFT_JWT_SECRET).toBeTruthy();
    // Admin metrics written at the end of every invocation: exact right after an action.
    expect(process.env.WEFT_METRICS_FLUSH_MS).toBe("0");
    expect(JSON.parse(process.env.SST_RESOURCE_App!)).toEqual({ name: "weft", stage: "local" });

    const res = await fetch(`${stack.url}/v1/nothing-here`);
    expect(res.status).toBe(404);
    await expect(startStack({ port: 0, data: "memory", dynamoEndpoint, quiet: true })).rejects.toThrow(/already running/);
  } finally {
    await stack.stop();
    client.destroy();
  }
  await expect(fetch(`${stack.url}/v1/nothing-here`)).rejects.toThrow();
  // Stopped stacks free the process for the next one.
  const again = await startStack({ port: 0, data: "memory", dynamoEndpoint, quiet: true });
  await again.stop();
});
