import type { TestProject } from "vitest/node";
import { startDynamoLocal } from "../packages/local/src/dynamo-local.js";
import { startStack } from "../packages/local/src/stack.js";

/**
 * Starts one DynamoDB Local for the whole run (adapter conformance suites create their own
 * uniquely prefixed tables in it) and one local stack, with a DynamoDB Local of its own, that
 * the end-to-end tests talk to over real HTTP. That stack runs with
 * WEFT_FAULT_POISON_CLIENT=poison-client, so changes from that client make the sequencer
 * throw (the end-to-end poison-record test relies on it), and with
 * WEFT_FAULT_FAIL_TARGET=search:bus-fault-, so bus deliveries to the search target fail the first K
 * times for documents named "bus-fault-<K>-..." (the dead-letter end-to-end test relies on it), and
 * with WEFT_FAULT_SKIP_COMMITTED=stream-lost-, so the room tier leaves the first K batches of
 * documents named "stream-lost-<K>-..." off the committed stream (committed-stream.test.ts), whose
 * repair on open it checks 1 s after a subscription (WEFT_MATERIALIZED_CHECK_MS) instead of 10 s.
 */
export default async function setup(project: TestProject) {
  // Two DynamoDB Locals: the stack gets its own, so the many tables and streams the suites
  // create cannot disturb its stream (DynamoDB Local's streams misbehave across many tables).
  const [dynamo, stack] = await Promise.allSettled([
    startDynamoLocal(),
    startStack({
      port: 0,
      data: "memory",
      quiet: true,
      env: { WEFT_FAULT_POISON_CLIENT: "poison-client", WEFT_FAULT_FAIL_TARGET: "search:bus-fault-", WEFT_FAULT_SKIP_COMMITTED: "stream-lost-", WEFT_MATERIALIZED_CHECK_MS: "1000", WEFT_STRUCTURED_LOGS: "off" },
    }),
  ]);
  if (dynamo.status === "rejected" || stack.status === "rejected") {
    if (dynamo.status === "fulfilled") await dynamo.value.stop();
    if (stack.status === "fulfilled") await stack.value.stop();
    throw dynamo.status === "rejected" ? dynamo.reason : (stack as PromiseRejectedResult).reason;
  }
  project.provide("dynamoEndpoint", dynamo.value.endpoint);
  project.provide("stackUrl", stack.value.url);
  project.provide("roomsUrl", stack.value.roomsUrl);
  // The stack's local Kinesis endpoint: committed-stream tests put a malformed record on it.
  project.provide("kinesisEndpoint", stack.value.kinesis.endpoint);
  // The stack's own tables: WebSocket tests check connection cleanup in its connections table.
  project.provide("stackDynamoEndpoint", stack.value.dynamoEndpoint);
  project.provide("stackTables", stack.value.tables);
  return async () => {
    await stack.value.stop();
    await dynamo.value.stop();
  };
}

declare module "vitest" {
  export interface ProvidedContext {
    dynamoEndpoint: string;
    stackUrl: string;
    /** The room tier's WebSocket URL (docs/rooms.md). */
    roomsUrl: string;
    /** The stack's local Kinesis endpoint (docs/kinesis-local.md). */
    kinesisEndpoint: string;
  }
}
