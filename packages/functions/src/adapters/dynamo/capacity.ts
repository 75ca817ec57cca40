import type { AttributeValue } from "@aws-sdk/client-dynamodb";

export type CapacityKind = "read" | "write";

/**
 * Receives the capacity units every DynamoDB call consumed. At our scale write units per
 * op are the bill, so adapters report every call (failed conditional writes included) and
 * tests and benchmarks assert on the totals.
 */
export interface CapacityMeter {
  add(table: string, kind: CapacityKind, units: number): void;
}

export interface CapacityTotals {
  read: number;
  write: number;
}

export interface CapacitySnapshot {
  total: CapacityTotals;
  /** Per physical table name. */
  byTable: Record<string, CapacityTotals>;
}

/** A meter that sums units per table and kind. */
export class CapacityAccumulator implements CapacityMeter {
  private totals = new Map<string, CapacityTotals>();

  add(table: string, kind: CapacityKind, units: number): void {
    const t = this.totals.get(table) ?? { read: 0, write: 0 };
    t[kind] += units;
    this.totals.set(table, t);
  }

  /** Totals so far, overall and per table (a copy). */
  snapshot(): CapacitySnapshot {
    const total = { read: 0, write: 0 };
    for (const t of this.totals.values()) {
      total.read += t.read;
      total.write += t.write;
    }
    return { total, byTable: Object.fromEntries([...this.totals].map(([table, t]) => [table, { ...t }])) };
  }

  reset(): void {
    this.totals = new Map();
  }
}

/**
 * An item's size as DynamoDB bills it (attribute names plus values) for the attribute
 * types the adapters write: S and B count their bytes, N about one byte per two digits.
 */
export function itemSize(item: Record<string, AttributeValue>): number {
  let size = 0;
  for (const [name, v] of Object.entries(item)) {
    size += Buffer.byteLength(name);
    if (v.S !== undefined) size += Buffer.byteLength(v.S);
    else if (v.B !== undefined) size += v.B.byteLength;
    else if (v.N !== undefined) size += Math.ceil(v.N.replace(/[-.]/g, "").replace(/^0+|0+$/g, "").length / 2) + 1;
    else size += 1;
  }
  return size;
}

/**
 * Write units a failed conditional write consumed. DynamoDB returns no ConsumedCapacity
 * with a ConditionalCheckFailedException (neither does DynamoDB Local) yet bills the size
 * of the item that failed the condition (at least 1 unit), so it is computed from the
 * item the failure returns (ReturnValuesOnConditionCheckFailure = ALL_OLD).
 */
export function failedWriteUnits(existing: Record<string, AttributeValue> | undefined): number {
  return existing ? Math.max(1, Math.ceil(itemSize(existing) / 1024)) : 1;
}
