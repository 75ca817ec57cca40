import { existsSync } from "node:fs";
import type { TestProject } from "vitest/node";
import { startDynamoLocal } from "../packages/local/src/dynamo-local.js";

/**
 * Starts one DynamoDB Local for the whole run (adapter conformance suites create their own
 * uniquely prefixed tables in it) and, once the local stack exists, one in-memory stack
 * that the end-to-end tests talk to over real HTTP.
 */
export default async function setup(project: TestProject) {
  const dynamo = await startDynamoLocal();
  project.provide("dynamoEndpoint", dynamo.endpoint);
  let stopStack: (() => Promise<void>) | undefined;
  project.provide("stackUrl", "");
  if (existsSync(new URL("../packages/local/src/stack.ts", import.meta.url))) {
    const { startStack } = await import("../packages/local/src/stack.js");
    const stack = await startStack({ port: 0, data: "memory", dynamoEndpoint: dynamo.endpoint, quiet: true });
    project.provide("stackUrl", stack.url);
    stopStack = stack.stop;
  }
  return async () => {
    await stopStack?.();
    await dynamo.stop();
  };
}

declare module "vitest" {
  export interface ProvidedContext {
    dynamoEndpoint: string;
    stackUrl: string;
  }
}
