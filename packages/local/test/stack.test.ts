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
  // A bad number of room tasks is refused before anything starts.
  for (const roomTasks of [0, 1.5, -1]) await expect(startStack({ port: 0, data: "memory", dynamoEndpoint, quiet: true, roomTasks })).rejects.toThrow(/roomTasks: expected a whole number >= 1/);
  // Stopped stacks free the process for the next one; this one with two room tasks, each serving.
  const again = await startStack({ port: 0, data: "memory", dynamoEndpoint, quiet: true, roomTasks: 2 });
  try {
    expect(again.roomsUrls).toHaveLength(2);
    expect(again.roomsUrls[0]).toBe(again.roomsUrl);
    for (const url of again.roomsUrls) expect((await fetch(url.replace(/^ws/, "http").replace(/\/ws$/, "/health"))).status).toBe(200);
  } finally {
    await again.stop();
  }
});
