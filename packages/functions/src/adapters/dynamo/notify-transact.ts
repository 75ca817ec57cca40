import {
  DeleteItemCommand,
  TransactWriteItemsCommand,
  TransactionCanceledException,
  type Delete,
  type Put,
  type TransactWriteItem,
  type Update,
} from "@aws-sdk/client-dynamodb";
import { itemSize, type CapacityMeter } from "./capacity.js";
import type { Item, Table } from "./table.js";

/** One action of a transaction, without its TableName (the table fills it in). */
export type TransactAction =
  | { put: Omit<Put, "TableName"> }
  | { update: Omit<Update, "TableName"> }
  | { delete: Omit<Delete, "TableName"> };

/**
 * A transaction's outcome. On cancellation, `codes[i]` is DynamoDB's reason for action i:
 * "None" (fine), "ConditionalCheckFailed", "TransactionConflict" (another transaction held
 * the item), ... Callers map them to their port's result.
 */
export type TransactResult = { ok: true } | { ok: false; codes: string[] };

/**
 * TransactWriteItems on one table (at most 100 actions), metered like Table's calls. A
 * canceled transaction returns no ConsumedCapacity, yet DynamoDB bills it; it is metered as
 * the transactional price of its writes (2 units per started KB of each put item, at least
 * 2 per action), an upper estimate that keeps the meter from reporting failures as free.
 * Errors other than cancellation propagate.
 */
export async function transactWrite(table: Table, meter: CapacityMeter | undefined, actions: TransactAction[]): Promise<TransactResult> {
  const TransactItems: TransactWriteItem[] = actions.map((a) =>
    "put" in a
      ? { Put: { ...a.put, TableName: table.name } }
      : "update" in a
        ? { Update: { ...a.update, TableName: table.name } }
        : { Delete: { ...a.delete, TableName: table.name } },
  );
  try {
    const out = await table.client.send(new TransactWriteItemsCommand({ TransactItems, ReturnConsumedCapacity: "TOTAL" }));
    for (const c of out.ConsumedCapacity ?? []) meter?.add(c.TableName ?? table.name, "write", c.CapacityUnits ?? 0);
    return { ok: true };
  } catch (err) {
    if (!(err instanceof TransactionCanceledException)) throw err;
    const units = actions.reduce((sum, a) => sum + 2 * Math.max(1, Math.ceil(("put" in a ? itemSize(a.put.Item as Item) : 0) / 1024)), 0);
    meter?.add(table.name, "write", units);
    return { ok: false, codes: (err.CancellationReasons ?? []).map((r) => r.Code ?? "None") };
  }
}

/** DeleteItem that says whether the item existed (ReturnValues ALL_OLD), metered like Table's calls. */
export async function deleteExisting(table: Table, meter: CapacityMeter | undefined, Key: Item): Promise<boolean> {
  const out = await table.client.send(
    new DeleteItemCommand({ TableName: table.name, Key, ReturnValues: "ALL_OLD", ReturnConsumedCapacity: "TOTAL" }),
  );
  meter?.add(out.ConsumedCapacity?.TableName ?? table.name, "write", out.ConsumedCapacity?.CapacityUnits ?? 0);
  return out.Attributes !== undefined;
}
