import type { TestProject } from "vitest/node";
import { startDynamoLocal } from "../packages/local/src/dynamo-local.js";
import { startStack } from "../packages/local/src/stack.js";

/**
 * Starts one DynamoDB Local for the whole run (adapter conformance suites create their own
 * uniquely prefixed tables in it) and one local stack on it (with its own table prefix) that
 * the end-to-end tests talk to over real HTTP. That stack runs with
 * WEFT_FAULT_POISON_CLIENT=poison-client, so changes from that client make the sequencer
 * throw (the end-to-end poison-record test relies on it).
 */
export default async function setup(project: TestProject) {
  const dynamo = await startDynamoLocal();
  project.provide("dynamoEndpoint", dynamo.endpoint);
  const stack = await startStack({
    port: 0,
    data: "memory",
    dynamoEndpoint: dynamo.endpoint,
    quiet: true,
    env: { WEFT_FAULT_POISON_CLIENT: "poison-client", WEFT_STRUCTURED_LOGS: "off" },
  }).catch(async (err) => {
    await dynamo.stop();
    throw err;
  });
  project.provide("stackUrl", stack.url);
  return async () => {
    await stack.stop();
    await dynamo.stop();
  };
}

declare module "vitest" {
  export interface ProvidedContext {
    dynamoEndpoint: string;
    stackUrl: string;
  }
}
