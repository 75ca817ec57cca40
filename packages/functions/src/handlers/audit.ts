import type { EventBridgeEvent } from "aws-lambda";
import { COMMITTED_DETAIL_TYPE, auditBatchOf, jsonLineSink, parseCommittedDetail, resolveCommittedOps, type AuditStore, type LogStore } from "@weft/core";
import { wiring } from "../wiring.js";

/**
 * Bus consumer (rule `audit`): one `weft.ops.committed` event -> one audit item for the batch.
 *
 * The detail is validated (a bad one throws: the bus retries, then dead-letters it where an
 * admin sees it), the ops come inline or are read from the log for a pointer event, and the
 * batch's records are stored with one conditional write keyed by document + seqStart. A
 * replayed, re-driven or duplicated event finds the item and writes nothing, so the handler is
 * idempotent; a failed write throws and the bus retries.
 */
export async function handler(event: EventBridgeEvent<string, unknown>): Promise<{ status: "written" | "exists" }> {
  const w = wiring();
  return recordAudit({ auditStore: w.auditStore, log: w.log }, event);
}

export async function recordAudit(
  deps: { auditStore: AuditStore; log: LogStore },
  event: EventBridgeEvent<string, unknown>,
): Promise<{ status: "written" | "exists" }> {
  if (event["detail-type"] !== COMMITTED_DETAIL_TYPE) throw new Error(`audit: not a ${COMMITTED_DETAIL_TYPE} event: ${event["detail-type"]}`);
  const detail = parseCommittedDetail(event.detail);
  const doc = { tenant: detail.tenant, docId: detail.docId };
  const entries = await resolveCommittedOps(detail, deps.log);
  const status = await deps.auditStore.put(auditBatchOf(doc, detail.seqStart, detail.seqEnd, detail.committedAt, entries));
  jsonLineSink({ kind: "audit", tenant: doc.tenant, docId: doc.docId, seqStart: detail.seqStart, seqEnd: detail.seqEnd, status, eventId: event.id });
  return { status };
}
