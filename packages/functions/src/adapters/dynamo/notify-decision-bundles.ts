import { createHash } from "node:crypto";
import { decisionKey } from "@weft/core/notify/stores/index";
import type { DecisionRecord } from "@weft/core/notify/vocabulary";
import { packJson, unpackJson } from "./codec.js";

/**
 * Bundles of the decision log (notify-decision-log-store.ts): the records one `append` makes
 * for one user at one instant, stored together. An engine call records several decisions at
 * once (a send on two channels, the channels it could not use, a deferral...): as one item per
 * index instead of one per record and index, they cost a write unit per index, not per record.
 */

/** Records per bundle at most: 16 x MAX_DECISION_BYTES (4 KB) keeps the worst bundle far below an item's 400 KB. */
export const BUNDLE_RECORDS = 16;

export interface Bundle {
  /** The user's records, in decision-key order, their identities distinct. */
  records: DecisionRecord[];
  at: number;
  /** 16 hex digits naming the bundle by its records' identities: a replayed append writes the same items again, not new ones. */
  id: string;
}

/**
 * `records` (already checked) as bundles: per user and `at`, identities made distinct (the
 * first of a batch's duplicates wins), in decision-key order, cut every BUNDLE_RECORDS records.
 */
export function bundlesOf(records: readonly DecisionRecord[]): Bundle[] {
  const groups = new Map<string, Map<string, DecisionRecord>>();
  for (const r of records) {
    const g = `${r.tenant}#${r.userId}#${r.at}`;
    let byKey = groups.get(g);
    if (!byKey) groups.set(g, (byKey = new Map()));
    const k = decisionKey(r);
    if (!byKey.has(k)) byKey.set(k, r);
  }
  const out: Bundle[] = [];
  for (const byKey of groups.values()) {
    const keys = [...byKey.keys()].sort();
    for (let i = 0; i < keys.length; i += BUNDLE_RECORDS) {
      const part = keys.slice(i, i + BUNDLE_RECORDS);
      const records = part.map((k) => byKey.get(k)!);
      out.push({ records, at: records[0].at, id: createHash("sha256").update(part.join("\n")).digest("hex").slice(0, 16) });
    }
  }
  return out;
}

/** A bundle's records as stored: compressed JSON, without the tenant and user id its partition key holds. */
export function packRecords(records: readonly DecisionRecord[]): Uint8Array {
  return packJson(records.map(({ tenant: _t, userId: _u, ...rest }) => rest));
}

/** Inverse of packRecords (tenant and userId come first again, as records are made). */
export function unpackRecords(bytes: Uint8Array | string, user: { tenant: string; userId: string }): DecisionRecord[] {
  return unpackJson<Array<Omit<DecisionRecord, "tenant" | "userId">>>(bytes).map((r) => ({ tenant: user.tenant, userId: user.userId, ...r }) as DecisionRecord);
}

/** Records sorted by decision key (ascending), each identity once (the first seen wins). */
export function distinctSorted(records: readonly DecisionRecord[]): Array<{ key: string; record: DecisionRecord }> {
  const byKey = new Map<string, DecisionRecord>();
  for (const r of records) {
    const k = decisionKey(r);
    if (!byKey.has(k)) byKey.set(k, r);
  }
  return [...byKey].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([key, record]) => ({ key, record }));
}
