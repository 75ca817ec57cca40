import type { AttributeValue, ConsumedCapacity } from "@aws-sdk/client-dynamodb";
import { failedWriteUnits, itemSize } from "../dynamo/capacity.js";

/*
 * DynamoDB request units of one call, from what the call sent and got back. Pure: the SDK
 * middleware (sdk-metering.ts) adds the result to the meter.
 */

/** One table's units of one call. */
export interface DynamoUnits {
  table: string;
  kind: "read" | "write";
  units: number;
}

/** Operations that consume read units, and write units; each accepts ReturnConsumedCapacity. */
const READ_OPS = new Set(["GetItem", "Query", "Scan", "BatchGetItem", "TransactGetItems"]);
const WRITE_OPS = new Set(["PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"]);

/** Whether `operation` (e.g. "PutItem") returns ConsumedCapacity when asked (ReturnConsumedCapacity). */
export function reportsCapacity(operation: string): boolean {
  return READ_OPS.has(operation) || WRITE_OPS.has(operation);
}

type Input = Record<string, any>;

/**
 * The units a successful call consumed, per table, from its ConsumedCapacity (one object or
 * an array, per TableName). Where DynamoDB splits read and write units (transactions) both
 * are taken; otherwise CapacityUnits counts as the operation's kind. Operations that do not
 * consume request units (DescribeTable, CreateTable, ...) give none.
 */
export function consumedUnits(operation: string, input: Input, output: { ConsumedCapacity?: ConsumedCapacity | ConsumedCapacity[] } | undefined): DynamoUnits[] {
  if (operation === "TransactWriteItems") return transactWriteUnits(input, output?.ConsumedCapacity);
  if (!reportsCapacity(operation) || !output?.ConsumedCapacity) return [];
  const kind = READ_OPS.has(operation) ? "read" : "write";
  const out: DynamoUnits[] = [];
  for (const c of Array.isArray(output.ConsumedCapacity) ? output.ConsumedCapacity : [output.ConsumedCapacity]) {
    const table = c.TableName ?? input.TableName ?? "?";
    if (c.ReadCapacityUnits !== undefined || c.WriteCapacityUnits !== undefined) {
      if (c.ReadCapacityUnits) out.push({ table, kind: "read", units: c.ReadCapacityUnits });
      if (c.WriteCapacityUnits) out.push({ table, kind: "write", units: c.WriteCapacityUnits });
    } else if (c.CapacityUnits) {
      out.push({ table, kind, units: c.CapacityUnits });
    }
  }
  return out;
}

/**
 * A successful TransactWriteItems, per table: the larger of what DynamoDB reported and the
 * transactional price of its actions, 2 units per started KB of each action's item (a Put's
 * own item; 1 KB for an Update, Delete or ConditionCheck, whose stored item the call does not
 * see). DynamoDB Local reports 2 units for a whole transaction whatever its actions, which
 * would bill a three-item transaction as one item; AWS bills each action.
 */
function transactWriteUnits(input: Input, reported: ConsumedCapacity | ConsumedCapacity[] | undefined): DynamoUnits[] {
  const byTable = new Map<string, number>();
  for (const action of (input.TransactItems ?? []) as Input[]) {
    const body = action.Put ?? action.Update ?? action.Delete ?? action.ConditionCheck ?? {};
    const bytes = action.Put?.Item ? itemSize(action.Put.Item) : 0;
    const table = body.TableName ?? "?";
    byTable.set(table, (byTable.get(table) ?? 0) + 2 * Math.max(1, Math.ceil(bytes / 1024)));
  }
  for (const c of reported === undefined ? [] : Array.isArray(reported) ? reported : [reported]) {
    const table = c.TableName ?? "?";
    const units = c.WriteCapacityUnits ?? c.CapacityUnits ?? 0;
    byTable.set(table, Math.max(byTable.get(table) ?? 0, units));
  }
  return [...byTable].filter(([, units]) => units > 0).map(([table, units]) => ({ table, kind: "write" as const, units }));
}

/**
 * The units a failed call is billed though it returned no ConsumedCapacity:
 * - ConditionalCheckFailedException (PutItem, UpdateItem, DeleteItem): DynamoDB bills the
 *   write at the size of the existing item, at least 1 unit: measured from the exception's
 *   `Item` when the request asked ReturnValuesOnConditionCheckFailure ALL_OLD, else 1 unit
 *   (capacity.ts `failedWriteUnits`).
 * - TransactionCanceledException: the transactional price of every action, 2 units per
 *   started KB (writes) or per started 4 KB (reads). An action's size is the larger of its
 *   Put item and the item its cancellation reason returns (ALL_OLD), else 1 KB: an upper
 *   estimate (the same rule as notify-transact.ts), so failures are never reported free.
 * - Anything else (throttling, validation, a 5xx): nothing; AWS does not bill those.
 */
export function failedCallUnits(operation: string, input: Input, err: unknown): DynamoUnits[] {
  const e = err as { name?: string; Item?: Record<string, AttributeValue>; CancellationReasons?: Array<{ Item?: Record<string, AttributeValue> }> };
  if (e?.name === "ConditionalCheckFailedException" && WRITE_OPS.has(operation) && input.TableName) {
    return [{ table: input.TableName, kind: "write", units: failedWriteUnits(e.Item) }];
  }
  if (e?.name !== "TransactionCanceledException") return [];
  const reasons = e.CancellationReasons ?? [];
  if (operation === "TransactWriteItems") {
    return (input.TransactItems ?? []).map((action: Input, i: number) => {
      const body = action.Put ?? action.Update ?? action.Delete ?? action.ConditionCheck ?? {};
      const bytes = Math.max(action.Put?.Item ? itemSize(action.Put.Item) : 0, reasons[i]?.Item ? itemSize(reasons[i].Item!) : 0);
      return { table: body.TableName ?? "?", kind: "write" as const, units: 2 * Math.max(1, Math.ceil(bytes / 1024)) };
    });
  }
  if (operation === "TransactGetItems") {
    return (input.TransactItems ?? []).map((action: Input) => ({ table: action.Get?.TableName ?? "?", kind: "read" as const, units: 2 }));
  }
  return [];
}
