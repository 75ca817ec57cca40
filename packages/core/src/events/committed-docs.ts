/**
 * The packed form of the `weft.ops.committed` event: one entry per tenant per publish, holding
 * the committed batches of many documents, `{tenant, batches: [{docId, seqStart, seqEnd,
 * committedAt, ops | opsRef}, ...]}`, each entry filled up to 64 KB (one EventBridge billing
 * unit). The materializer publishes once per stream batch, and a stream batch holds one or two
 * changes of each of many documents, so one entry per document batch (the single form,
 * committed.ts) cost a bus event and an invocation of every consumer per change; packed, they
 * cost one per publish and tenant (per 64 KB).
 *
 * Each batch inside follows the single form's rules: its ops inline while the batch alone fits
 * an entry within 64 KB, else `opsRef` (read the range from the log). The tenant stays at the
 * top, so a rule can still route by tenant. Consumers read both forms (`committedBatchesOf`):
 * dead letters and in-flight events of the single form are re-driven after an upgrade.
 */
import { z } from "zod";
import { WeftError } from "../errors.js";
import type { BusEntry } from "../ports/bus.js";
import type { LogBatch } from "../ports/records.js";
import { busEntrySize } from "./bus-entry.js";
import {
  COMMITTED_DETAIL_TYPE,
  COMMITTED_SOURCE,
  MAX_INLINE_ENTRY_BYTES,
  committedDetailSchema,
  type CommittedDetail,
} from "./committed.js";

/** One document's batch inside a packed detail: the single form without `tenant`. */
export type CommittedDocBatch = DistributiveOmit<CommittedDetail, "tenant">;
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** The packed detail. */
export interface CommittedDocsDetail {
  tenant: string;
  batches: CommittedDocBatch[];
}

/** Most batches one packed entry carries (bounds a consumer's work per event). */
export const MAX_BATCHES_PER_ENTRY = 100;

const utf8 = new TextEncoder();

/**
 * The packed entries for committed batches: per tenant (in order of first appearance), the
 * batches in the given order, as few entries as fit 64 KB each (at most MAX_BATCHES_PER_ENTRY
 * batches). Batches without entries yield nothing. Pure.
 */
export function committedDocsEntries(batches: LogBatch[]): BusEntry[] {
  const byTenant = new Map<string, LogBatch[]>();
  for (const b of batches) {
    if (b.entries.length === 0) continue;
    const list = byTenant.get(b.doc.tenant);
    if (list) list.push(b);
    else byTenant.set(b.doc.tenant, [b]);
  }
  const out: BusEntry[] = [];
  for (const [tenant, list] of byTenant) {
    let items: CommittedDocBatch[] = [];
    let time = 0;
    const empty = busEntrySize(entryOf({ tenant, batches: [] }, 0));
    let size = empty;
    const flush = () => {
      if (items.length > 0) out.push(entryOf({ tenant, batches: items }, time));
      items = [];
      time = 0;
      size = empty;
    };
    for (const b of list) {
      const { item, bytes } = itemOf(b, empty);
      if (items.length > 0 && (size + 1 + bytes > MAX_INLINE_ENTRY_BYTES || items.length >= MAX_BATCHES_PER_ENTRY)) flush();
      size += bytes + (items.length > 0 ? 1 : 0);
      items.push(item);
      time = Math.max(time, b.committedAt);
    }
    flush();
  }
  return out;
}

/**
 * A batch with its ops inline when an entry holding it alone (`empty` bytes plus the item's
 * JSON) stays within 64 KB, else a pointer to them; with its JSON's UTF-8 size (each item is
 * serialised once).
 */
function itemOf(b: LogBatch, empty: number): { item: CommittedDocBatch; bytes: number } {
  const base = { docId: b.doc.docId, seqStart: b.seqStart, seqEnd: b.seqEnd, committedAt: b.committedAt };
  const inline: CommittedDocBatch = { ...base, ops: b.entries };
  const bytes = utf8Bytes(inline);
  if (empty + bytes <= MAX_INLINE_ENTRY_BYTES) return { item: inline, bytes };
  const pointer: CommittedDocBatch = { ...base, opsRef: { after: b.seqStart - 1, until: b.seqEnd } };
  return { item: pointer, bytes: utf8Bytes(pointer) };
}

function utf8Bytes(value: unknown): number {
  return utf8.encode(JSON.stringify(value)).length;
}

function entryOf(detail: CommittedDocsDetail, time: number): BusEntry {
  return { source: COMMITTED_SOURCE, detailType: COMMITTED_DETAIL_TYPE, detail, time };
}

const packedSchema = z.strictObject({
  tenant: z.string(),
  batches: z.array(z.looseObject({})).min(1).max(MAX_BATCHES_PER_ENTRY),
});

/**
 * The document batches of a `weft.ops.committed` detail, packed or single, each validated as
 * the single form (committedDetailSchema, with the packed entry's tenant). Throws
 * WeftError("invalid_request") naming each bad path (`batches.3.seqEnd`, ...): such an event
 * is not fixed by a retry; dead-letter it.
 */
export function committedBatchesOf(detail: unknown): CommittedDetail[] {
  const isPacked = typeof detail === "object" && detail !== null && "batches" in detail;
  if (!isPacked) return [parseOne(detail, "")];
  const packed = packedSchema.safeParse(detail);
  if (!packed.success) throw invalid(packed.error.issues.map((i) => ({ path: i.path.join("."), issue: i.message })));
  return packed.data.batches.map((b, i) => parseOne({ ...b, tenant: packed.data.tenant }, `batches.${i}.`));
}

function parseOne(detail: unknown, prefix: string): CommittedDetail {
  const parsed = committedDetailSchema.safeParse(detail);
  if (parsed.success) return parsed.data as CommittedDetail;
  throw invalid(parsed.error.issues.map((i) => ({ path: prefix + i.path.join("."), issue: i.message })));
}

function invalid(details: Array<{ path: string; issue: string }>): WeftError {
  return new WeftError("invalid_request", `not a ${COMMITTED_DETAIL_TYPE} detail`, details);
}
