import { randomUUID } from "node:crypto";
import { QueryCommand, type AttributeValue } from "@aws-sdk/client-dynamodb";
import { client } from "./dynamo-harness.js";

/** Helpers for tests of one notify-table store's own layout and costs, against DynamoDB Local. */
export type Raw = Record<string, AttributeValue>;

/** A fresh user of a fresh tenant. */
export const freshUser = () => ({ tenant: `t${randomUUID().slice(0, 8)}`, userId: `u${randomUUID().slice(0, 8)}` });

/** Every item of partition `pk` in `table` (strongly consistent). */
export async function partition(table: string, pk: string): Promise<Raw[]> {
  const out = await client.send(
    new QueryCommand({ TableName: table, KeyConditionExpression: "pk = :pk", ExpressionAttributeValues: { ":pk": { S: pk } }, ConsistentRead: true }),
  );
  return out.Items ?? [];
}

/** The DynamoDB commands `fn` sends through the shared client, by name. */
export async function commandsOf(fn: () => Promise<unknown>): Promise<string[]> {
  const names: string[] = [];
  const send = client.send;
  client.send = ((command: { constructor: { name: string } }, ...rest: unknown[]) => {
    names.push(command.constructor.name.replace(/Command$/, ""));
    return (send as (...a: unknown[]) => unknown).call(client, command, ...rest);
  }) as typeof client.send;
  try {
    await fn();
  } finally {
    client.send = send;
  }
  return names;
}
