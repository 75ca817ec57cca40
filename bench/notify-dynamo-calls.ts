import { DynamoDBClient } from "@aws-sdk/client-dynamodb";

/**
 * Counts this process's DynamoDB requests while it runs, each as `<Operation> <table>[:<kind>]`
 * (kind: the partition key's prefix before its first "#", e.g. notify's s/f/d/p; for batches
 * and transactions, every table and kind inside). The local stack runs every handler in this
 * process, all on DynamoDBClient, whose `send` is wrapped here for the bench's lifetime
 * (counting only; the request goes on unchanged). `tables`: physical -> logical name.
 */
export function countDynamoCalls(tables: Record<string, string>): { stop(): { total: number; byCall: Record<string, number> } } {
  const counts: Record<string, number> = {};
  const logical = new Map(Object.entries(tables).map(([name, physical]) => [physical, name]));
  const proto = DynamoDBClient.prototype as unknown as { send: (command: unknown, ...rest: unknown[]) => unknown };
  const send = proto.send;
  proto.send = function (this: unknown, command: unknown, ...rest: unknown[]) {
    const c = command as { constructor: { name: string }; input?: Record<string, unknown> };
    const op = c.constructor.name.replace(/Command$/, "");
    const key = `${op} ${describe(c.input ?? {}, logical)}`;
    counts[key] = (counts[key] ?? 0) + 1;
    return send.call(this, command, ...rest);
  };
  return {
    stop() {
      proto.send = send;
      const byCall = Object.fromEntries(Object.entries(counts).sort((a, b) => b[1] - a[1]));
      return { total: Object.values(counts).reduce((a, b) => a + b, 0), byCall };
    },
  };
}

type Input = Record<string, unknown>;

function describe(input: Input, logical: Map<string, string>): string {
  const parts = new Set<string>();
  const one = (table: unknown, pkValue: unknown) => {
    const name = logical.get(String(table)) ?? String(table);
    const kind = typeof pkValue === "string" && pkValue.includes("#") ? pkValue.slice(0, pkValue.indexOf("#")) : "";
    parts.add(kind ? `${name}:${kind}` : name);
  };
  const firstS = (o: unknown): unknown => {
    for (const v of Object.values((o ?? {}) as Record<string, { S?: string }>)) if (v && typeof v.S === "string") return v.S;
    return undefined;
  };
  if (input.TableName !== undefined) {
    one(input.TableName, firstS(input.Key ?? input.Item ?? input.ExpressionAttributeValues));
  } else if (input.RequestItems) {
    for (const [table, req] of Object.entries(input.RequestItems as Record<string, unknown>)) {
      const list = Array.isArray(req) ? req : ((req as { Keys?: unknown[] }).Keys ?? []);
      for (const r of list as Input[]) one(table, firstS((r.PutRequest as Input)?.Item ?? (r.DeleteRequest as Input)?.Key ?? r));
    }
  } else if (input.TransactItems) {
    for (const t of input.TransactItems as Input[]) {
      for (const [kind, body] of Object.entries(t)) {
        const b = body as Input;
        parts.add(`${kind}:${describe({ TableName: b.TableName, Key: b.Key ?? b.Item }, logical)}`);
      }
    }
  }
  return [...parts].sort().join(",");
}
